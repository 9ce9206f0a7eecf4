package api

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
)

// MaxBodyBytes bounds JSON request bodies; uploads have their own limits.
const MaxBodyBytes = 1 << 20

// Decode reads a JSON body into v strictly: the content type must be JSON
// (or absent), unknown fields and trailing data are refused, and the body
// may not exceed MaxBodyBytes. Every failure is a 4xx *Error.
func Decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return Errorf(http.StatusUnsupportedMediaType, CodeUnsupportedType, "request body must be application/json, got %q", ct)
		}
	}
	body := http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return decodeError(err)
	}
	if err := dec.Decode(&struct{}{}); !errors.Is(err, io.EOF) {
		return Errorf(http.StatusBadRequest, CodeInvalid, "request body must hold a single JSON value")
	}
	return nil
}

func decodeError(err error) *Error {
	var tooBig *http.MaxBytesError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &tooBig):
		return Errorf(http.StatusRequestEntityTooLarge, CodeTooLarge, "request body exceeds %d bytes", tooBig.Limit)
	case errors.Is(err, io.EOF):
		return Errorf(http.StatusBadRequest, CodeInvalid, "request body is empty; a JSON object is required")
	case errors.As(err, &syntax), errors.Is(err, io.ErrUnexpectedEOF):
		return Errorf(http.StatusBadRequest, CodeInvalid, "malformed JSON: %v", err)
	case errors.As(err, &typ):
		return Errorf(http.StatusBadRequest, CodeInvalid, "field %q must be %s", typ.Field, typ.Type)
	case strings.HasPrefix(err.Error(), "json: unknown field"):
		return Errorf(http.StatusBadRequest, CodeInvalid, "%s", strings.TrimPrefix(err.Error(), "json: "))
	}
	return Errorf(http.StatusBadRequest, CodeInvalid, "invalid JSON: %v", err)
}

// WriteJSON writes v with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
