package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/roundhouse/roundhouse/cluster"
)

// Error is an API error with its HTTP status and a stable code.
type Error struct {
	Status  int
	Code    string
	Message string
	// Details are developer facts (the fields at fault), sent joined as
	// the body's details string; the message is sent when there are none.
	Details []string
}

func (e *Error) Error() string { return e.Message }

// Errorf builds an *Error.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Common codes.
const (
	CodeInvalid         = "INVALID_REQUEST"
	CodeUnauthorized    = "UNAUTHORIZED"
	CodeForbidden       = "FORBIDDEN"
	CodeNotFound        = "NOT_FOUND"
	CodeConflict        = "CONFLICT"
	CodePrecondition    = "PRECONDITION_FAILED"
	CodeTooLarge        = "PAYLOAD_TOO_LARGE"
	CodeUnsupportedType = "UNSUPPORTED_MEDIA_TYPE"
	CodeNoLeader        = "NO_LEADER"
	CodeNotReady        = "NOT_READY"
	CodeInternal        = "INTERNAL_ERROR"
	CodeNoStorage       = "INSUFFICIENT_STORAGE"
)

// NotFound is the usual 404.
func NotFound(what, id string) *Error {
	return Errorf(http.StatusNotFound, CodeNotFound, "%s %s not found", what, id)
}

// errorBody is the contract's error JSON: Talend's ErrorResponse
// (status, message, details as a string for developers, code, requestId)
// and the Service Accounts API's Error (detail, the same text as message).
type errorBody struct {
	Status    int    `json:"status"`
	Message   string `json:"message"`
	Detail    string `json:"detail"`
	Details   string `json:"details"`
	Code      string `json:"code"`
	RequestID string `json:"requestId"`
}

// classify maps any error to an *Error. Unknown errors become a 500 whose
// message says nothing internal; the cause is logged with the request ID.
func classify(err error) *Error {
	var apiErr *Error
	if errors.As(err, &apiErr) {
		return apiErr
	}
	if rej, ok := cluster.AsRejection(err); ok {
		status, code := RejectionStatus(rej.Code)
		return &Error{Status: status, Code: code, Message: rej.Message}
	}
	if errors.Is(err, cluster.ErrCannotPersist) {
		return &Error{Status: http.StatusInsufficientStorage, Code: CodeNoStorage,
			Message: err.Error() + "; nothing was changed"}
	}
	if errors.Is(err, cluster.ErrNoLeader) || errors.Is(err, context.DeadlineExceeded) {
		return &Error{Status: http.StatusServiceUnavailable, Code: CodeNoLeader,
			Message: "the control plane has no leader reachable from this node; the change was not confirmed; retry later"}
	}
	return &Error{Status: http.StatusInternalServerError, Code: CodeInternal, Message: "internal error"}
}

// WriteError writes err as the contract's error body.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	e := classify(err)
	// Only failures of our own are errors; "no leader" and "not caught up"
	// are states the caller is told about and retries through.
	if e.Status == http.StatusInternalServerError {
		slog.ErrorContext(r.Context(), "request failed", "requestId", RequestID(r.Context()), "err", err)
	}
	details := e.Message
	if len(e.Details) > 0 {
		details = strings.Join(e.Details, "; ")
	}
	WriteJSON(w, e.Status, errorBody{Status: e.Status, Message: e.Message, Detail: e.Message,
		Details: details, Code: e.Code, RequestID: RequestID(r.Context())})
}

// RejectionStatus maps a cluster rejection code to its HTTP status and
// API code (also used for the per-item results of batch endpoints).
func RejectionStatus(rejection string) (int, string) {
	switch rejection {
	case cluster.CodeNotFound:
		return http.StatusNotFound, CodeNotFound
	case cluster.CodeConflict:
		return http.StatusConflict, CodeConflict
	case cluster.CodePrecondition:
		return http.StatusConflict, CodePrecondition
	case cluster.CodeForbidden:
		return http.StatusForbidden, CodeForbidden
	}
	return http.StatusBadRequest, CodeInvalid
}
