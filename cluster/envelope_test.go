package cluster

import (
	"encoding/json"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// TestBinaryEnvelopeDecodesAsTheJSONOne: a command read back from the
// binary envelope equals the same command read back from the JSON one
// (the form logs written before it hold), whatever its fields.
func TestBinaryEnvelopeDecodesAsTheJSONOne(t *testing.T) {
	at := time.Date(2026, 11, 22, 21, 30, 0, 123456789, time.UTC)
	full := Meta{Time: at, ActorID: "u-1", ActorName: "Ada Lovelace ✓", ActorKind: "user", ClientIP: "10.0.0.7", RequestID: "req-1"}
	cases := map[string]Command{
		"full":            {ID: newCommandID(), Type: "environment.create", Version: 1, Meta: full, Payload: json.RawMessage(`{"name":"prod"}`)},
		"system, no time": {ID: newCommandID(), Type: "audit.prune", Version: 2, Payload: json.RawMessage(`null`)},
		"ignorable":       {ID: "x", Type: "feature.new", Version: 1, Ignorable: true, Meta: Meta{Time: at}, Payload: json.RawMessage(`{}`)},
		"empty payload":   {ID: "y", Type: "kv.create", Version: 1, Meta: Meta{Time: at}},
		"zone offset":     {ID: "z", Type: "kv.create", Version: 1, Meta: Meta{Time: at.In(time.FixedZone("", 2*3600))}, Payload: json.RawMessage(`{"id":"a"}`)},
		"before 1970":     {ID: "w", Type: "kv.create", Version: 1, Meta: Meta{Time: time.Date(1969, 7, 20, 20, 17, 0, 0, time.UTC)}, Payload: json.RawMessage(`1`)},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			viaJSON, err := encodeCommandJSON(c)
			if err != nil {
				t.Fatal(err)
			}
			want, err := decodeCommand(viaJSON)
			if err != nil {
				t.Fatal(err)
			}
			bin, err := encodeCommand(c)
			if err != nil {
				t.Fatal(err)
			}
			got, err := decodeCommand(bin)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Meta.Time.Equal(want.Meta.Time) || got.Meta.Time.String() != want.Meta.Time.String() {
				t.Fatalf("time: got %v, want %v", got.Meta.Time, want.Meta.Time)
			}
			got.Meta.Time, want.Meta.Time = time.Time{}, time.Time{}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got %+v\nwant %+v", got, want)
			}
		})
	}
}

// TestBinaryEnvelopeRefusesTruncatedEntries: a damaged entry is an error,
// never a command with made-up fields.
func TestBinaryEnvelopeRefusesTruncatedEntries(t *testing.T) {
	c := Command{ID: newCommandID(), Type: "kv.create", Version: 1, Meta: Meta{Time: time.Now(), ActorID: "u-1"}}
	bin, err := encodeCommand(c)
	if err != nil {
		t.Fatal(err)
	}
	// Every cut that ends inside the envelope (the payload is empty).
	for n := 1; n < len(bin); n++ {
		if _, err := decodeCommand(bin[:n]); err == nil {
			t.Fatalf("a command cut to %d of %d bytes decoded", n, len(bin))
		}
	}
	if _, err := decodeCommand([]byte{9, 1, 2}); err == nil {
		t.Fatal("an unknown encoding byte decoded")
	}
	newer := slices.Clone(bin)
	newer[2] |= 0x80 // the flags byte follows the one-byte version
	if _, err := decodeCommand(newer); err == nil {
		t.Fatal("an envelope with unknown flags decoded")
	}
}

// TestLogsInBothEnvelopesApply: a log holding JSON-envelope entries (from
// before the binary envelope) followed by binary ones, alone and in a
// group, applies to the same state as one written all in binary.
func TestLogsInBothEnvelopesApply(t *testing.T) {
	cmds := []Command{mustCommand(t, "kv.create", "a"), mustCommand(t, "kv.create", "b"), mustCommand(t, "kv.create", "c")}
	old, err := encodeCommandJSON(cmds[0])
	if err != nil {
		t.Fatal(err)
	}
	oldInGroup, err := encodeCommandJSON(cmds[1])
	if err != nil {
		t.Fatal(err)
	}
	bin, err := encodeCommand(cmds[2])
	if err != nil {
		t.Fatal(err)
	}
	f, err := newFSM(batchSpec(t), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	out := f.ApplyBatch([]*raft.Log{
		{Index: 1, Type: raft.LogCommand, Data: old},
		{Index: 2, Type: raft.LogCommand, Data: encodeGroup([][]byte{oldInGroup, bin})},
	})
	if res := out[0].(*applyResult); res.Err != nil || res.Rejection != nil {
		t.Fatalf("JSON entry: %+v", res)
	}
	for i, res := range out[1].([]*applyResult) {
		if res.Err != nil || res.Rejection != nil {
			t.Fatalf("group command %d: %+v", i, res)
		}
	}
	if keys := kvKeys(f); !slices.Equal(keys, []string{"a", "b", "c"}) {
		t.Fatalf("keys %v, want a b c", keys)
	}
}
