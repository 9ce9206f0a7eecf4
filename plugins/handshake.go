package plugins

import plugin "github.com/hashicorp/go-plugin"

// Shape names, also the go-plugin plugin names a host dispenses.
const (
	ShapeJob       = "job"
	ShapeService   = "service"
	ShapeContainer = "container"
)

// ProtocolVersion is bumped on incompatible wire changes; the go-plugin
// handshake refuses a plugin speaking another version.
const ProtocolVersion = 1

// MaxLogMessage is Talend's per-message cap: longer log lines are cut to
// this many bytes and marked truncated.
const MaxLogMessage = 100 * 1024

// Handshake is the go-plugin handshake every Roundhouse plugin speaks. The
// cookie only stops a plugin binary from being run by hand by mistake; it
// is not a security measure.
func Handshake() plugin.HandshakeConfig {
	return plugin.HandshakeConfig{
		ProtocolVersion:  ProtocolVersion,
		MagicCookieKey:   "ROUNDHOUSE_PLUGIN",
		MagicCookieValue: "6d1f3c0a-roundhouse-workload",
	}
}
