package robustness

import (
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/anishathalye/porcupine"
)

// Input is one operation on a register named Key: a write of Value, or a
// read.
type Input struct {
	Key   string
	Write bool
	Value string
}

// Output is what the operation returned: the value read. An operation whose
// outcome is unknown (a write that timed out or got 503) never returns:
// it may take effect at any time after its call.
type Output struct {
	Value string
}

// Registers is the model: every key is an independent register holding
// the last value written, read as it is.
var Registers = porcupine.Model{
	Partition: func(history []porcupine.Operation) [][]porcupine.Operation {
		byKey := map[string][]porcupine.Operation{}
		var keys []string
		for _, op := range history {
			k := op.Input.(Input).Key
			if _, ok := byKey[k]; !ok {
				keys = append(keys, k)
			}
			byKey[k] = append(byKey[k], op)
		}
		out := make([][]porcupine.Operation, 0, len(keys))
		for _, k := range keys {
			out = append(out, byKey[k])
		}
		return out
	},
	Init: func() any { return "" },
	Step: func(state, input, output any) (bool, any) {
		in := input.(Input)
		if in.Write {
			return true, in.Value
		}
		return output.(Output).Value == state.(string), state
	},
	Equal: func(a, b any) bool { return a == b },
	DescribeOperation: func(input, output any) string {
		in := input.(Input)
		if in.Write {
			return fmt.Sprintf("write %s=%q", in.Key, in.Value)
		}
		return fmt.Sprintf("read %s -> %q", in.Key, output.(Output).Value)
	},
}

// History records operations from concurrent clients.
type History struct {
	mu    sync.Mutex
	start time.Time
	ops   []porcupine.Operation
}

// NewHistory starts an empty history; times count from now.
func NewHistory() *History { return &History{start: time.Now()} }

// Now is the time stamp of this moment.
func (h *History) Now() int64 { return int64(time.Since(h.start)) }

// Done records an operation that returned out.
func (h *History) Done(client int, in Input, call int64, out Output) {
	h.add(porcupine.Operation{ClientId: client, Input: in, Call: call, Output: out, Return: h.Now()})
}

// Unknown records an operation whose outcome is unknown: it may have
// taken effect at any time after call, or never.
func (h *History) Unknown(client int, in Input, call int64) {
	h.add(porcupine.Operation{ClientId: client, Input: in, Call: call, Output: Output{}, Return: math.MaxInt64})
}

func (h *History) add(op porcupine.Operation) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ops = append(h.ops, op)
}

// Operations returns a copy of what was recorded.
func (h *History) Operations() []porcupine.Operation {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]porcupine.Operation(nil), h.ops...)
}
