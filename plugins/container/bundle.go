package container

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"time"

	"github.com/roundhouse/roundhouse/plugins"
	"github.com/roundhouse/roundhouse/plugins/sdk"
)

// bundle is one installed artifact. Its lifecycle calls are serialised by
// mu; active is read lock-free by the request path.
type bundle struct {
	mu     sync.Mutex // held for a whole lifecycle operation
	active atomic.Pointer[instance]
	meter  sdk.RequestMeter // requests routed to this bundle

	stateMu sync.Mutex
	spec    plugins.BundleSpec
	state   string
	err     string
}

func (b *bundle) info() plugins.BundleInfo {
	b.stateMu.Lock()
	defer b.stateMu.Unlock()
	return plugins.BundleInfo{Name: b.spec.Name, Version: b.spec.Version, State: b.state, Path: "/" + b.spec.Name + "/", Error: b.err,
		Metrics: b.meter.Snapshot(time.Now())}
}

func (b *bundle) set(state, errText string) {
	b.stateMu.Lock()
	defer b.stateMu.Unlock()
	b.state, b.err = state, errText
}

func (b *bundle) currentSpec() plugins.BundleSpec {
	b.stateMu.Lock()
	defer b.stateMu.Unlock()
	return b.spec
}

// validateSpec checks what install and update need.
func validateSpec(s plugins.BundleSpec) error {
	var errs []error
	if s.Name == "" || len(s.Name) > 128 {
		errs = append(errs, errors.New("name: want 1 to 128 characters"))
	}
	for _, r := range s.Name {
		if !(r == '-' || r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			errs = append(errs, fmt.Errorf("name %q: letters, digits, '.', '_' and '-' only", s.Name))
			break
		}
	}
	if len(s.Command) == 0 {
		errs = append(errs, errors.New("command: empty"))
	}
	return errors.Join(errs...)
}

// resolve checks that the bundle's command can be run: INSTALLED → RESOLVED.
func resolve(s plugins.BundleSpec) error {
	if _, err := exec.LookPath(s.Command[0]); err != nil {
		if _, serr := os.Stat(s.Command[0]); serr != nil {
			return fmt.Errorf("bundle %s: entrypoint %s: %w", s.Name, s.Command[0], serr)
		}
		return fmt.Errorf("bundle %s: entrypoint: %w", s.Name, err)
	}
	return nil
}
