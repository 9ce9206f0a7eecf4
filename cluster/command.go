package cluster

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// encodingV1 is the first byte of a command in the JSON envelope, which
// nodes wrote before the binary one (envelope.go) and still decode. A
// node seeing a byte it does not know refuses to apply rather than guess.
const encodingV1 byte = 1

// encodingGroup is the first byte of a log entry carrying several
// commands proposed together (group commit, see proposer.go): then, per
// command, its length as a uvarint and its encoded bytes.
const encodingGroup byte = 2

// maxGroup is the most commands one log entry may carry: Tx.Index gives
// each command of entry i the number i*maxGroup + its place.
const maxGroup = 1024

// Meta says who asked for a command and when. The proposer fills it in
// (never the FSM: apply must be deterministic on every node).
type Meta struct {
	// Time is the proposer's clock when the command was made.
	Time time.Time `json:"time"`
	// ActorID and ActorName identify the principal; empty for the system.
	ActorID   string `json:"actorId,omitempty"`
	ActorName string `json:"actorName,omitempty"`
	ActorKind string `json:"actorKind,omitempty"`
	// ClientIP is the caller's address as the API saw it.
	ClientIP string `json:"clientIp,omitempty"`
	// RequestID ties the command to the API request and its log lines.
	RequestID string `json:"requestId,omitempty"`
}

// Command is one typed, versioned state change.
type Command struct {
	// ID is unique per proposal. A command retried after a leader change
	// carries the same ID and is applied at most once (see dedupe.go).
	ID string `json:"id"`
	// Type names the handler, e.g. "environment.create".
	Type string `json:"type"`
	// Version is the payload's schema version; handlers decode by it.
	Version int `json:"v"`
	// Ignorable lets nodes that do not know Type skip it instead of
	// stopping, for additive features during rolling upgrades.
	Ignorable bool            `json:"ignorable,omitempty"`
	Meta      Meta            `json:"meta"`
	Payload   json.RawMessage `json:"payload"`
}

// NewCommand builds a version-1 command with payload marshalled as JSON.
func NewCommand(typ string, meta Meta, payload any) (Command, error) {
	raw, err := json.Marshal(payload)
	if err != nil {
		return Command{}, fmt.Errorf("encode %s payload: %w", typ, err)
	}
	if meta.Time.IsZero() {
		meta.Time = time.Now().UTC()
	}
	return Command{ID: newCommandID(), Type: typ, Version: 1, Meta: meta, Payload: raw}, nil
}

// Decode unmarshals the payload into v.
func (c Command) Decode(v any) error {
	if err := json.Unmarshal(c.Payload, v); err != nil {
		return Reject(CodeInvalid, "decode %s payload: %v", c.Type, err)
	}
	return nil
}

func encodeCommand(c Command) ([]byte, error) {
	return encodeBinary(c), nil
}

// encodeCommandJSON is the encodingV1 form, which logs written before the
// binary envelope hold.
func encodeCommandJSON(c Command) ([]byte, error) {
	body, err := json.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encode command %s: %w", c.Type, err)
	}
	return append([]byte{encodingV1}, body...), nil
}

// isCommand reports whether data is one encoded command (not a group).
func isCommand(data []byte) bool {
	return len(data) > 0 && (data[0] == encodingV1 || data[0] == encodingBinary)
}

// encodeGroup frames encoded commands into one log entry.
func encodeGroup(cmds [][]byte) []byte {
	size := 1
	for _, c := range cmds {
		size += binary.MaxVarintLen64 + len(c)
	}
	out := make([]byte, 1, size)
	out[0] = encodingGroup
	for _, c := range cmds {
		out = binary.AppendUvarint(out, uint64(len(c)))
		out = append(out, c...)
	}
	return out
}

// splitGroup returns the encoded commands of a group entry (sharing
// data's memory).
func splitGroup(data []byte) ([][]byte, error) {
	var cmds [][]byte
	for rest := data[1:]; len(rest) > 0; {
		n, k := binary.Uvarint(rest)
		if k <= 0 || n > uint64(len(rest)-k) {
			return nil, fmt.Errorf("group entry: bad length of command %d", len(cmds))
		}
		cmds = append(cmds, rest[k:k+int(n)])
		rest = rest[k+int(n):]
	}
	if len(cmds) == 0 || len(cmds) > maxGroup {
		return nil, fmt.Errorf("group entry holds %d commands, want 1 to %d", len(cmds), maxGroup)
	}
	return cmds, nil
}

func decodeCommand(data []byte) (Command, error) {
	if len(data) == 0 {
		return Command{}, errors.New("empty log entry")
	}
	switch data[0] {
	case encodingBinary:
		return decodeBinary(data)
	case encodingV1:
	default:
		return Command{}, fmt.Errorf("log entry encoding %d is not one this node understands (%d or %d)", data[0], encodingV1, encodingBinary)
	}
	var c Command
	if err := json.Unmarshal(data[1:], &c); err != nil {
		return Command{}, fmt.Errorf("decode command: %w", err)
	}
	return c, nil
}

// Codes of a Rejection: the rule a command broke. The API maps them to
// HTTP statuses; they travel unchanged through leader forwarding.
const (
	CodeInvalid      = "invalid"      // the request itself is wrong
	CodeNotFound     = "not_found"    // it names something that does not exist
	CodeConflict     = "conflict"     // it clashes with existing state (duplicate name)
	CodePrecondition = "precondition" // state forbids it now (in use, paused, limit reached)
	CodeForbidden    = "forbidden"    // the actor may not do this
)

// Rejection is a deterministic refusal by a command handler: the command
// changed nothing. Any other handler error is an internal failure.
type Rejection struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (r *Rejection) Error() string { return r.Message }

// Reject builds a *Rejection with a formatted message.
func Reject(code, format string, args ...any) *Rejection {
	return &Rejection{Code: code, Message: fmt.Sprintf(format, args...)}
}

// AsRejection reports whether err carries a Rejection.
func AsRejection(err error) (*Rejection, bool) {
	var r *Rejection
	ok := errors.As(err, &r)
	return r, ok
}

// newCommandID returns 32 hex digits: the time in nanoseconds, then 64
// random bits. Time first keeps the dedupe table's inserts at one edge
// of its index (a random key copies a whole radix path, 5x dearer).
func newCommandID() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(time.Now().UnixNano()))
	_, _ = rand.Read(b[8:]) // crypto/rand.Read never fails on Linux
	return hex.EncodeToString(b[:])
}
