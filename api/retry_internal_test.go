package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
)

func TestRetryDecision(t *testing.T) {
	unavailable := &Error{StatusCode: http.StatusServiceUnavailable, Code: "NO_LEADER"}
	conflict := &Error{StatusCode: http.StatusConflict, Code: "CONFLICT"}
	refused := errors.New("dial tcp 127.0.0.1:1: connect: connection refused")
	p := RetryPolicy{Attempts: 3}
	for _, tc := range []struct {
		name    string
		method  string
		attempt int
		err     error
		want    bool
	}{
		{"GET after 503", "GET", 0, unavailable, true},
		{"GET after a wrapped 503", "GET", 0, fmt.Errorf("list: %w", unavailable), true},
		{"PUT after no answer", "PUT", 1, refused, true},
		{"DELETE after 503", "DELETE", 0, unavailable, true},
		{"GET after 409", "GET", 0, conflict, false},
		{"POST after 503: may have been applied", "POST", 0, unavailable, false},
		{"PATCH after no answer", "PATCH", 0, refused, false},
		{"GET, attempts used up", "GET", 2, unavailable, false},
		{"GET, caller gave up", "GET", 0, context.Canceled, false},
		{"GET, caller's deadline", "GET", 0, fmt.Errorf("x: %w", context.DeadlineExceeded), false},
	} {
		if got := p.retries(tc.method, tc.attempt, tc.err); got != tc.want {
			t.Errorf("%s: retries = %v, want %v", tc.name, got, tc.want)
		}
	}
	if NoRetry().retries("GET", 0, unavailable) {
		t.Error("NoRetry retries")
	}
}

func TestErrorReadsDetailsAsStringOrList(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`{"status":400,"message":"m","details":["a","b"],"code":"INVALID_REQUEST"}`, "a; b"},
		{`{"status":400,"message":"m","details":"a and b","code":"INVALID_REQUEST"}`, "a and b"},
		{`{"status":400,"message":"m","code":"INVALID_REQUEST"}`, ""},
	} {
		e := newError("GET", "/x", 400, []byte(tc.body))
		if e.Details != tc.want || e.Message != "m" || e.Code != "INVALID_REQUEST" {
			t.Errorf("%s: %+v", tc.body, e)
		}
	}
	e := newError("GET", "/x", 502, []byte("bad gateway"))
	if e.Code != "" || e.Error() != "GET /x: HTTP 502: bad gateway" {
		t.Errorf("a non-API answer: %+v %q", e, e.Error())
	}
}
