package protocol

import "time"

// Message types of deployments (routes and data services), carried on the
// work stream. Values are part of the wire contract.
const (
	TypeDeploy            MessageType = 18
	TypeUndeploy          MessageType = 19
	TypeDeploymentStatus  MessageType = 20
	TypeDeploymentReport  MessageType = 21
	TypeDeploymentMetrics MessageType = 22
)

// Deployment statuses and their sub-states, as Talend Management Console names them,
// word for word. The control plane sets the "Sending ..." sub-states when
// it sends a request; the agent reports every other one.
const (
	DeployNeverDeployed = "NEVER_DEPLOYED"
	DeployDeploying     = "DEPLOYING"
	DeployRunning       = "RUNNING"
	DeployUndeploying   = "UNDEPLOYING"
	DeployUndeployed    = "UNDEPLOYED"
	DeployFailed        = "FAILED"

	SubSendingDeploy   = "Sending deploy request"
	SubDownloading     = "Downloading task artifact"
	SubStarting        = "Starting task"
	SubExecuting       = "Executing task"
	SubSendingUndeploy = "Sending undeploy request"
	SubUndeploying     = "Undeploying task"
	SubUndeployed      = "Task has been undeployed"
	SubExecutionFailed = "Task execution failed"
	SubDeployFailed    = "Deploy failed"
	SubUndeployFailed  = "Undeploy failed"
)

// Deploy asks the agent to run one instance of a service task. An engine
// runs at most one instance per task: a Deploy with a new DeploymentID
// for a task replaces the instance it runs (stop the old one, then start
// the new). A repeated Deploy with a DeploymentID the agent already has is
// answered with that deployment's current status and changes nothing.
type Deploy struct {
	DeploymentID string            `json:"deploymentId"`
	TaskID       string            `json:"taskId"`
	TaskName     string            `json:"taskName,omitempty"`
	Artifact     ArtifactRef       `json:"artifact"`
	BinaryType   string            `json:"binaryType"` // artifact.BinaryMicroservice or artifact.BinaryRuntime
	Entrypoint   []string          `json:"entrypoint,omitempty"`
	Parameters   map[string]string `json:"parameters,omitempty"`
	Limits       Limits            `json:"limits"`
	RunAs        string            `json:"runAs,omitempty"`
	// Port is the custom port every instance uses; 0 lets the engine pick
	// one from its pool.
	Port int `json:"port,omitempty"`
	// HealthPath answers 200 once the instance is ready.
	HealthPath string `json:"healthPath"`
	// MetricPath names the instance in metrics; empty means no metrics.
	MetricPath string `json:"metricPath,omitempty"`
	// HealthTimeoutMillis bounds the wait from start to the first healthy
	// answer; past it the deployment is FAILED (Deploy failed).
	HealthTimeoutMillis int64 `json:"healthTimeoutMillis,omitempty"`
}

// MessageType implements Message.
func (*Deploy) MessageType() MessageType { return TypeDeploy }

// HealthTimeout is HealthTimeoutMillis as a duration.
func (d *Deploy) HealthTimeout() time.Duration {
	return time.Duration(d.HealthTimeoutMillis) * time.Millisecond
}

// Undeploy asks the agent to stop a deployment and remove its instance.
// Undeploying a deployment the agent does not run is answered with
// UNDEPLOYED.
type Undeploy struct {
	DeploymentID string `json:"deploymentId"`
	TaskID       string `json:"taskId"`
	Reason       string `json:"reason,omitempty"`
}

// MessageType implements Message.
func (*Undeploy) MessageType() MessageType { return TypeUndeploy }

// DeploymentStatus is what the agent reports for one deployment: every
// transition as it happens, and later while it runs when its health
// changes. Statuses are state, not events: the latest one wins, and a
// lost one is repaired by the next DeploymentReport, so they are not
// acknowledged.
type DeploymentStatus struct {
	DeploymentID    string    `json:"deploymentId"`
	TaskID          string    `json:"taskId"`
	Status          string    `json:"status"`    // Deploy* constants
	SubStatus       string    `json:"subStatus"` // Sub* constants
	ArtifactVersion string    `json:"artifactVersion,omitempty"`
	Port            int       `json:"port,omitempty"`
	Healthy         bool      `json:"healthy"`
	Message         string    `json:"message,omitempty"`
	Time            time.Time `json:"time"`
}

// MessageType implements Message.
func (*DeploymentStatus) MessageType() MessageType { return TypeDeploymentStatus }

// DeploymentReport is everything the agent knows about deployments: it is
// sent right after WorkOpen (also when empty, and after an agent
// restart, from what the runtime reattached) and again periodically. The
// control plane reconciles with it: it undeploys what should not run and
// re-sends Deploy for what should run and does not.
type DeploymentReport struct {
	Deployments []DeploymentStatus `json:"deployments"`
}

// MessageType implements Message.
func (*DeploymentReport) MessageType() MessageType { return TypeDeploymentReport }

// DeploymentMetrics are one deployment's request metrics, sent
// periodically while it runs with a metric path. Counts are totals since
// the instance (re)started.
type DeploymentMetrics struct {
	DeploymentID string    `json:"deploymentId"`
	TaskID       string    `json:"taskId"`
	Time         time.Time `json:"time"`
	Healthy      bool      `json:"healthy"`
	// Data services: requests in the last 1, 5 and 15 minutes and in total.
	RequestsLastMinute    int64 `json:"requestsLastMinute"`
	RequestsLast5Minutes  int64 `json:"requestsLast5Minutes"`
	RequestsLast15Minutes int64 `json:"requestsLast15Minutes"`
	RequestsTotal         int64 `json:"requestsTotal"`
	// Routes (exchanges): completed, failed and total, and the last and
	// mean process time.
	ExchangesCompleted int64 `json:"exchangesCompleted"`
	ExchangesFailed    int64 `json:"exchangesFailed"`
	ExchangesTotal     int64 `json:"exchangesTotal"`
	LastProcessMillis  int64 `json:"lastProcessMillis"`
	MeanProcessMillis  int64 `json:"meanProcessMillis"`
}

// MessageType implements Message.
func (*DeploymentMetrics) MessageType() MessageType { return TypeDeploymentMetrics }

func newDeployMessage(t MessageType) Message {
	switch t {
	case TypeDeploy:
		return &Deploy{}
	case TypeUndeploy:
		return &Undeploy{}
	case TypeDeploymentStatus:
		return &DeploymentStatus{}
	case TypeDeploymentReport:
		return &DeploymentReport{}
	case TypeDeploymentMetrics:
		return &DeploymentMetrics{}
	}
	return nil
}
