package harness

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Net is a set of network namespaces ("hosts") joined by a bridge that
// lives in its own hub namespace, plus a link from the test's own
// namespace so the test can reach every host. Hosts get 10.213.N.i/24
// addresses; the test side is .254.
type Net struct {
	t      testing.TB
	prefix string
	subnet string
	hub    string
	hosts  []string
}

// CanNetns reports whether this machine can build namespace topologies,
// with the reason when it cannot.
func CanNetns() (bool, string) {
	if os.Geteuid() != 0 {
		return false, "needs root for ip netns"
	}
	if _, err := exec.LookPath("ip"); err != nil {
		return false, "needs iproute2 (ip)"
	}
	return true, ""
}

// CanPartition reports whether nftables is there to cut links.
func CanPartition() (bool, string) {
	if ok, why := CanNetns(); !ok {
		return false, why
	}
	if _, err := exec.LookPath("nft"); err != nil {
		return false, "needs nftables (nft); .ci/run installs it"
	}
	return true, ""
}

// NewNet builds a topology of n hosts; it is torn down when the test ends.
func NewNet(t testing.TB, n int) *Net {
	t.Helper()
	id := os.Getpid() % 200
	nt := &Net{t: t, prefix: fmt.Sprintf("rh%d", os.Getpid()), subnet: fmt.Sprintf("10.213.%d", id)}
	nt.hub = nt.prefix + "hub"
	t.Cleanup(nt.teardown)
	nt.must("ip", "netns", "add", nt.hub)
	nt.must("ip", "-n", nt.hub, "link", "add", "br0", "type", "bridge")
	nt.must("ip", "-n", nt.hub, "link", "set", "br0", "up")
	nt.must("ip", "-n", nt.hub, "link", "set", "lo", "up")
	// The test's own side.
	host := nt.prefix + "t"
	nt.must("ip", "link", "add", host, "type", "veth", "peer", "name", "vt", "netns", nt.hub)
	nt.must("ip", "-n", nt.hub, "link", "set", "vt", "master", "br0")
	nt.must("ip", "-n", nt.hub, "link", "set", "vt", "up")
	nt.must("ip", "addr", "add", nt.subnet+".254/24", "dev", host)
	nt.must("ip", "link", "set", host, "up")
	for i := 1; i <= n; i++ {
		ns := fmt.Sprintf("%s-%d", nt.prefix, i)
		nt.must("ip", "netns", "add", ns)
		nt.hosts = append(nt.hosts, ns)
		veth := fmt.Sprintf("v%d", i)
		nt.must("ip", "link", "add", veth, "netns", nt.hub, "type", "veth", "peer", "name", "eth0", "netns", ns)
		nt.must("ip", "-n", nt.hub, "link", "set", veth, "master", "br0")
		nt.must("ip", "-n", nt.hub, "link", "set", veth, "up")
		nt.must("ip", "-n", ns, "addr", "add", nt.Addr(i)+"/24", "dev", "eth0")
		nt.must("ip", "-n", ns, "link", "set", "eth0", "up")
		nt.must("ip", "-n", ns, "link", "set", "lo", "up")
	}
	return nt
}

// Addr is host i's address (1-based).
func (nt *Net) Addr(i int) string { return fmt.Sprintf("%s.%d", nt.subnet, i) }

// Namespace is host i's namespace name.
func (nt *Net) Namespace(i int) string { return nt.hosts[i-1] }

// Wrap returns the command line running bin inside host i.
func (nt *Net) Wrap(i int, bin string, args ...string) (string, []string) {
	return "ip", append([]string{"netns", "exec", nt.Namespace(i), bin}, args...)
}

// Cut isolates host i from the hosts in others (both directions) with
// nftables inside host i; the test's own link stays up.
func (nt *Net) Cut(i int, others ...int) {
	nt.t.Helper()
	ns := nt.Namespace(i)
	var addrs []string
	for _, o := range others {
		addrs = append(addrs, nt.Addr(o))
	}
	set := "{ " + strings.Join(addrs, ", ") + " }"
	rules := fmt.Sprintf(`table inet rhcut {
  chain in { type filter hook input priority 0; policy accept; ip saddr %s drop; }
  chain out { type filter hook output priority 0; policy accept; ip daddr %s drop; }
}`, set, set)
	cmd := exec.Command("ip", "netns", "exec", ns, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(rules)
	if out, err := cmd.CombinedOutput(); err != nil {
		nt.t.Fatalf("cut host %d: %v: %s", i, err, out)
	}
}

// Heal removes host i's cuts.
func (nt *Net) Heal(i int) {
	nt.t.Helper()
	nt.must("ip", "netns", "exec", nt.Namespace(i), "nft", "delete", "table", "inet", "rhcut")
}

func (nt *Net) must(name string, args ...string) {
	nt.t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		nt.t.Fatalf("%s %s: %v: %s", name, strings.Join(args, " "), err, out)
	}
}

func (nt *Net) teardown() {
	for _, ns := range nt.hosts {
		_ = exec.Command("ip", "netns", "del", ns).Run()
	}
	_ = exec.Command("ip", "link", "del", nt.prefix+"t").Run()
	_ = exec.Command("ip", "netns", "del", nt.hub).Run()
}
