package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Error is an answer of 300 or more: its HTTP status and, when the body is
// the API's error body, its code, message, details and request ID.
type Error struct {
	Method, Path string
	StatusCode   int
	// Code is the API's stable error code, e.g. "NOT_FOUND", "CONFLICT",
	// "NO_LEADER"; empty when the answer carried no error body.
	Code      string
	Message   string
	Details   string
	RequestID string
	// Body is the raw answer (at most 64 KiB), for answers that are not
	// the API's error body.
	Body []byte
}

func (e *Error) Error() string {
	if e.Message == "" {
		return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.Path, e.StatusCode, strings.TrimSpace(string(e.Body)))
	}
	return fmt.Sprintf("%s (HTTP %d %s, request %s)", e.Message, e.StatusCode, e.Code, e.RequestID)
}

// errorBody is the API's error JSON.
type errorBody struct {
	Status    int             `json:"status"`
	Message   string          `json:"message"`
	Detail    string          `json:"detail"`
	Details   json.RawMessage `json:"details"`
	Code      string          `json:"code"`
	RequestID string          `json:"requestId"`
}

func newError(method, path string, status int, raw []byte) *Error {
	e := &Error{Method: method, Path: path, StatusCode: status, Body: raw}
	var b errorBody
	if json.Unmarshal(raw, &b) == nil && (b.Message != "" || b.Detail != "") {
		e.Code, e.Message, e.RequestID = b.Code, b.Message, b.RequestID
		if e.Message == "" {
			e.Message = b.Detail
		}
		e.Details = detailsText(b.Details)
	}
	return e
}

// detailsText reads "details" written as a string or as a list of strings.
func detailsText(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return strings.Join(list, "; ")
	}
	return ""
}

// StatusCode is the HTTP status of err's API answer, or 0 when err is not
// (or does not wrap) an *Error.
func StatusCode(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}

// ErrorCode is the API error code of err, or "" when err carries none.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// IsNotFound reports whether err is a 404 answer.
func IsNotFound(err error) bool { return StatusCode(err) == http.StatusNotFound }

// IsConflict reports whether err is a 409 answer.
func IsConflict(err error) bool { return StatusCode(err) == http.StatusConflict }

// IsForbidden reports whether err is a 403 answer.
func IsForbidden(err error) bool { return StatusCode(err) == http.StatusForbidden }
