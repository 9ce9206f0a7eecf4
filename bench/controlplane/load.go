package main

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"runtime/pprof"
	"slices"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/api"
	"github.com/roundhouse/roundhouse/bench/benchkit"
)

// client calls the nodes' APIs as the bootstrap admin, with a connection
// per concurrent caller kept alive, as a real API client does.
type client struct{ http *http.Client }

func newClient(conns int) *client {
	tr := &http.Transport{MaxIdleConns: conns + 8, MaxIdleConnsPerHost: conns + 8, IdleConnTimeout: time.Minute}
	return &client{http: &http.Client{Transport: tr, Timeout: 15 * time.Second}}
}

func (c *client) close() { c.http.CloseIdleConnections() }

// at is the API of the node at addr.
func (c *client) at(addr string) *api.Client { return benchkit.NewClient(addr, benchToken, c.http) }

// createEnvironment is the benchmark's write: one acknowledged
// POST /orchestration/environments (an environment, its Shared workspace
// and an audit entry in one raft command).
func (c *client) createEnvironment(ctx context.Context, addr, name string) error {
	_, err := c.at(addr).Environments().Create(ctx, api.EnvironmentCreate{Name: name})
	return err
}

// loadResult is one load point: acknowledged writes and their latencies.
type loadResult struct {
	clients  int
	acked    int
	failed   int
	elapsed  time.Duration
	lat      []time.Duration // sorted
	firstErr error
	// serverCPU and clientCPU are the CPU time the server processes and
	// this load generator used during the measured window.
	serverCPU, clientCPU time.Duration
}

// cpuPerWrite is the server CPU time spent per acknowledged write, summed
// over all nodes: on a 2-core host, 2 s / this is the ceiling.
func (r loadResult) cpuPerWrite() time.Duration {
	if r.acked == 0 {
		return 0
	}
	return r.serverCPU / time.Duration(r.acked)
}

func (r loadResult) perSecond() float64 { return float64(r.acked) / r.elapsed.Seconds() }

// quantile of the sorted latencies (nearest rank).
func (r loadResult) quantile(q float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(r.lat)))) - 1
	return r.lat[max(0, min(i, len(r.lat)-1))]
}

// writeLoad runs clients closed-loop writers for warmup+measure; writer w
// sends to targets[w % len(targets)]. Only writes sent after the warm-up
// and answered before the end count.
//
// With rate > 0 the writers together send at most rate writes/s (open
// loop: writes the servers cannot take in time are not sent), so two
// builds can be compared at the same offered load: on a busy host a
// closed loop's rate, and with it how well writes batch, drifts with the
// other load.
func writeLoad(ctx context.Context, targets []string, pids []int, clients, rate int, warmup, measure time.Duration, prefix string) loadResult {
	tokens := paceWrites(ctx, rate, clients, warmup+measure)
	start := time.Now()
	from, until := start.Add(warmup), start.Add(warmup+measure)
	var mu sync.Mutex
	res := loadResult{clients: clients}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // CPU of the servers and of us over the measured window
		defer wg.Done()
		sleepCtx(ctx, time.Until(from))
		before := sampleCPU(pids)
		sleepCtx(ctx, time.Until(until))
		after := sampleCPU(pids)
		mu.Lock()
		res.serverCPU, res.clientCPU = after.servers-before.servers, after.self-before.self
		mu.Unlock()
	}()
	// Labelled so an in-process profile can tell the servers from us.
	ctx = pprof.WithLabels(ctx, pprof.Labels("role", "client"))
	pprof.SetGoroutineLabels(ctx)
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wr := &writer{addr: targets[w%len(targets)]}
			defer wr.close()
			var lat []time.Duration
			acked, failed := 0, 0
			var firstErr error
			for i := 0; ctx.Err() == nil; i++ {
				if tokens != nil {
					select {
					case <-tokens:
					case <-ctx.Done():
					}
				}
				sent := time.Now()
				if !sent.Before(until) {
					break
				}
				err := wr.createEnvironment(ctx, fmt.Sprintf("%s-%d-%d", prefix, w, i))
				done := time.Now()
				if sent.Before(from) || done.After(until) {
					continue
				}
				if err != nil {
					failed++
					firstErr = cmpErr(firstErr, err)
					continue
				}
				acked++
				lat = append(lat, done.Sub(sent))
			}
			mu.Lock()
			res.acked += acked
			res.failed += failed
			res.lat = append(res.lat, lat...)
			res.firstErr = cmpErr(res.firstErr, firstErr)
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = measure
	slices.Sort(res.lat)
	return res
}

func cmpErr(have, next error) error {
	if have != nil {
		return have
	}
	return next
}

// paceWrites hands out rate tokens per second for d (nil for rate 0),
// dropping those no writer was free to take.
func paceWrites(ctx context.Context, rate, clients int, d time.Duration) <-chan struct{} {
	if rate <= 0 {
		return nil
	}
	tokens := make(chan struct{}, clients)
	go func() {
		const tick = 5 * time.Millisecond
		t := time.NewTicker(tick)
		defer t.Stop()
		end := time.After(d + time.Second) // writers stop at the deadline
		owed := 0.0
		for {
			select {
			case <-ctx.Done():
				return
			case <-end:
				close(tokens)
				return
			case <-t.C:
			}
			for owed += float64(rate) * tick.Seconds(); owed >= 1; owed-- {
				select {
				case tokens <- struct{}{}:
				default:
				}
			}
		}
	}()
	return tokens
}
