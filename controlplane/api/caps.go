package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"unicode/utf8"
)

// Length caps on free text in request bodies, in characters. A string
// value is capped by the name of the field holding it (or, inside an
// array, the array's field); the documented table is in
// docs/api-compatibility.md. Anything longer is refused with a 400 naming
// the field, before any change is made.
var textCaps = map[string]int{
	"name":        255,
	"description": 1000,
	"login":       254,
	"email":       254,
	"firstName":   100,
	"lastName":    100,
	"reason":      1000,
	"pauseReason": 1000,
}

const (
	// DefaultTextCap bounds every other string value of a request body.
	DefaultTextCap = 4096
	// ParameterValueCap bounds the values of a "parameters" object (task
	// and plan context parameters), ParameterNameCap their names.
	ParameterValueCap = 10000
	ParameterNameCap  = 255
)

// TextCap is the cap on a string held by field (inside a parameters
// object when inParameters).
func TextCap(field string, inParameters bool) int {
	if inParameters {
		return ParameterValueCap
	}
	if n, ok := textCaps[field]; ok {
		return n
	}
	return DefaultTextCap
}

type capFrame struct {
	object    bool
	field     string // the field this object or array is the value of
	key       string // objects: the key whose value comes next
	expectKey bool
}

// checkTextCaps walks raw (already known to be within MaxBodyBytes) and
// refuses the first string longer than its cap. Syntax errors are left
// to the decoder, which reports them better.
func checkTextCaps(raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	var stack []capFrame
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].expectKey = true
		}
	}
	fieldHere := func() (string, bool) {
		if len(stack) == 0 {
			return "", false
		}
		top := stack[len(stack)-1]
		if top.object {
			return top.key, top.field == "parameters"
		}
		return top.field, false
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				field, _ := fieldHere()
				stack = append(stack, capFrame{object: v == '{', field: field, expectKey: v == '{'})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].expectKey {
				top := &stack[n-1]
				top.key, top.expectKey = v, false
				if top.field == "parameters" && utf8.RuneCountInString(v) > ParameterNameCap {
					return Errorf(http.StatusBadRequest, CodeInvalid, "a parameter name is %d characters long; at most %d are accepted", utf8.RuneCountInString(v), ParameterNameCap)
				}
				continue
			}
			field, inParams := fieldHere()
			if limit := TextCap(field, inParams); utf8.RuneCountInString(v) > limit {
				return tooLong(field, inParams, utf8.RuneCountInString(v), limit)
			}
			valueDone()
		default:
			valueDone()
		}
	}
}

func tooLong(field string, inParams bool, n, limit int) error {
	what := "a string value"
	switch {
	case inParams:
		what = "parameter " + field
	case field != "":
		what = "field " + field
	}
	return Errorf(http.StatusBadRequest, CodeInvalid, "%s is %d characters long; at most %d are accepted", what, n, limit)
}
