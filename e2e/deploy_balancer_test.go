package e2e

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/protocol"
)

// apiBalancer is a load balancer that follows the API, as a user's would:
// it sends requests only to the instances the task's deployments list
// RUNNING and healthy, refreshing that list every 100 ms, round robin,
// from two clients at once, each request held 10 ms by the service so
// that some are in flight when an instance stops.
type apiBalancer struct {
	f      *deployFixture
	taskID string
	host   string // where the engines' ports are (127.0.0.1 on loopback)
	stop   chan struct{}
	wg     sync.WaitGroup

	mu        sync.Mutex
	ports     []int
	refreshed time.Time
	watching  bool // minServing and maxAge count only while watching
	// minServing is the fewest instances the list had at one refresh.
	minServing int
	// maxAge is the longest the list went without a refresh.
	maxAge  time.Duration
	answers []lbAnswer
	failed  []string
}

// lbAnswer is one request: when it was sent and the version that answered
// ("" when it failed).
type lbAnswer struct {
	sent    time.Time
	version string
}

func startBalancer(f *deployFixture, taskID, host string) *apiBalancer {
	b := &apiBalancer{f: f, taskID: taskID, host: host, stop: make(chan struct{}), minServing: 1 << 30}
	b.refresh()
	b.wg.Go(b.refreshLoop)
	for range 2 {
		b.wg.Go(b.client)
	}
	f.t.Cleanup(b.close)
	return b
}

func (b *apiBalancer) close() {
	select {
	case <-b.stop:
	default:
		close(b.stop)
	}
	b.wg.Wait()
}

func (b *apiBalancer) refreshLoop() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
			b.refresh()
		}
	}
}

func (b *apiBalancer) refresh() {
	list, err := b.f.fleet.Deployments(b.taskID)
	if err != nil {
		return // keep the last list, as a balancer would
	}
	var ports []int
	for _, d := range list {
		if d.Status == protocol.DeployRunning && d.Healthy && d.Port > 0 {
			ports = append(ports, d.Port)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.watching {
		b.minServing = min(b.minServing, len(ports))
		b.maxAge = max(b.maxAge, time.Since(b.refreshed))
	}
	b.ports, b.refreshed = ports, time.Now()
}

func (b *apiBalancer) client() {
	c := &http.Client{Timeout: 10 * time.Second}
	for i := 0; ; i++ {
		select {
		case <-b.stop:
			return
		default:
		}
		b.mu.Lock()
		ports := b.ports
		b.mu.Unlock()
		if len(ports) == 0 {
			time.Sleep(10 * time.Millisecond) // nothing to send to; not a failure
			continue
		}
		port := ports[i%len(ports)]
		sent := time.Now()
		version, err := b.get(c, port)
		b.mu.Lock()
		b.answers = append(b.answers, lbAnswer{sent: sent, version: version})
		if err != nil {
			b.failed = append(b.failed, fmt.Sprintf("%s port %d: %v", sent.Format("15:04:05.000"), port, err))
		}
		b.mu.Unlock()
	}
}

func (b *apiBalancer) get(c *http.Client, port int) (string, error) {
	resp, err := c.Get("http://" + b.host + ":" + strconv.Itoa(port) + "/?sleepMs=10")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("status %d: %s", resp.StatusCode, body)
	}
	if err != nil {
		return "", err
	}
	return string(body), nil
}

// watch starts counting the fewest instances listed and the list's age.
func (b *apiBalancer) watch() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.watching = true
}

// waitAnswers waits until n requests sent after since were answered.
func (b *apiBalancer) waitAnswers(t *testing.T, since time.Time, n int) {
	t.Helper()
	engEventually(t, 30*time.Second, fmt.Sprintf("%d answers after %s", n, since.Format("15:04:05.000")), func() bool {
		return len(b.versions(since, time.Now().Add(time.Hour))) >= n
	})
}

// versions lists the versions that answered requests sent in [from, to).
func (b *apiBalancer) versions(from, to time.Time) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, a := range b.answers {
		if a.version != "" && !a.sent.Before(from) && a.sent.Before(to) {
			out = append(out, a.version)
		}
	}
	return out
}

// counts is how many requests were sent and how many failed, with the
// first failures.
func (b *apiBalancer) counts() (sent, failed int, first []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.answers), len(b.failed), b.failed[:min(5, len(b.failed))]
}

func (b *apiBalancer) serving() (minServing int, maxAge time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.minServing, b.maxAge
}

// tally counts versions.
func tally(versions []string) map[string]int {
	out := map[string]int{}
	for _, v := range versions {
		out[v]++
	}
	return out
}
