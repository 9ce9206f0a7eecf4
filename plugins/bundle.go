package plugins

// Bundle lifecycle states in the runtime container (OSGi's words).
const (
	BundleInstalled   = "INSTALLED"
	BundleResolved    = "RESOLVED"
	BundleStarting    = "STARTING"
	BundleActive      = "ACTIVE"
	BundleStopping    = "STOPPING"
	BundleUninstalled = "UNINSTALLED"
	BundleFailed      = "FAILED"
)

// Bundle operations.
const (
	OpInstall   = "install"
	OpStart     = "start"
	OpStop      = "stop"
	OpUpdate    = "update"
	OpUninstall = "uninstall"
)

// BundleSpec describes a bundle: an artifact whose entrypoint serves HTTP
// on $PORT, mounted by the container under /Name/.
type BundleSpec struct {
	Name        string            `json:"name"`
	Version     string            `json:"version"`
	ArtifactDir string            `json:"artifactDir"`
	Command     []string          `json:"command"`
	Env         map[string]string `json:"env,omitempty"`
	HealthPath  string            `json:"healthPath,omitempty"`
}

// BundleOp is one lifecycle operation; Spec is needed for install and
// update, Name for the others.
type BundleOp struct {
	Op   string     `json:"op"`
	Name string     `json:"name"`
	Spec BundleSpec `json:"spec,omitempty"`
}

// BundleInfo is a bundle's state as the container sees it.
type BundleInfo struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	State   string `json:"state"`
	Path    string `json:"path"`
	Error   string `json:"error,omitempty"`
	// Metrics count the requests the container routed to the bundle
	// since it was installed (a deployment's own metrics).
	Metrics Metrics `json:"metrics"`
}
