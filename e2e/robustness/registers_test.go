package robustness

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/roundhouse/roundhouse/e2e/harness"
)

const token = "rh-robustness-admin-token-0123456789abcdef"

// profile is how long clients run: ROUNDHOUSE_ROBUSTNESS_DURATION (make
// soak sets 30m), 60 s by default.
func profile(t *testing.T) time.Duration {
	if v := os.Getenv("ROUNDHOUSE_ROBUSTNESS_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("ROUNDHOUSE_ROBUSTNESS_DURATION: %v", err)
		}
		return d
	}
	return 60 * time.Second
}

// seed is ROUNDHOUSE_ROBUSTNESS_SEED when set (to replay a failure), the
// clock otherwise; it is printed either way.
func seed(t *testing.T) uint64 {
	if v := os.Getenv("ROUNDHOUSE_ROBUSTNESS_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("ROUNDHOUSE_ROBUSTNESS_SEED: %v", err)
		}
		return s
	}
	return uint64(time.Now().UnixNano())
}

// TestRegistersLinearizableUnderFaults: clients write environment
// descriptions and read them back with ?consistency=consistent through
// random nodes while one node at a time is killed -9 and restarted, or
// paused (SIGSTOP) and resumed. Every acknowledged write and every
// consistent read must fit one linearization (porcupine).
func TestRegistersLinearizableUnderFaults(t *testing.T) {
	s := seed(t)
	t.Logf("seed %d (replay with ROUNDHOUSE_ROBUSTNESS_SEED=%d)", s, s)
	nodes := harness.StartCluster(t, bins, 3, token, nil)
	c := harness.NewClient(nodes[0].HTTPAddr, token)
	var keys []string
	for i := range 3 {
		var env struct{ ID string }
		if err := c.JSON("POST", "/orchestration/environments", map[string]string{"name": fmt.Sprintf("register-%d", i)}, &env); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, env.ID)
	}
	h := NewHistory()
	end := time.Now().Add(profile(t))
	var wg sync.WaitGroup
	for client := range 3 {
		rng := rand.New(rand.NewPCG(s, uint64(client)))
		wg.Go(func() { runClient(h, client, rng, nodes, keys, end) })
	}
	faults := injectFaults(t, rand.New(rand.NewPCG(s, 99)), nodes, end)
	wg.Wait()
	for _, n := range nodes {
		n.Resume()
	}
	ops := h.Operations()
	res, info := porcupine.CheckOperationsVerbose(Registers, ops, 2*time.Minute)
	acked := 0
	for _, op := range ops {
		if op.Return != unknownReturn {
			acked++
		}
	}
	t.Logf("operations %d (%d with a known outcome), faults %d, longest without a completed operation %s",
		len(ops), acked, faults, longestGap(ops))
	switch res {
	case porcupine.Illegal:
		if f, err := os.CreateTemp("", "robustness-*.html"); err == nil {
			_ = porcupine.Visualize(Registers, info, f)
			f.Close()
			t.Logf("visualization: %s", f.Name())
		}
		t.Fatalf("history not linearizable (seed %d)", s)
	case porcupine.Unknown:
		t.Fatalf("the checker timed out on %d operations (seed %d)", len(ops), s)
	}
	if acked < 50 {
		t.Fatalf("only %d operations completed (seed %d): the cluster was unavailable", acked, s)
	}
}

// runClient issues writes and consistent reads through random nodes until end.
func runClient(h *History, client int, rng *rand.Rand, nodes []*harness.Node, keys []string, end time.Time) {
	for seq := 0; time.Now().Before(end); seq++ {
		n := nodes[rng.IntN(len(nodes))]
		c := harness.NewClient(n.HTTPAddr, token)
		c.HTTP.Timeout = 5 * time.Second
		key := keys[rng.IntN(len(keys))]
		if rng.IntN(2) == 0 {
			in := Input{Key: key, Write: true, Value: fmt.Sprintf("c%d-%d", client, seq)}
			call := h.Now()
			status, _, err := c.Do("PATCH", "/orchestration/environments/"+key, map[string]string{"description": in.Value})
			switch {
			case err == nil && status == http.StatusOK:
				h.Done(client, in, call, Output{})
			case err == nil && status >= 400 && status < 500:
				// Refused: changed nothing.
			default:
				h.Unknown(client, in, call)
			}
			continue
		}
		in := Input{Key: key}
		call := h.Now()
		var env struct{ Description string }
		if err := c.JSON("GET", "/orchestration/environments/"+key+"?consistency=consistent", nil, &env); err == nil {
			h.Done(client, in, call, Output{Value: env.Description})
		}
	}
}

// injectFaults disturbs one node at a time until end: kill -9 and restart,
// or a pause (SIGSTOP) of up to 3 s. It returns how many it injected.
func injectFaults(t *testing.T, rng *rand.Rand, nodes []*harness.Node, end time.Time) int {
	faults := 0
	for time.Now().Add(5 * time.Second).Before(end) {
		time.Sleep(time.Duration(1000+rng.IntN(3000)) * time.Millisecond) // the pace of faults, not a wait for a condition
		n := nodes[rng.IntN(len(nodes))]
		faults++
		if rng.IntN(2) == 0 {
			t.Logf("fault %d: kill -9 and restart %s", faults, n.ID)
			n.Restart()
			n.WaitLeader(t, 60*time.Second)
			continue
		}
		pause := time.Duration(500+rng.IntN(2500)) * time.Millisecond
		t.Logf("fault %d: pause %s for %s", faults, n.ID, pause)
		n.Pause()
		time.Sleep(pause)
		n.Resume()
	}
	return faults
}

const unknownReturn = math.MaxInt64

// longestGap is the longest time without any operation returning.
func longestGap(ops []porcupine.Operation) time.Duration {
	var rets []int64
	for _, op := range ops {
		if op.Return != unknownReturn {
			rets = append(rets, op.Return)
		}
	}
	if len(rets) < 2 {
		return 0
	}
	slices.Sort(rets)
	var top int64
	for i := 1; i < len(rets); i++ {
		top = max(top, rets[i]-rets[i-1])
	}
	return time.Duration(top)
}
