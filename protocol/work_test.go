package protocol

import (
	"encoding/json"
	"testing"
)

// WorkOpen.Known tells "the agent holds nothing" (an empty list) apart
// from "the agent does not say" (absent, from agents before the field).
func TestWorkOpenKnownEmptyIsNotAbsent(t *testing.T) {
	cases := []struct {
		wire    string
		wantNil bool
	}{
		{`{"running":0}`, true},
		{`{"running":0,"known":null}`, true},
		{`{"running":0,"known":[]}`, false},
	}
	for _, c := range cases {
		var m WorkOpen
		if err := json.Unmarshal([]byte(c.wire), &m); err != nil {
			t.Fatal(err)
		}
		if (m.Known == nil) != c.wantNil {
			t.Errorf("%s: Known nil = %v, want %v", c.wire, m.Known == nil, c.wantNil)
		}
	}
	b, _ := json.Marshal(&WorkOpen{Known: []ExecutionRef{}})
	var back WorkOpen
	_ = json.Unmarshal(b, &back)
	if back.Known == nil {
		t.Fatalf("an empty account did not survive the wire: %s", b)
	}
}
