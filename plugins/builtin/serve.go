package builtin

import (
	"fmt"
	"sort"

	"github.com/roundhouse/roundhouse/plugins"
	"github.com/roundhouse/roundhouse/plugins/container"
	"github.com/roundhouse/roundhouse/plugins/sdk"
)

// Names of the built-in plugins.
const (
	Exec        = "exec"
	HTTPService = "http-service"
	Container   = "container"
)

// Names lists every built-in plugin.
func Names() []string {
	n := []string{Exec, HTTPService, Container}
	sort.Strings(n)
	return n
}

// Serve runs the named built-in plugin until its host shuts it down.
func Serve(name string) error {
	switch name {
	case Exec:
		sdk.Serve(map[string]plugins.Workload{plugins.ShapeJob: newExecJob(), plugins.ShapeService: newExecService()})
	case HTTPService:
		sdk.Serve(map[string]plugins.Workload{plugins.ShapeService: newHTTPService()})
	case Container:
		sdk.Serve(map[string]plugins.Workload{plugins.ShapeContainer: container.New()})
	default:
		return fmt.Errorf("unknown plugin %q: built-in plugins are %v", name, Names())
	}
	return nil
}
