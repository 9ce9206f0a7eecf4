package sdk

import (
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"

	"github.com/roundhouse/roundhouse/plugins"
)

// EnvCgroups lists (colon-separated) the cgroup directories a plugin
// joins before its handshake. The host sets it so that a plugin is inside
// its cgroups before the host even learns its pid: an agent killed in
// between leaves nothing that the next one cannot find and kill.
const EnvCgroups = "ROUNDHOUSE_CGROUPS"

// Serve runs the plugin server for the given shapes until the host shuts
// it down. Call it first thing in main.
func Serve(impls map[string]plugins.Workload) {
	// The plugin must outlive an agent restart. Its stderr is a pipe to the
	// agent; once the agent is gone a write there would raise SIGPIPE and
	// kill us. Ignored, the write just fails.
	signal.Ignore(syscall.SIGPIPE)
	if err := joinCgroups(filepath.SplitList(os.Getenv(EnvCgroups))); err != nil {
		// Running outside the limits it was given is not an option.
		fmt.Fprintln(os.Stderr, "roundhouse plugin:", err)
		os.Exit(1)
	}
	applyRlimits()
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: plugins.Handshake(),
		Plugins:         plugins.ServePlugins(impls),
		GRPCServer:      plugin.DefaultGRPCServer,
		Logger:          hclog.New(&hclog.LoggerOptions{Level: hclog.Error, Output: os.Stderr}),
	})
}

// ServeJob serves fn as a job plugin.
func ServeJob(fn JobFunc) {
	Serve(map[string]plugins.Workload{plugins.ShapeJob: NewJobServer(fn)})
}

// ServeService serves h as a microservice plugin on the port the host
// assigns, answering the health path with 200 unless h handles it.
func ServeService(h http.Handler) {
	Serve(map[string]plugins.Workload{plugins.ShapeService: NewServiceServer(h)})
}
