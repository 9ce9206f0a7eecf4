package cluster

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// encodingBinary is the first byte of a command written since the binary
// envelope: decoding the JSON envelope of every command on every replica
// was a sixth of the FSM's CPU. The payload stays JSON (handlers decode
// it by Command.Version); only the envelope around it is binary:
//
//	3 | varint Version | flags | [varint unix nanos | varint zone offset s]
//	  | 7 × (uvarint length | bytes): ID Type ActorID ActorName ActorKind ClientIP RequestID
//	  | payload (the rest)
//
// Entries written as encodingV1 (JSON) are still decoded, so existing logs
// and snapshots load.
const encodingBinary byte = 3

// Envelope flag bits.
const (
	flagIgnorable byte = 1 << iota
	flagHasTime
)

// envelopeStrings is how many length-prefixed strings an envelope holds.
const envelopeStrings = 7

func encodeBinary(c Command) []byte {
	m := c.Meta
	strs := [envelopeStrings]string{c.ID, c.Type, m.ActorID, m.ActorName, m.ActorKind, m.ClientIP, m.RequestID}
	size := 3 + 3*binary.MaxVarintLen64 + len(c.Payload)
	for _, s := range strs {
		size += binary.MaxVarintLen64 + len(s)
	}
	out := make([]byte, 0, size)
	out = append(out, encodingBinary)
	out = binary.AppendVarint(out, int64(c.Version))
	var flags byte
	if c.Ignorable {
		flags |= flagIgnorable
	}
	if !m.Time.IsZero() {
		flags |= flagHasTime
	}
	out = append(out, flags)
	if !m.Time.IsZero() {
		_, offset := m.Time.Zone()
		out = binary.AppendVarint(out, m.Time.UnixNano())
		out = binary.AppendVarint(out, int64(offset))
	}
	for _, s := range strs {
		out = binary.AppendUvarint(out, uint64(len(s)))
		out = append(out, s...)
	}
	return append(out, c.Payload...)
}

// envelopeReader walks an encodingBinary entry; the first error sticks.
type envelopeReader struct {
	data []byte
	text string // data as one string: the envelope's strings are slices of it
	pos  int
	err  error
}

var errTruncated = errors.New("truncated command envelope")

func (r *envelopeReader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.data[r.pos:])
	if n <= 0 {
		r.err = errTruncated
		return 0
	}
	r.pos += n
	return v
}

func (r *envelopeReader) str() string {
	if r.err != nil {
		return ""
	}
	n, k := binary.Uvarint(r.data[r.pos:])
	if k <= 0 || n > uint64(len(r.data)-r.pos-k) {
		r.err = errTruncated
		return ""
	}
	start := r.pos + k
	r.pos = start + int(n)
	if r.text == "" {
		return ""
	}
	return r.text[start:r.pos]
}

func decodeBinary(data []byte) (Command, error) {
	if len(data) < 3 {
		return Command{}, errTruncated
	}
	// One string allocation for all the envelope's text fields.
	r := &envelopeReader{data: data, pos: 1}
	var c Command
	c.Version = int(r.varint())
	if r.err == nil && r.pos >= len(data) {
		r.err = errTruncated
	}
	if r.err != nil {
		return Command{}, fmt.Errorf("decode command: %w", r.err)
	}
	flags := data[r.pos]
	r.pos++
	if flags&^(flagIgnorable|flagHasTime) != 0 {
		// A later envelope with more fields: refuse rather than misread.
		return Command{}, fmt.Errorf("decode command: envelope flags %#x are newer than this node understands", flags)
	}
	c.Ignorable = flags&flagIgnorable != 0
	if flags&flagHasTime != 0 {
		nanos, offset := r.varint(), r.varint()
		c.Meta.Time = time.Unix(0, nanos).UTC()
		if offset != 0 {
			c.Meta.Time = c.Meta.Time.In(time.FixedZone("", int(offset)))
		}
	}
	start := r.pos
	for range envelopeStrings {
		r.str() // finds where the strings end
	}
	if r.err != nil {
		return Command{}, fmt.Errorf("decode command: %w", r.err)
	}
	// Only the strings, not the payload: rows keep them for long.
	r.text = string(data[start:r.pos])
	r.data, r.pos = data[start:], 0
	c.ID, c.Type = r.str(), r.str()
	c.Meta.ActorID, c.Meta.ActorName, c.Meta.ActorKind = r.str(), r.str(), r.str()
	c.Meta.ClientIP, c.Meta.RequestID = r.str(), r.str()
	if r.err != nil {
		return Command{}, fmt.Errorf("decode command: %w", r.err)
	}
	c.Payload = append([]byte(nil), r.data[r.pos:]...)
	if len(c.Payload) == 0 {
		c.Payload = json.RawMessage("null") // what the JSON envelope gives for none
	}
	return c, nil
}
