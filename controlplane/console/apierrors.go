package console

import (
	"errors"
	"net/http"

	"github.com/roundhouse/roundhouse/api"
)

// APIError is a refusal shown to the user beside the form or on the page
// that caused it: the API's own status and message, or the console's.
type APIError struct {
	Status  int
	Message string
}

func (e *APIError) Error() string { return e.Message }

// refusalOf reports the status and message of an error the user should
// read, or false for anything else (a failure of the node itself).
func refusalOf(err error) (*APIError, bool) {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae, true
	}
	var e *api.Error
	if errors.As(err, &e) && e.StatusCode >= 400 && e.StatusCode < 500 {
		msg := e.Message
		if msg == "" {
			msg = http.StatusText(e.StatusCode)
		}
		return &APIError{Status: e.StatusCode, Message: msg}, true
	}
	return nil, false
}
