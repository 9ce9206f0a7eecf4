package robustness

import (
	"math"
	"testing"

	"github.com/anishathalye/porcupine"
)

// The checker must catch the bugs it is there for: histories a planted
// bug produces (a stale read served as consistent, a write acknowledged
// and then lost) are illegal; what a correct cluster may answer is not.
func TestCheckerCatchesPlantedBugs(t *testing.T) {
	w := func(call, ret int64, v string) porcupine.Operation {
		return porcupine.Operation{Input: Input{Key: "k", Write: true, Value: v}, Call: call, Output: Output{}, Return: ret}
	}
	r := func(client int, call, ret int64, v string) porcupine.Operation {
		return porcupine.Operation{ClientId: client, Input: Input{Key: "k"}, Call: call, Output: Output{Value: v}, Return: ret}
	}
	for _, c := range []struct {
		name    string
		history []porcupine.Operation
		legal   bool
	}{
		{"stale read after an acknowledged write", []porcupine.Operation{w(0, 10, "a"), r(1, 20, 30, "")}, false},
		{"acknowledged write lost", []porcupine.Operation{w(0, 10, "a"), w(20, 30, "b"), r(1, 40, 50, "a")}, false},
		{"read going back in time", []porcupine.Operation{w(0, 10, "a"), w(20, 30, "b"), r(1, 40, 50, "b"), r(2, 60, 70, "a")}, false},
		{"read concurrent with a write sees either", []porcupine.Operation{w(0, 10, "a"), w(20, 50, "b"), r(1, 30, 40, "a"), r(2, 30, 40, "b")}, true},
		{"a write of unknown outcome may apply later", []porcupine.Operation{w(0, math.MaxInt64, "a"), r(1, 20, 30, ""), r(1, 40, 50, "a")}, true},
		{"a write of unknown outcome may never apply", []porcupine.Operation{w(0, math.MaxInt64, "a"), r(1, 20, 30, "")}, true},
		{"registers are independent", []porcupine.Operation{w(0, 10, "a"),
			{Input: Input{Key: "other"}, Call: 20, Output: Output{}, Return: 30}}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := porcupine.CheckOperations(Registers, c.history); got != c.legal {
				t.Fatalf("linearizable = %t, want %t", got, c.legal)
			}
		})
	}
}
