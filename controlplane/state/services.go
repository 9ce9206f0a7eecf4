package state

import (
	"github.com/roundhouse/roundhouse/cluster"
)

// Deployment strategies of route and data-service tasks.
const (
	StrategySingleNode = "SINGLE_NODE"
	StrategyParallel   = "PARALLEL"
	StrategyRolling    = "ROLLING"
)

// Port assignment types of a service task.
const (
	PortAutomatic = "AUTOMATIC"
	PortCustom    = "CUSTOM"
)

// Binary types of service artifacts (artifact.json "binaryType").
const (
	BinaryMicroservice = "microservice"
	BinaryRuntime      = "runtime"
)

// Defaults and bounds of a service task's run config.
const (
	DefaultMinHealthySeconds       = 10
	DefaultProgressDeadlineSeconds = 300
	DefaultShutdownDelaySeconds    = 2
	MinCustomPort                  = 1024
	MaxCustomPort                  = 65535
)

// PortAssignment says which port a service listens on: AUTOMATIC lets
// each engine pick one from its pool, CUSTOM uses Value on every engine.
type PortAssignment struct {
	Type  string `json:"type"`
	Value int    `json:"value,omitempty"`
}

// ServiceConfig is the part of a run config only route and data-service
// tasks have. Zero values take the documented defaults.
type ServiceConfig struct {
	// DeploymentStrategy: SINGLE_NODE on an engine; PARALLEL or ROLLING
	// (the default) on an engine cluster.
	DeploymentStrategy string          `json:"deploymentStrategy,omitempty"`
	Port               *PortAssignment `json:"port,omitempty"`
	// MetricPath names the instance in metrics; nil means the artifact
	// name, "" means no metrics.
	MetricPath *string `json:"metricPath,omitempty"`
	// Rollback rolls the engines a failed rollout already updated back to
	// the previous version.
	Rollback bool `json:"rollback,omitempty"`
	// MinHealthySeconds is how long an instance must stay RUNNING and
	// healthy before a rolling update moves to the next engine.
	MinHealthySeconds int `json:"minHealthySeconds,omitempty"`
	// ProgressDeadlineSeconds bounds one step of a rollout (one engine when
	// rolling, every engine when parallel); past it the rollout fails.
	ProgressDeadlineSeconds int `json:"progressDeadlineSeconds,omitempty"`
	// ShutdownDelaySeconds is how long an instance is shown UNDEPLOYING
	// before its stop is sent, so load balancers that follow the API stop
	// sending to it first. nil means the default (2).
	ShutdownDelaySeconds *int `json:"shutdownDelaySeconds,omitempty"`
}

// IsServiceArtifact reports whether an artifact type is deployed (a route
// or data service) rather than run.
func IsServiceArtifact(typ string) bool { return typ == ArtifactRoute || typ == ArtifactDataService }

// TaskIsService reports whether a task deploys a route or data service.
func TaskIsService(txn Reader, t *Task) bool {
	a := ArtifactByID(txn, t.ArtifactID)
	return a != nil && IsServiceArtifact(a.Type)
}

// refuseServiceTask is the refusal of running, scheduling or planning a
// route or data-service task.
func refuseServiceTask(txn Reader, t *Task, what string) error {
	if !TaskIsService(txn, t) {
		return nil
	}
	return cluster.Reject(cluster.CodeInvalid,
		"task %q deploys a route or data service: it cannot be %s; deploy it with POST /orchestration/executables/tasks/%s/deploy",
		t.Name, what, t.ID)
}

// ValidateTaskRunConfig checks a run config for a task and fills its
// defaults: the job fields for every task, the service fields for route
// and data-service tasks (which job tasks must leave empty).
func ValidateTaskRunConfig(txn Reader, t *Task, rc *RunConfig) error {
	if err := ValidateRunConfig(rc); err != nil {
		return err
	}
	art := ArtifactByID(txn, t.ArtifactID)
	if art == nil || !IsServiceArtifact(art.Type) {
		if rc.ServiceConfig != (ServiceConfig{}) {
			return cluster.Reject(cluster.CodeInvalid, "deploymentStrategy, port, metricPath, rollback and the rollout knobs apply to route and data-service tasks only; task %q runs a job", t.Name)
		}
		return nil
	}
	binary := ""
	if v := ArtifactVersionOf(txn, t.ArtifactID, t.ArtifactVersion); v != nil {
		binary = v.BinaryType
	}
	return validateServiceConfig(&rc.ServiceConfig, rc.Runtime.Type, art.Name, binary)
}

