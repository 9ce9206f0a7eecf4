package protocol

import "fmt"

// Error is the answer to a request that failed. Code is one of the Code*
// constants; Message is meant for the person running the agent.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error codes carried in Error.Code.
const (
	CodeKeyInvalid  = "PAIR_KEY_INVALID" // not a pair key, or secret does not match
	CodeKeyUnknown  = "PAIR_KEY_UNKNOWN" // no such key (regenerated away, engine deleted)
	CodeKeyUsed     = "PAIR_KEY_USED"    // already consumed by a pairing
	CodeKeyExpired  = "PAIR_KEY_EXPIRED" // past its expiry
	CodeRateLimited = "RATE_LIMITED"     // too many attempts from this source
	CodeBadRequest  = "BAD_REQUEST"      // malformed message or CSR
	CodeNotAllowed  = "NOT_AUTHORIZED"   // engine deleted, unpaired or certificate revoked
	CodeUnavailable = "UNAVAILABLE"      // the control plane cannot serve now; retry
	CodeInternal    = "INTERNAL"         // unexpected server failure
)

// MessageType implements Message.
func (*Error) MessageType() MessageType { return TypeError }

// Error implements error, so an Error received from the peer can be returned.
func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// PairRequest is the first and only request on a pairing connection.
type PairRequest struct {
	Key   string    `json:"key"` // the full pair key string
	CSR   []byte    `json:"csr"` // DER certificate request for the agent's own key
	Facts HostFacts `json:"facts"`
}

// MessageType implements Message.
func (*PairRequest) MessageType() MessageType { return TypePairRequest }

// PairResponse carries the engine's identity after a successful pairing.
type PairResponse struct {
	EngineID      string `json:"engineId"`
	Certificate   []byte `json:"certificate"`   // DER, signed by the cluster CA
	CACertificate []byte `json:"caCertificate"` // DER of the cluster CA
}

// MessageType implements Message.
func (*PairResponse) MessageType() MessageType { return TypePairResponse }

// Hello is the first request of a mutual-TLS session.
type Hello struct {
	EngineID     string    `json:"engineId"`
	AgentVersion string    `json:"agentVersion"`
	Facts        HostFacts `json:"facts"`
}

// MessageType implements Message.
func (*Hello) MessageType() MessageType { return TypeHello }

// Welcome is the server's answer to Hello: the configuration it pushes to
// the agent for this session.
type Welcome struct {
	NodeID                  string `json:"nodeId"`
	HeartbeatIntervalMillis int64  `json:"heartbeatIntervalMillis"`
	ServerTimeUnixMillis    int64  `json:"serverTimeUnixMillis"`
	// Servers is every node's agent address (HOST:PORT), for failover;
	// empty when the server does not know them.
	Servers []string `json:"servers,omitempty"`
}

// MessageType implements Message.
func (*Welcome) MessageType() MessageType { return TypeWelcome }

// Heartbeat tells the control plane the engine is alive.
type Heartbeat struct {
	Seq     uint64      `json:"seq"`
	Summary HostSummary `json:"summary"`
}

// MessageType implements Message.
func (*Heartbeat) MessageType() MessageType { return TypeHeartbeat }

// HeartbeatAck acknowledges a Heartbeat.
type HeartbeatAck struct {
	Seq                  uint64 `json:"seq"`
	ServerTimeUnixMillis int64  `json:"serverTimeUnixMillis"`
}

// MessageType implements Message.
func (*HeartbeatAck) MessageType() MessageType { return TypeHeartbeatAck }

// RenewRequest asks for a new client certificate over the live session.
type RenewRequest struct {
	CSR []byte `json:"csr"`
}

// MessageType implements Message.
func (*RenewRequest) MessageType() MessageType { return TypeRenewRequest }

// RenewResponse carries the renewed certificate.
type RenewResponse struct {
	Certificate []byte `json:"certificate"`
}

// MessageType implements Message.
func (*RenewResponse) MessageType() MessageType { return TypeRenewResponse }

// HostFacts describe the engine's host, sent in PairRequest and Hello.
type HostFacts struct {
	Hostname        string `json:"hostname"`
	OS              string `json:"os"`
	Platform        string `json:"platform"`
	PlatformVersion string `json:"platformVersion"`
	KernelVersion   string `json:"kernelVersion"`
	Arch            string `json:"arch"`
	CPUs            int    `json:"cpus"`
	MemoryBytes     uint64 `json:"memoryBytes"`
	DiskBytes       uint64 `json:"diskBytes"`
	EngineVersion   string `json:"engineVersion"`
}

// HostSummary is the small load summary carried by each heartbeat.
type HostSummary struct {
	CPUPercent    float64 `json:"cpuPercent"`
	MemoryPercent float64 `json:"memoryPercent"`
	DiskFreeBytes uint64  `json:"diskFreeBytes"`
	RunningWork   int     `json:"runningWork"`
}
