package cluster

import (
	"encoding/binary"
	"fmt"
	"time"
)

// TimeFieldIndex indexes a time.Time field in chronological order
// (big-endian nanoseconds), for range scans such as retention clean-up.
type TimeFieldIndex struct {
	// Field extracts the indexed time from a row.
	Field func(obj any) time.Time
}

func (t *TimeFieldIndex) FromObject(obj any) (bool, []byte, error) {
	return true, encodeTime(t.Field(obj)), nil
}

func (t *TimeFieldIndex) FromArgs(args ...any) ([]byte, error) {
	if len(args) != 1 {
		return nil, fmt.Errorf("time index takes one argument, got %d", len(args))
	}
	ts, ok := args[0].(time.Time)
	if !ok {
		return nil, fmt.Errorf("time index argument must be time.Time, got %T", args[0])
	}
	return encodeTime(ts), nil
}

func encodeTime(ts time.Time) []byte {
	var b [8]byte
	// Flip the sign bit so that times before 1970 sort before later ones.
	binary.BigEndian.PutUint64(b[:], uint64(ts.UnixNano())^(1<<63))
	return b[:]
}
