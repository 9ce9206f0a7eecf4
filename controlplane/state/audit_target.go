package state

import (
	"encoding/json"
	"unicode/utf8"
)

// An audit entry names the command's target: the payload's top-level
// "id" and "name", else the handler's result's. Decoding the payload and
// encoding and decoding the result again to find them cost as much as a
// second apply of the command's JSON on every replica; what follows gets
// the same answer without that in the common cases.

// auditTargetFields is what json.Unmarshal would fill in.
type auditTargetFields struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// auditTargeted results name their target themselves. The answer must
// be what encoding their JSON and reading "id" and "name" back gives
// (audit_target_test.go checks each implementation).
type auditTargeted interface {
	auditTarget() auditTargetFields
}

func (e *Environment) auditTarget() auditTargetFields {
	return auditTargetFields{ID: e.ID, Name: e.Name}
}

func (w *Workspace) auditTarget() auditTargetFields {
	return auditTargetFields{ID: w.ID, Name: w.Name}
}

// auditTarget returns the target of a command with this payload and
// handler result.
func auditTarget(payload json.RawMessage, result any) auditTargetFields {
	var t auditTargetFields
	if !scanTarget(payload, &t) {
		_ = json.Unmarshal(payload, &t) // payloads without id/name leave it empty
	}
	if t.ID != "" || result == nil {
		return t
	}
	if r, ok := result.(auditTargeted); ok {
		return r.auditTarget()
	}
	if raw, err := json.Marshal(result); err == nil {
		_ = json.Unmarshal(raw, &t)
	}
	return t
}

// scanTarget reads the top-level "id" and "name" strings of a JSON object
// as json.Unmarshal into auditTargetFields would (keys matched without
// case, the last one wins, values that are not strings ignored), without
// decoding the rest. It reports false, having changed nothing, for what
// it does not handle simply (escapes, non-ASCII keys, which encoding/json
// may fold onto "id", anything that is not an object); the caller then
// asks encoding/json. The payload is valid JSON: cluster.NewCommand made
// it with json.Marshal.
func scanTarget(data []byte, t *auditTargetFields) bool {
	s := jsonScanner{data: data}
	if s.literal("null") {
		return true
	}
	var found auditTargetFields
	var gotID, gotName bool
	if !s.byte('{') {
		return false
	}
	for more := !s.byte('}'); more; {
		key, ok := s.plainString()
		if !ok || !isASCII(key) || !s.byte(':') {
			return false
		}
		var field *string
		switch {
		case asciiFold(key, "id"):
			field, gotID = &found.ID, true
		case asciiFold(key, "name"):
			field, gotName = &found.Name, true
		}
		s.space()
		if field != nil && s.pos < len(s.data) && s.data[s.pos] == '"' {
			v, ok := s.plainString()
			if !ok || !utf8.ValidString(v) {
				return false
			}
			*field = v
		} else if !s.skipValue() {
			return false
		}
		if more = !s.byte('}'); more && !s.byte(',') {
			return false
		}
	}
	if !s.end() {
		return false
	}
	if gotID {
		t.ID = found.ID
	}
	if gotName {
		t.Name = found.Name
	}
	return true
}

// jsonScanner walks JSON text; pos is the next byte.
type jsonScanner struct {
	data []byte
	pos  int
}

func (s *jsonScanner) space() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// byte consumes c (after white space) if it is next.
func (s *jsonScanner) byte(c byte) bool {
	s.space()
	if s.pos < len(s.data) && s.data[s.pos] == c {
		s.pos++
		return true
	}
	return false
}

func (s *jsonScanner) end() bool {
	s.space()
	return s.pos == len(s.data)
}

// plainString reads a string without escapes or control characters.
func (s *jsonScanner) plainString() (string, bool) {
	if !s.byte('"') {
		return "", false
	}
	start := s.pos
	for ; s.pos < len(s.data); s.pos++ {
		switch c := s.data[s.pos]; {
		case c == '"':
			s.pos++
			return string(s.data[start : s.pos-1]), true
		case c == '\\' || c < 0x20:
			return "", false
		}
	}
	return "", false
}

// skipValue steps over one value of any kind, up to the ',' or '}' that
// follows it.
func (s *jsonScanner) skipValue() bool {
	s.space()
	depth := 0
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case '"':
			if !s.skipString() {
				return false
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return true
			}
			depth--
		case ',':
			if depth == 0 {
				return true
			}
		}
		s.pos++
	}
	return false
}

// literal consumes the whole remaining text if it is word.
func (s *jsonScanner) literal(word string) bool {
	s.space()
	rest := s.data[s.pos:]
	if len(rest) < len(word) || string(rest[:len(word)]) != word {
		return false
	}
	save := s.pos
	s.pos += len(word)
	if s.end() {
		return true
	}
	s.pos = save
	return false
}

// skipString steps over a string, escapes included.
func (s *jsonScanner) skipString() bool {
	for s.pos++; s.pos < len(s.data); s.pos++ {
		switch s.data[s.pos] {
		case '\\':
			s.pos++
		case '"':
			s.pos++
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// asciiFold reports whether the ASCII key equals the lower-case word,
// ignoring case.
func asciiFold(key, word string) bool {
	if len(key) != len(word) {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != word[i] {
			return false
		}
	}
	return true
}
