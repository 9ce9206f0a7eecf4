package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"

	"github.com/roundhouse/roundhouse/controlplane/enginelink"
	"github.com/roundhouse/roundhouse/controlplane/enginelink/enginelinktest"
)

// serverStats is printed by the server child once a second.
type serverStats struct {
	Sessions   int    `json:"sessions"`
	Goroutines int    `json:"goroutines"`
	HeapInuse  uint64 `json:"heapInuse"`
	HeapLive   uint64 `json:"heapLive"` // live heap as of the last GC
	Stacks     uint64 `json:"stacks"`   // goroutine stacks in use
	Restarts   int    `json:"restarts"`
	Tracked    int    `json:"tracked"`
	Writes     int    `json:"writes"`
	// BeatWrites and BeatRecords: heartbeat-record commands and the
	// engine records they carried.
	BeatWrites  uint64 `json:"beatWrites"`
	BeatRecords uint64 `json:"beatRecords"`
}

// setup is what the server child hands to the parent.
type setup struct {
	Addr string   `json:"addr"`
	Keys []string `json:"keys"`
}

// serve runs the link with an in-memory directory until SIGTERM; SIGUSR1
// restarts the link (new socket and node certificate, every session
// closed with CloseShutdown), as a node restart does.
func serve(addr, keysFile string, o options) error {
	engines, interval, timeout := o.engines, o.interval, o.timeout
	dir := enginelinktest.NewDirectory()
	keys := make([]string, engines)
	for i := range keys {
		keys[i] = dir.AddEngine(fmt.Sprintf("engine-%06d", i), 24*time.Hour).String()
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	restart := make(chan os.Signal, 1)
	signal.Notify(restart, syscall.SIGUSR1)
	profile := make(chan os.Signal, 1)
	signal.Notify(profile, syscall.SIGUSR2)
	go writeHeapProfiles(ctx, profile, keysFile+".heap")
	if o.cpuProfile != "" {
		cpu := make(chan os.Signal, 1)
		signal.Notify(cpu, syscall.SIGHUP)
		go writeCPUProfile(ctx, cpu, o.cpuProfile, o.window)
	}
	log := slog.New(slog.DiscardHandler)
	mon := enginelink.NewMonitor(enginelink.MonitorConfig{Timeout: timeout, Logger: log,
		Heartbeats: enginelinktest.NewHeartbeatLog(dir), SummaryInterval: o.summaryInterval}, dir)
	go func() { _ = mon.Run(ctx) }()

	st := &serverState{mon: mon, dir: dir}
	go st.print(ctx)
	for first := true; ; first = false {
		cfg := enginelink.Config{NodeID: "bench", Addr: addr, HeartbeatInterval: interval,
			HeartbeatTimeout: timeout, PairBurst: engines + 10, ClassicalKeyExchange: o.classical, Logger: log}
		if o.work {
			cfg.Work = newIdleWork()
		}
		srv, err := enginelink.New(cfg, dir, mon)
		if err != nil {
			return err
		}
		if err := srv.Listen(ctx); err != nil {
			return err
		}
		if first {
			b, _ := json.Marshal(setup{Addr: srv.Addr().String(), Keys: keys})
			if err := os.WriteFile(keysFile, b, 0o600); err != nil {
				return err
			}
			addr = srv.Addr().String()
		}
		sctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- srv.Serve(sctx) }()
		st.set(srv, false)
		select {
		case <-ctx.Done():
			cancel()
			return <-done
		case <-restart:
			cancel()
			<-done
			st.set(nil, true)
		}
	}
}

// serverState is what the stats printer reads while serve swaps servers.
type serverState struct {
	mon *enginelink.Monitor
	dir *enginelinktest.Directory

	mu       sync.Mutex
	srv      *enginelink.Server
	restarts int
}

func (st *serverState) set(srv *enginelink.Server, restarted bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.srv = srv
	if restarted {
		st.restarts++
	}
}

func (st *serverState) snapshot() serverStats {
	st.mu.Lock()
	defer st.mu.Unlock()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(live)
	out := serverStats{Goroutines: runtime.NumGoroutine(), HeapInuse: ms.HeapInuse, HeapLive: live[0].Value.Uint64(), Stacks: ms.StackInuse, Restarts: st.restarts,
		Tracked: st.mon.Tracked(), Writes: st.dir.AvailabilityWrites()}
	out.BeatWrites, out.BeatRecords = st.mon.HeartbeatWrites()
	if st.srv != nil {
		out.Sessions = st.srv.SessionCount()
	}
	return out
}

// print writes one stats line a second to stdout for the parent.
func (st *serverState) print(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	enc := json.NewEncoder(os.Stdout)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = enc.Encode(st.snapshot())
		}
	}
}

// writeHeapProfiles writes a heap profile next to the keys file on SIGUSR2,
// for looking into the per-session memory.
func writeHeapProfiles(ctx context.Context, sig <-chan os.Signal, path string) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-sig:
			runtime.GC()
			// Written aside and renamed, so a reader never sees half a profile.
			if f, err := os.Create(path + ".part"); err == nil {
				_ = pprof.WriteHeapProfile(f)
				_ = f.Close()
				_ = os.Rename(path+".part", path)
			}
		}
	}
}

// writeCPUProfile profiles the process for one window from SIGHUP on,
// for looking into where the steady-state CPU goes.
func writeCPUProfile(ctx context.Context, sig <-chan os.Signal, path string, window time.Duration) {
	select {
	case <-ctx.Done():
		return
	case <-sig:
	}
	f, err := os.Create(path)
	if err != nil {
		return
	}
	defer f.Close()
	if pprof.StartCPUProfile(f) != nil {
		return
	}
	t := time.NewTimer(window)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
	pprof.StopCPUProfile()
}
