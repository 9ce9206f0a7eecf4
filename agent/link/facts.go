package link

import (
	"context"
	"runtime"

	"github.com/shirou/gopsutil/v4/cpu"
	"github.com/shirou/gopsutil/v4/disk"
	"github.com/shirou/gopsutil/v4/host"
	"github.com/shirou/gopsutil/v4/mem"

	"github.com/roundhouse/roundhouse/protocol"
)

// HostFacts gathers what the control plane shows about this host. A fact
// that cannot be read stays empty rather than failing the agent.
func HostFacts(ctx context.Context, dataDir, engineVersion string) protocol.HostFacts {
	f := protocol.HostFacts{OS: runtime.GOOS, Arch: runtime.GOARCH, CPUs: runtime.NumCPU(), EngineVersion: engineVersion}
	if h, err := host.InfoWithContext(ctx); err == nil {
		f.Hostname, f.Platform, f.PlatformVersion, f.KernelVersion = h.Hostname, h.Platform, h.PlatformVersion, h.KernelVersion
	}
	if n, err := cpu.CountsWithContext(ctx, true); err == nil && n > 0 {
		f.CPUs = n
	}
	if v, err := mem.VirtualMemoryWithContext(ctx); err == nil {
		f.MemoryBytes = v.Total
	}
	if d, err := disk.UsageWithContext(ctx, dataDir); err == nil {
		f.DiskBytes = d.Total
	}
	return f
}

// HostSummary is the load summary sent with each heartbeat. CPU is the
// usage since the previous call (non-blocking).
func HostSummary(ctx context.Context, dataDir string, runningWork int) protocol.HostSummary {
	s := protocol.HostSummary{RunningWork: runningWork}
	if p, err := cpu.PercentWithContext(ctx, 0, false); err == nil && len(p) == 1 {
		s.CPUPercent = p[0]
	}
	if v, err := mem.VirtualMemoryWithContext(ctx); err == nil {
		s.MemoryPercent = v.UsedPercent
	}
	if d, err := disk.UsageWithContext(ctx, dataDir); err == nil {
		s.DiskFreeBytes = d.Free
	}
	return s
}