func validateServiceConfig(sc *ServiceConfig, runtimeType, artifactName, binary string) error {
	if err := validateStrategy(sc, runtimeType); err != nil {
		return err
	}
	if sc.Port == nil {
		sc.Port = &PortAssignment{Type: PortAutomatic}
	}
	switch sc.Port.Type {
	case PortAutomatic:
		if sc.Port.Value != 0 {
			return cluster.Reject(cluster.CodeInvalid, "port.value is only for a CUSTOM port")
		}
	case PortCustom:
		if sc.Port.Value < MinCustomPort || sc.Port.Value > MaxCustomPort {
			return cluster.Reject(cluster.CodeInvalid, "port.value must be between %d and %d, got %d", MinCustomPort, MaxCustomPort, sc.Port.Value)
		}
		if binary == BinaryRuntime {
			return cluster.Reject(cluster.CodeInvalid, "a custom port is for microservices; runtime bundles share the runtime's port")
		}
	default:
		return cluster.Reject(cluster.CodeInvalid, "port.type must be %s or %s, got %q", PortAutomatic, PortCustom, sc.Port.Type)
	}
	if sc.MetricPath == nil {
		name := artifactName
		sc.MetricPath = &name
	}
	return validateRolloutKnobs(sc)
}

func validateStrategy(sc *ServiceConfig, runtimeType string) error {
	if sc.DeploymentStrategy == "" {
		sc.DeploymentStrategy = StrategySingleNode
		if runtimeType == RuntimeEngineCluster {
			sc.DeploymentStrategy = StrategyRolling
		}
	}
	switch sc.DeploymentStrategy {
	case StrategySingleNode:
		if runtimeType != RuntimeEngine {
			return cluster.Reject(cluster.CodeInvalid, "deploymentStrategy %s is for a single engine (%s); an engine cluster takes %s or %s",
				StrategySingleNode, RuntimeEngine, StrategyParallel, StrategyRolling)
		}
	case StrategyParallel, StrategyRolling:
		if runtimeType != RuntimeEngineCluster {
			return cluster.Reject(cluster.CodeInvalid, "deploymentStrategy %s is for an engine cluster (%s); a single engine takes %s",
				sc.DeploymentStrategy, RuntimeEngineCluster, StrategySingleNode)
		}
	default:
		return cluster.Reject(cluster.CodeInvalid, "deploymentStrategy must be %s, %s or %s, got %q",
			StrategySingleNode, StrategyParallel, StrategyRolling, sc.DeploymentStrategy)
	}
	return nil
}

func validateRolloutKnobs(sc *ServiceConfig) error {
	if sc.MinHealthySeconds < 0 || sc.ProgressDeadlineSeconds < 0 || (sc.ShutdownDelaySeconds != nil && *sc.ShutdownDelaySeconds < 0) {
		return cluster.Reject(cluster.CodeInvalid, "minHealthySeconds, progressDeadlineSeconds and shutdownDelaySeconds must not be negative")
	}
	if sc.MinHealthySeconds == 0 {
		sc.MinHealthySeconds = DefaultMinHealthySeconds
	}
	if sc.ProgressDeadlineSeconds == 0 {
		sc.ProgressDeadlineSeconds = DefaultProgressDeadlineSeconds
	}
	if sc.ShutdownDelaySeconds == nil {
		d := DefaultShutdownDelaySeconds
		sc.ShutdownDelaySeconds = &d
	}
	if sc.ProgressDeadlineSeconds <= sc.MinHealthySeconds {
		return cluster.Reject(cluster.CodeInvalid, "progressDeadlineSeconds (%d) must be longer than minHealthySeconds (%d)",
			sc.ProgressDeadlineSeconds, sc.MinHealthySeconds)
	}
	return nil
}
