package state

import (
	"net/netip"
	"testing"
)

func TestParseAllowedIP(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.1": "10.0.0.1/32", " 10.0.0.1 ": "10.0.0.1/32", "10.1.2.3/8": "10.0.0.0/8",
		"::1": "::1/128", "2001:DB8::/32": "2001:db8::/32", "::ffff:10.0.0.1": "10.0.0.1/32",
		"bad": "", "10.0.0.0/33": "", "1.2.3.4.5": "", "fe80::1%eth0": "", "": "", "10.0.0.1/": "",
	} {
		p, err := ParseAllowedIP(in)
		got := ""
		if err == nil {
			got = p.String()
		}
		if got != want {
			t.Errorf("ParseAllowedIP(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	l := &IPAllowlist{IPs: []IPEntry{{IP: "10.0.0.0/8"}, {IP: "2001:db8::/32"}, {IP: "192.0.2.1"}}}
	for addr, want := range map[string]bool{
		"10.200.1.1": true, "11.0.0.1": false, "2001:db8:ffff::1": true, "2001:db9::1": false,
		"192.0.2.1": true, "192.0.2.2": false, "::ffff:10.1.1.1": true,
	} {
		if got := l.Allows(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Allows(%s) = %v", addr, got)
		}
	}
}
