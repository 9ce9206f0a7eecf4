package enginelink

import (
	"fmt"
	"strconv"
	"strings"
)

// engineVersion is the release (major.minor.patch) of an agent.
type engineVersion [3]int

// parseEngineVersion reads a semantic version such as "1.4.0", "v1.4" or
// "1.4.0-rc1+abc". The pre-release and build parts are ignored: a build
// from a commit after a tag (`git describe`: v1.4.0-3-gabc) is a 1.4.0,
// not something older, and a minimum names releases anyway. Missing
// minor and patch numbers are 0.
func parseEngineVersion(s string) (engineVersion, bool) {
	var v engineVersion
	core := strings.TrimPrefix(strings.TrimSpace(s), "v")
	if i := strings.IndexAny(core, "-+"); i >= 0 {
		core = core[:i]
	}
	parts := strings.Split(core, ".")
	if core == "" || len(parts) > 3 {
		return v, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || p[0] == '+' {
			return v, false
		}
		v[i] = n
	}
	return v, true
}

func (v engineVersion) less(w engineVersion) bool {
	for i := range v {
		if v[i] != w[i] {
			return v[i] < w[i]
		}
	}
	return false
}

func (v engineVersion) String() string { return fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2]) }

// versionPolicy says which agent versions a node still serves.
type versionPolicy struct {
	min engineVersion
	set bool // false: every version is supported
}

func newVersionPolicy(minimum string) (versionPolicy, error) {
	if strings.TrimSpace(minimum) == "" {
		return versionPolicy{}, nil
	}
	v, ok := parseEngineVersion(minimum)
	if !ok {
		return versionPolicy{}, fmt.Errorf("engine minimum version %q is not a version like 1.4.0", minimum)
	}
	return versionPolicy{min: v, set: true}, nil
}

// unsupported returns why an agent reporting version is not served, or ""
// when it is. With a minimum set, a version that does not parse (a "dev"
// build, none at all) is not served: nothing shows it is recent enough.
func (p versionPolicy) unsupported(version string) string {
	if !p.set {
		return ""
	}
	v, ok := parseEngineVersion(version)
	if ok && !v.less(p.min) {
		return ""
	}
	shown := version
	if shown == "" {
		shown = "without a version"
	}
	return fmt.Sprintf("roundhouse-engine %s is no longer supported (minimum %s): upgrade roundhouse-engine on this host", shown, p.min)
}
