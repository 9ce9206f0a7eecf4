package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/roundhouse/roundhouse/api"
	"github.com/roundhouse/roundhouse/bench/enginesim"
)

// environmentID returns the default environment's ID.
func (c *cluster) environmentID(ctx context.Context) (string, error) {
	envs, err := c.api(c.nodes[0]).Environments().List(ctx, "")
	if err != nil {
		return "", err
	}
	for _, e := range envs {
		if e.Name == "default" {
			return e.ID, nil
		}
	}
	return "", errors.New("no default environment")
}

// createEngines creates n engines through the API, spread over the
// nodes (followers forward the writes), and returns their pair keys.
func (c *cluster) createEngines(ctx context.Context, n, concurrency int) ([]string, error) {
	env, err := c.environmentID(ctx)
	if err != nil {
		return nil, err
	}
	keys := make([]string, n)
	err = parallel(n, concurrency, func(i int) error {
		v, err := c.api(c.nodes[i%len(c.nodes)]).Engines().Create(ctx, api.EngineCreate{Name: fmt.Sprintf("sim-%06d", i), EnvironmentID: env})
		if err != nil {
			return err
		}
		keys[i] = v.PreAuthorizedKey
		return nil
	})
	return keys, err
}

// pairAll pairs engine i with node i mod nodes, as agents given different
// first servers would, and returns the engines and the p50/p99 latency.
func pairAll(ctx context.Context, s *enginesim.Sim, keys []string, nodes, concurrency int) ([]enginesim.Engine, time.Duration, time.Duration, error) {
	out := make([]enginesim.Engine, len(keys))
	lat := make([]time.Duration, len(keys))
	err := parallel(len(keys), concurrency, func(i int) error {
		t0 := time.Now()
		e, err := s.Pair(ctx, i%nodes, keys[i])
		lat[i], out[i] = time.Since(t0), e
		return err
	})
	if err != nil {
		return nil, 0, 0, fmt.Errorf("pairing: %w", err)
	}
	slices.Sort(lat)
	return out, lat[len(lat)/2], lat[len(lat)*99/100], nil
}

// parallel runs f(0..n-1) with at most concurrency at once and returns
// the first error.
func parallel(n, concurrency int, f func(i int) error) error {
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if err := f(i); err != nil {
				once.Do(func() { first = err })
			}
		})
	}
	wg.Wait()
	return first
}
