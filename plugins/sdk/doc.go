// Package sdk is for writing Roundhouse plugins in Go: ServeJob turns a
// function into a job plugin and ServeService turns an http.Handler into a
// microservice plugin with health checks and request metrics. The pieces
// they are built from — the log buffer with the 100 KB per-message cap,
// line capture and the process-group runner — are exported for the
// built-in plugins.
//
// A Go job artifact is a main package like this (artifact.json sets
// "runner": "plugin" and names the binary as entrypoint):
//
//	func main() {
//		sdk.ServeJob(func(ctx context.Context, run *sdk.Run) (sdk.Rows, error) {
//			run.Logf("loading %s", run.Param("TABLE", "orders"))
//			return sdk.Rows{Processed: 1200, Rejected: 3}, nil
//		})
//	}
//
// and a microservice is sdk.ServeService(mux). A plugin binary must call a
// Serve function first thing in main and must not write to stdout, which
// carries the go-plugin handshake.
package sdk
