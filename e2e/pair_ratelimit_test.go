package e2e

import (
	"context"
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/e2e/harness"
	"github.com/roundhouse/roundhouse/protocol"
)

// Failed pairing attempts are limited for the cluster, not per node: a
// client guessing a key's secret and spreading its guesses over the three
// nodes gets no more than the one budget (a burst of 5, then 10 a minute),
// where a per-node limit would give it three.
func TestPairingGuessesSpreadOverNodesShareOneBudget(t *testing.T) {
	nodes := harness.StartCluster(t, bins, 3, testToken, nil)
	c := harness.NewClient(nodes[0].HTTPAddr, testToken)
	var envs []struct{ ID string }
	if err := c.JSON("GET", "/orchestration/environments?name=default", nil, &envs); err != nil || len(envs) != 1 {
		t.Fatalf("default environment: %v %+v", err, envs)
	}
	var eng struct{ ID, PreAuthorizedKey string }
	if err := c.JSON("POST", "/processing/runtimes/remote-engines", map[string]string{"name": "target", "environmentId": envs[0].ID}, &eng); err != nil {
		t.Fatal(err)
	}
	key, err := protocol.ParsePairKey(eng.PreAuthorizedKey)
	if err != nil {
		t.Fatal(err)
	}
	key.Secret = [32]byte{} // the attacker knows the key's ID and the CA, and guesses the secret
	guess := key.String()
	for _, n := range nodes { // every node serves engines and knows the key
		harness.WaitFor(t, n.ID+" to know the engine", 20*time.Second, func() bool {
			return harness.NewClient(n.HTTPAddr, testToken).JSON("GET", "/processing/runtimes/remote-engines/"+eng.ID, nil, nil) == nil
		})
	}

	const rounds = 6 // each round one guess at every node at once
	var mu sync.Mutex
	codes := map[string]int{}
	start := time.Now()
	for r := range rounds {
		var wg sync.WaitGroup
		for _, n := range nodes {
			wg.Go(func() {
				code := pairGuess(t, n.QUICAddr, guess, filepath.Join(t.TempDir(), fmt.Sprint(r)))
				mu.Lock()
				codes[code]++
				mu.Unlock()
			})
		}
		wg.Wait()
	}
	elapsed := time.Since(start)
	// The budget refills at 10 a minute; allow what refilled while the
	// guesses ran, whatever the machine's speed.
	budget := protocol.CodeKeyInvalid
	allowed := 5 + int(math.Ceil(elapsed.Minutes()*10))
	t.Logf("%d guesses over 3 nodes in %s: %v (allowed %d)", rounds*3, elapsed.Round(time.Millisecond), codes, allowed)
	if codes[budget] > allowed {
		t.Fatalf("%d guesses were checked against the key in %s, want at most %d for the whole cluster: %v",
			codes[budget], elapsed.Round(time.Millisecond), allowed, codes)
	}
	if codes[budget]+codes[protocol.CodeRateLimited] != rounds*3 {
		t.Fatalf("unexpected answers: %v", codes)
	}
}

// pairGuess runs `roundhouse-engine pair` against one node and returns the
// refusal code it printed.
func pairGuess(t *testing.T, server, key, dataDir string) string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bins.Engine, "pair", "--server", server, "--key", key, "--data-dir", dataDir).CombinedOutput()
	if err == nil {
		t.Errorf("a guessed key paired: %s", out)
		return "PAIRED"
	}
	for _, code := range []string{protocol.CodeKeyInvalid, protocol.CodeRateLimited} {
		if strings.Contains(string(out), code) {
			return code
		}
	}
	return strings.TrimSpace(string(out))
}
