package environments

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/roundhouse/roundhouse/controlplane/api"
)

// workspaceQueryFields are the fields a workspace query may compare, as
// Talend's query syntax names them.
var workspaceQueryFields = []string{"id", "name", "type", "owner", "environment.id", "environment.name"}

// workspaceListParams are the query parameters GET /orchestration/workspaces
// reads; any other is refused rather than silently ignored.
var workspaceListParams = []string{"query", "environmentId", "environmentName", "name", "type", "owner", "talendVersion", "consistency"}

// workspaceFilter keeps workspaces matching every comparison of all and,
// when anyOf is not empty, every comparison of one of its alternatives.
type workspaceFilter struct {
	all   comparisons
	anyOf []comparisons
}

// comparisons is a conjunction of field==value tests.
type comparisons map[string]string

// parseWorkspaceFilter reads the list parameters: Talend's query syntax
// (FIQL: ?query=environment.name==staging;type==SHARED, comparisons
// joined by ";" meaning and, alternatives by "," meaning or, values
// optionally quoted) and the plain parameters environmentId,
// environmentName, name, type and owner. An unknown parameter, an unknown
// field or a malformed comparison is a 400: a filter that is ignored
// would act on the wrong environment.
func parseWorkspaceFilter(q url.Values) (workspaceFilter, error) {
	f := workspaceFilter{all: comparisons{}}
	for name := range q {
		if !slices.Contains(workspaceListParams, name) {
			return f, invalid("unknown query parameter %q; accepted: %s", name, strings.Join(workspaceListParams, ", "))
		}
	}
	plain := map[string]string{"environmentId": "environment.id", "environmentName": "environment.name",
		"name": "name", "type": "type", "owner": "owner"}
	for param, field := range plain {
		if v := q.Get(param); v != "" {
			if err := f.all.add(field, v); err != nil {
				return f, err
			}
		}
	}
	if _, ok := q["query"]; !ok {
		return f, nil
	}
	expr := strings.TrimSpace(q.Get("query"))
	if expr == "" {
		return f, invalid("query is empty; write field==value, e.g. environment.name==staging")
	}
	for _, alternative := range splitOutsideQuotes(expr, ',') {
		conj := comparisons{}
		for _, cmp := range splitOutsideQuotes(alternative, ';') {
			field, value, err := parseComparison(cmp)
			if err != nil {
				return f, err
			}
			if err := conj.add(field, value); err != nil {
				return f, err
			}
		}
		f.anyOf = append(f.anyOf, conj)
	}
	if len(f.anyOf) == 1 { // a plain conjunction: fold it in (fast path on environment.id)
		for field, value := range f.anyOf[0] {
			if err := f.all.add(field, value); err != nil {
				return f, err
			}
		}
		f.anyOf = nil
	}
	return f, nil
}

func parseComparison(cmp string) (field, value string, err error) {
	field, value, ok := strings.Cut(cmp, "==")
	field, value = strings.TrimSpace(field), strings.TrimSpace(value)
	quoted := len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0]
	if quoted {
		value = value[1 : len(value)-1]
	}
	if !ok || field == "" || value == "" || (!quoted && strings.ContainsAny(value, "=<>!()")) {
		return "", "", invalid("malformed query %q: write field==value, comparisons joined by ';' (and) or ',' (or)", cmp)
	}
	if !slices.Contains(workspaceQueryFields, field) {
		return "", "", invalid("unknown query field %q; fields: %s", field, strings.Join(workspaceQueryFields, ", "))
	}
	return field, value, nil
}

// splitOutsideQuotes splits s at sep, except inside single or double
// quotes.
func splitOutsideQuotes(s string, sep byte) []string {
	var parts []string
	var quote byte
	start := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == sep:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// add records field==value; two different values for one field can
// match nothing, which is surely a mistake.
func (c comparisons) add(field, value string) error {
	if prev, ok := c[field]; ok && prev != value {
		return invalid("%s is compared to both %q and %q", field, prev, value)
	}
	c[field] = value
	return nil
}

func (c comparisons) match(got map[string]string) bool {
	for field, want := range c {
		if got[field] != want {
			return false
		}
	}
	return true
}

// matches reports whether the workspace view satisfies the filter.
func (f workspaceFilter) matches(ws workspaceView) bool {
	got := map[string]string{"id": ws.ID, "name": ws.Name, "type": ws.Type, "owner": ws.Owner,
		"environment.id": ws.Environment.ID, "environment.name": ws.Environment.Name}
	if !f.all.match(got) {
		return false
	}
	return len(f.anyOf) == 0 || slices.ContainsFunc(f.anyOf, func(c comparisons) bool { return c.match(got) })
}

func invalid(format string, args ...any) error {
	return api.Errorf(http.StatusBadRequest, api.CodeInvalid, format, args...)
}
