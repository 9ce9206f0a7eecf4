package state

import (
	"encoding/json"
	"testing"
	"time"
)

// referenceTarget is what recordAudit found before the scanner: decode the
// payload, then the result's JSON.
func referenceTarget(payload []byte, result any) auditTargetFields {
	var t auditTargetFields
	_ = json.Unmarshal(payload, &t)
	if t.ID == "" && result != nil {
		if raw, err := json.Marshal(result); err == nil {
			_ = json.Unmarshal(raw, &t)
		}
	}
	return t
}

var targetPayloads = []string{
	`{"id":"abc","name":"prod"}`,
	`{"name":"prod"}`,
	`{"environment":{"id":"e1","name":"inner"},"workspace":{"name":"Shared"}}`,
	`{"ID":"upper","NAME":"Loud"}`,
	`{"Id":"first","id":"second"}`,
	`{"id":null,"name":"n"}`,
	`{"id":12,"name":true}`,
	`{"id":"a\"b","name":"x"}`,
	`{"na\u006de":"escaped key"}`,
	`{"İd":"dotted capital I"}`,
	`{"name":"é ✓ ünïcode"}`,
	`{"list":[1,{"id":"deep"},"]"],"s":"}{,\"","id":"after"}`,
	` { "id" : "spaced" , "name" : "n" } `,
	`{}`,
	`[]`,
	`[{"id":"in array"}]`,
	`"just a string"`,
	`42`,
	`null`,
	``,
	`{"id":"x"`,
	`{"id":"x"}}`,
	`{"id":"x",}`,
	`{"id" "x"}`,
	`{"a":1 "id":"x"}`,
}

// TestAuditTargetMatchesJSONDecoding: the scanner and the results' own
// auditTarget give the target the JSON round trips gave, for every kind
// of payload (valid or not) and result.
func TestAuditTargetMatchesJSONDecoding(t *testing.T) {
	at := time.Date(2026, 11, 22, 0, 0, 0, 0, time.UTC)
	results := map[string]any{
		"none":                     nil,
		"environment":              &Environment{ID: "env-1", Name: "prod", CreatedAt: at},
		"environment without name": &Environment{ID: "env-2"},
		"workspace":                &Workspace{ID: "ws-1", Name: "Shared", EnvironmentID: "env-1", CreatedAt: at},
		"workspace without name":   &Workspace{ID: "ws-2"},
		"count":                    3,
		"map":                      map[string]any{"id": "m", "name": 7},
		"struct with name only":    &struct{ Name string }{Name: "bare"},
	}
	for _, p := range targetPayloads {
		for rname, result := range results {
			want := referenceTarget([]byte(p), result)
			if got := auditTarget(json.RawMessage(p), result); got != want {
				t.Errorf("payload %s, result %s: got %+v, want %+v", p, rname, got, want)
			}
		}
	}
}

// FuzzScanTarget: whenever the scanner answers, it answers as encoding/json.
func FuzzScanTarget(f *testing.F) {
	for _, p := range targetPayloads {
		f.Add([]byte(p))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return // payloads are made by json.Marshal
		}
		var got auditTargetFields
		if !scanTarget(data, &got) {
			return
		}
		var want auditTargetFields
		_ = json.Unmarshal(data, &want)
		if got != want {
			t.Fatalf("%s: got %+v, want %+v", data, got, want)
		}
	})
}
