package schedule

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/url"
	"unicode/utf8"
)

// PayloadParameter is the context parameter that receives the batch: the
// source Job must declare it.
const PayloadParameter = "resource_webhook_payload"

// MaxPayloadBytes bounds one webhook call's body. Talend's only figure is
// "the total payload size for Big Data Jobs must not exceed 5 kb"; we apply
// 5 KiB to every call, so a batch is at most threshold × 5 KiB.
const MaxPayloadBytes = 5 * 1024

// The five content types a webhook accepts.
const (
	ContentJSON    = "application/json"
	ContentXML     = "application/xml"
	ContentForm    = "application/x-www-form-urlencoded"
	ContentText    = "text/plain"
	ContentTextXML = "text/xml"
)

// Errors of DecodeCall; the API maps them to 413, 415 and 400.
var (
	ErrPayloadTooLarge        = errors.New("webhook payload too large")
	ErrUnsupportedContentType = errors.New("unsupported webhook content type")
	ErrMalformedPayload       = errors.New("malformed webhook payload")
)

// WebhookCall is one call as the Job sees it: {"type": media type,
// "data": payload}.
type WebhookCall struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

// DecodeCall turns one POST into a WebhookCall. How the body becomes data:
//   - application/json: must be valid JSON; kept as a JSON value, not an
//     escaped string (Talend: quotes "are not escaped anymore");
//   - application/x-www-form-urlencoded: a body that is itself valid JSON
//     (what `curl -d '{"param":"1"}'` sends, Talend's example) is kept as
//     that JSON value; otherwise the form is decoded to an object of
//     name → value (→ list of values when a name repeats);
//   - application/xml, text/xml: must be well-formed XML; a JSON string;
//   - text/plain: must be UTF-8; a JSON string.
func DecodeCall(contentType string, body []byte) (WebhookCall, error) {
	if len(body) > MaxPayloadBytes {
		return WebhookCall{}, fmt.Errorf("%w: %d bytes, at most %d", ErrPayloadTooLarge, len(body), MaxPayloadBytes)
	}
	media, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return WebhookCall{}, fmt.Errorf("%w: Content-Type %q: want one of %s, %s, %s, %s, %s", ErrUnsupportedContentType,
			contentType, ContentJSON, ContentXML, ContentForm, ContentText, ContentTextXML)
	}
	var data json.RawMessage
	switch media {
	case ContentJSON:
		if !json.Valid(body) {
			return WebhookCall{}, fmt.Errorf("%w: body is not valid JSON", ErrMalformedPayload)
		}
		data = compactJSON(body)
	case ContentForm:
		data, err = formData(body)
	case ContentXML, ContentTextXML:
		if err = checkXML(body); err == nil {
			data, err = json.Marshal(string(body))
		}
	case ContentText:
		if !utf8.Valid(body) {
			return WebhookCall{}, fmt.Errorf("%w: text/plain body is not UTF-8", ErrMalformedPayload)
		}
		data, err = json.Marshal(string(body))
	default:
		return WebhookCall{}, fmt.Errorf("%w: %q: want one of %s, %s, %s, %s, %s", ErrUnsupportedContentType,
			media, ContentJSON, ContentXML, ContentForm, ContentText, ContentTextXML)
	}
	if err != nil {
		return WebhookCall{}, err
	}
	return WebhookCall{Type: media, Data: data}, nil
}

func compactJSON(body []byte) json.RawMessage {
	var buf bytes.Buffer
	if err := json.Compact(&buf, body); err != nil {
		return append(json.RawMessage(nil), body...)
	}
	return buf.Bytes()
}

func formData(body []byte) (json.RawMessage, error) {
	if trimmed := bytes.TrimSpace(body); len(trimmed) > 0 && json.Valid(trimmed) {
		return compactJSON(trimmed), nil
	}
	values, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("%w: form body: %v", ErrMalformedPayload, err)
	}
	obj := make(map[string]any, len(values))
	for k, v := range values {
		if len(v) == 1 {
			obj[k] = v[0]
		} else {
			obj[k] = v
		}
	}
	return json.Marshal(obj) // map keys are written sorted: deterministic
}

func checkXML(body []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(body))
	sawElement := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%w: XML: %v", ErrMalformedPayload, err)
		}
		if _, ok := tok.(xml.StartElement); ok {
			sawElement = true
		}
	}
	if !sawElement {
		return fmt.Errorf("%w: XML body has no element", ErrMalformedPayload)
	}
	return nil
}

// EncodeBatch is the value of PayloadParameter for one execution: the JSON
// array of the batch's calls, in arrival order.
func EncodeBatch(calls []WebhookCall) ([]byte, error) {
	if calls == nil {
		calls = []WebhookCall{}
	}
	b, err := json.Marshal(calls)
	if err != nil {
		return nil, fmt.Errorf("encode webhook batch: %w", err)
	}
	return b, nil
}
