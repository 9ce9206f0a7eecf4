package schedule

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func call(data string) WebhookCall {
	return WebhookCall{Type: ContentJSON, Data: json.RawMessage(data)}
}

func TestWebhookBatchByThreshold(t *testing.T) {
	w := WebhookWindow{WindowThreshold: 3, WindowDuration: 30}
	var b WebhookBatch
	t0 := utc("2026-06-01 10:00")
	for i, d := range []string{"1", "2"} {
		if fired := b.Add(w, t0.Add(time.Duration(i)*time.Second), call(d)); len(fired) != 0 {
			t.Fatalf("call %d fired %v", i, fired)
		}
	}
	fired := b.Add(w, t0.Add(2*time.Second), call("3"))
	if len(fired) != 1 || len(fired[0]) != 3 {
		t.Fatalf("third call: fired %v, want one batch of 3", fired)
	}
	if _, ok := b.Deadline(w); ok {
		t.Fatal("window still open after firing")
	}
}

func TestWebhookBatchByDuration(t *testing.T) {
	w := WebhookWindow{WindowThreshold: 10, WindowDuration: 30}
	var b WebhookBatch
	t0 := utc("2026-06-01 10:00")
	b.Add(w, t0, call("1"))
	b.Add(w, t0.Add(20*time.Second), call("2"))
	if d, _ := b.Deadline(w); !d.Equal(t0.Add(30 * time.Second)) {
		t.Fatalf("deadline %s, want 30 s after the first call", d)
	}
	if got := b.Expire(w, t0.Add(29*time.Second)); got != nil {
		t.Fatalf("expired early: %v", got)
	}
	got := b.Expire(w, t0.Add(30*time.Second))
	if len(got) != 2 || string(got[0].Data) != "1" {
		t.Fatalf("expire: %v", got)
	}
	// A call after an unnoticed deadline first closes the old window.
	b.Add(w, t0.Add(40*time.Second), call("3"))
	fired := b.Add(w, t0.Add(80*time.Second), call("4"))
	if len(fired) != 1 || len(fired[0]) != 1 || string(fired[0][0].Data) != "3" || len(b.Calls) != 1 {
		t.Fatalf("late call: fired %v, pending %v", fired, b.Calls)
	}
}

// TestDecodeCall covers the five content types, how each body becomes data,
// and the refusals the API turns into 4xx.
func TestDecodeCall(t *testing.T) {
	tests := []struct {
		ctype, body, data string
		err               error
	}{
		{"application/json", `{ "param": "1" }`, `{"param":"1"}`, nil},
		{"application/json; charset=utf-8", `[1,2]`, `[1,2]`, nil},
		{"application/x-www-form-urlencoded", `{"param":"1"}`, `{"param":"1"}`, nil}, // curl -d, as in Talend's webhook example
		{"application/x-www-form-urlencoded", `b=2&a=1&a=3`, `{"a":["1","3"],"b":"2"}`, nil},
		{"text/plain", "hello \"world\"", `"hello \"world\""`, nil},
		{"application/xml", `<a x="1"><b/></a>`, `"\u003ca x=\"1\"\u003e\u003cb/\u003e\u003c/a\u003e"`, nil},
		{"text/xml", `<a/>`, `"\u003ca/\u003e"`, nil},
		{"application/json", `{"param":`, "", ErrMalformedPayload},
		{"application/xml", `<a><b></a>`, "", ErrMalformedPayload},
		{"text/xml", `just text`, "", ErrMalformedPayload},
		{"application/x-www-form-urlencoded", `a=%zz`, "", ErrMalformedPayload},
		{"text/plain", "\xff\xfe", "", ErrMalformedPayload},
		{"application/octet-stream", `x`, "", ErrUnsupportedContentType},
		{"", `x`, "", ErrUnsupportedContentType},
		{"text/plain", strings.Repeat("x", MaxPayloadBytes+1), "", ErrPayloadTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.ctype+" "+tt.body[:min(len(tt.body), 12)], func(t *testing.T) {
			c, err := DecodeCall(tt.ctype, []byte(tt.body))
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(c.Data) != tt.data {
				t.Fatalf("data %s, want %s", c.Data, tt.data)
			}
		})
	}
}

// TestEncodeBatch: the Job receives the array of {type, data}.
func TestEncodeBatch(t *testing.T) {
	var calls []WebhookCall
	for _, body := range []string{`{"param":"1"}`, `{"param":"2"}`} {
		c, err := DecodeCall(ContentForm, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		calls = append(calls, c)
	}
	got, err := EncodeBatch(calls)
	if err != nil {
		t.Fatal(err)
	}
	want := `[{"type":"application/x-www-form-urlencoded","data":{"param":"1"}},{"type":"application/x-www-form-urlencoded","data":{"param":"2"}}]`
	if string(got) != want {
		t.Fatalf("got %s\nwant %s", got, want)
	}
	if empty, _ := EncodeBatch(nil); string(empty) != "[]" {
		t.Fatalf("empty batch %s", empty)
	}
}
