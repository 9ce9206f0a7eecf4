package ipallowlist_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/roundhouse/roundhouse/controlplane"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

const base = "/v1/management/ip-allowlist"

type entry struct {
	ID          string `json:"id"`
	IP          string `json:"ip"`
	Description string `json:"description"`
}

type policy struct {
	Description string  `json:"description"`
	Enabled     bool    `json:"enabled"`
	IPs         []entry `json:"ips"`
}

// TestElevenCalls goes through the 11 calls of the IP allowlist API.
func TestElevenCalls(t *testing.T) {
	srv := cptest.Start(t)
	admin := srv.Client(cptest.AdminToken)
	admin.MustFail(t, 404, "GET", base, nil)
	admin.MustFail(t, 404, "POST", base+"/ips", []entry{{IP: "10.0.0.1"}})

	var p policy
	admin.Must(t, 201, "POST", base, map[string]any{"description": "office", "enabled": false,
		"ips": []map[string]string{{"ip": "203.0.113.7", "description": "gw"}, {"ip": "2001:db8::/32"}}}, &p) // 1
	if len(p.IPs) != 2 || p.IPs[0].ID == "" || p.Enabled {
		t.Fatalf("created %+v", p)
	}
	admin.MustFail(t, 409, "POST", base, map[string]any{"enabled": false})
	admin.Must(t, 200, "GET", base, nil, &p)                                                                                                                  // 2
	admin.Must(t, 200, "PUT", base, map[string]any{"description": "offices", "ips": []map[string]string{{"ip": "198.51.100.0/24"}, {"ip": "127.0.0.1"}}}, &p) // 3
	if len(p.IPs) != 4 || p.Description != "offices" {
		t.Fatalf("after PUT %+v", p)
	}
	admin.Must(t, 200, "PATCH", base, map[string]bool{"enabled": true}, &p) // 4
	if !p.Enabled {
		t.Fatal("PATCH did not enable")
	}
	var ips []entry
	admin.Must(t, 200, "GET", base+"/ips", nil, &ips) // 5
	var added []entry
	admin.Must(t, 201, "POST", base+"/ips", []map[string]string{{"ip": "192.0.2.10/8", "description": "masked"}}, &added) // 6
	if len(added) != 1 || added[0].IP != "192.0.0.0/8" {
		t.Fatalf("added %+v", added)
	}
	var one entry
	admin.Must(t, 200, "GET", base+"/ips/"+added[0].ID, nil, &one)                                                          // 7
	admin.Must(t, 200, "PUT", base+"/ips/"+added[0].ID, map[string]string{"ip": "192.0.2.10", "description": "host"}, &one) // 8
	if one.IP != "192.0.2.10" || one.ID != added[0].ID {
		t.Fatalf("edited %+v", one)
	}
	var edited []entry
	admin.Must(t, 200, "PUT", base+"/ips", []entry{{ID: ips[0].ID, IP: "::1"}, {ID: ips[1].ID, IP: "2001:db8:1::/48"}}, &edited) // 9
	if len(edited) != 2 || edited[0].IP != "::1" {
		t.Fatalf("bulk edit %+v", edited)
	}
	admin.Must(t, 204, "DELETE", base+"/ips/"+added[0].ID, nil, nil) // 10
	admin.MustFail(t, 404, "GET", base+"/ips/"+added[0].ID, nil)
	admin.Must(t, 204, "DELETE", base, nil, nil) // 11
	admin.MustFail(t, 404, "GET", base+"/ips", nil)
}

func TestBadAddressesChangeNothing(t *testing.T) {
	srv := cptest.Start(t)
	admin := srv.Client(cptest.AdminToken)
	for _, bad := range []string{"10.0.0.0/33", "999.1.1.1", "10.0.0", "abc", "fe80::1%eth0", "2001:db8::/129", ""} {
		admin.MustFail(t, 400, "POST", base, map[string]any{"enabled": true, "ips": []map[string]string{{"ip": "10.1.1.1"}, {"ip": bad}}})
	}
	admin.MustFail(t, 404, "GET", base, nil)
	var p policy
	admin.Must(t, 201, "POST", base, map[string]any{"enabled": false, "ips": []map[string]string{{"ip": "10.1.1.1"}}}, &p)
	admin.MustFail(t, 400, "POST", base+"/ips", []map[string]string{{"ip": "10.2.2.2"}, {"ip": "10.0.0.0/40"}})
	admin.MustFail(t, 409, "POST", base+"/ips", []map[string]string{{"ip": "10.2.2.2"}, {"ip": "10.2.2.2"}})
	admin.MustFail(t, 409, "POST", base+"/ips", []map[string]string{{"ip": "10.1.1.1"}})
	admin.MustFail(t, 404, "PUT", base+"/ips", []entry{{ID: p.IPs[0].ID, IP: "10.3.3.3"}, {ID: "nope", IP: "10.4.4.4"}})
	admin.MustFail(t, 400, "PATCH", base, map[string]any{})
	admin.MustFail(t, 400, "POST", base, map[string]any{"enabled": "yes"})
	admin.Must(t, 200, "GET", base, nil, &p)
	if len(p.IPs) != 1 || p.IPs[0].IP != "10.1.1.1" {
		t.Fatalf("refused calls changed the list: %+v", p.IPs)
	}
}

// TestGate: once enabled, calls from outside the list are refused for
// every caller, Users - Manage holders included, and so is token
// issuance; public endpoints are not affected.
func TestGate(t *testing.T) {
	srv := cptest.Start(t)
	admin := srv.Client(cptest.AdminToken)
	user := srv.NewUser(t, state.PermEnvironmentManagement)
	op := srv.Client(user.Token)
	op.Must(t, 200, "GET", "/orchestration/environments", nil, nil)

	admin.Must(t, 201, "POST", base, map[string]any{"enabled": true, "ips": []map[string]string{{"ip": "127.0.0.1"}, {"ip": "::1"}}}, nil)
	outside := "127.0.0.2"
	e := op.From(outside).MustFail(t, 403, "GET", "/orchestration/environments", nil)
	if e.Code != "FORBIDDEN" || !strings.Contains(e.Message, outside) {
		t.Fatalf("%+v", e)
	}
	admin.From(outside).MustFail(t, 403, "GET", "/orchestration/environments", nil) // no exemption
	admin.Must(t, 200, "GET", "/orchestration/environments", nil, nil)
	op.Must(t, 200, "GET", "/orchestration/environments", nil, nil)
	srv.Client("").From(outside).Must(t, 200, "GET", "/health", nil, nil)

	login := map[string]string{"grant_type": "password", "username": user.Login, "password": cptest.TestPassword}
	srv.Client("").From(outside).MustFail(t, 403, "POST", "/security/oauth/token", login)
	srv.Client("").Must(t, 200, "POST", "/security/oauth/token", login, nil)

	admin.Must(t, 201, "POST", base+"/ips", []map[string]string{{"ip": "127.0.0.0/29", "description": "loopback"}}, nil)
	op.From(outside).Must(t, 200, "GET", "/orchestration/environments", nil, nil)
	admin.Must(t, 200, "PATCH", base, map[string]bool{"enabled": false}, nil)
	var ips []entry
	admin.Must(t, 200, "GET", base+"/ips", nil, &ips)
	admin.Must(t, 204, "DELETE", base+"/ips/"+ips[2].ID, nil, nil)
	op.From(outside).Must(t, 200, "GET", "/orchestration/environments", nil, nil) // disabled: no check
	admin.Must(t, 200, "PATCH", base, map[string]bool{"enabled": true}, nil)
	op.From(outside).MustFail(t, 403, "GET", "/orchestration/environments", nil)
}

// TestNoSelfLockout: a change that would leave the list active without
// the caller's own address is refused with 409 and changes nothing.
func TestNoSelfLockout(t *testing.T) {
	srv := cptest.Start(t)
	admin := srv.Client(cptest.AdminToken)
	e := admin.MustFail(t, 409, "POST", base, map[string]any{"enabled": true, "ips": []map[string]string{{"ip": "203.0.113.7"}}})
	if !strings.Contains(e.Message, "127.0.0.1") || !strings.Contains(e.Message, "your own address") {
		t.Fatalf("refusal does not say why: %+v", e)
	}
	admin.MustFail(t, 404, "GET", base, nil)
	var p policy
	admin.Must(t, 201, "POST", base, map[string]any{"enabled": false, "ips": []map[string]string{{"ip": "203.0.113.7"}, {"ip": "127.0.0.1"}}}, &p)
	self := p.IPs[1].ID
	admin.Must(t, 200, "PATCH", base, map[string]bool{"enabled": true}, nil)
	for _, tc := range []struct {
		name, method, path string
		body               any
	}{
		{"edit own entry away", "PUT", base + "/ips/" + self, map[string]string{"ip": "10.0.0.1"}},
		{"bulk edit own entry away", "PUT", base + "/ips", []entry{{ID: self, IP: "10.0.0.2"}}},
		{"delete own entry", "DELETE", base + "/ips/" + self, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			admin.MustFail(t, 409, tc.method, tc.path, tc.body)
		})
	}
	// From elsewhere (already outside) nothing can be changed at all.
	admin.From("127.0.0.3").MustFail(t, 403, "PATCH", base, map[string]bool{"enabled": false})
	admin.Must(t, 200, "GET", base, nil, &p)
	if !p.Enabled || len(p.IPs) != 2 || p.IPs[1].IP != "127.0.0.1" {
		t.Fatalf("refused changes changed the list: %+v", p)
	}
	// Deactivating, or a change keeping the caller in, is fine.
	admin.Must(t, 200, "PUT", base+"/ips/"+self, map[string]string{"ip": "127.0.0.0/24"}, nil)
	admin.Must(t, 200, "PATCH", base, map[string]bool{"enabled": false}, nil)
	admin.Must(t, 204, "DELETE", base+"/ips/"+self, nil, nil)
}

// TestTrustedProxies: the client address comes from X-Forwarded-For only
// when the TCP peer is a trusted proxy.
func TestTrustedProxies(t *testing.T) {
	srv := cptest.Start(t, func(c *controlplane.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}
	})
	admin := srv.Client(cptest.AdminToken)
	office := admin.With("X-Forwarded-For", "198.51.100.7")
	office.Must(t, 201, "POST", base, map[string]any{"enabled": true, "ips": []map[string]string{{"ip": "198.51.100.0/24"}}}, nil)
	office.Must(t, 200, "GET", base, nil, nil)
	// A chain through a second trusted hop still finds the client.
	admin.With("X-Forwarded-For", "198.51.100.9, 127.0.0.1").Must(t, 200, "GET", base, nil, nil)
	for name, c := range map[string]*cptest.Client{
		"forwarded from outside":         admin.With("X-Forwarded-For", "203.0.113.9"),
		"spoofed hop left of a real one": admin.With("X-Forwarded-For", "198.51.100.7, 203.0.113.9"),
		"proxy itself, no header":        admin,
		"untrusted peer's header":        office.From("127.0.0.2"),
	} {
		t.Run(name, func(t *testing.T) { c.MustFail(t, 403, "GET", base, nil) })
	}
	var logs []struct {
		Action   string `json:"action"`
		ClientIP string `json:"clientIp"`
	}
	office.Must(t, 200, "GET", "/account/audit-logs?limit=1000", nil, &logs)
	if len(logs) == 0 || logs[len(logs)-1].ClientIP != "198.51.100.7" {
		t.Fatalf("audit entries do not carry the forwarded client address: %+v", logs)
	}
}

// TestEditKeepsDescription: an edit that leaves out the description keeps
// it; one that sends it (even empty) replaces it.
func TestEditKeepsDescription(t *testing.T) {
	srv := cptest.Start(t)
	admin := srv.Client(cptest.AdminToken)
	var p policy
	admin.Must(t, 201, "POST", base, map[string]any{"enabled": false, "ips": []map[string]string{
		{"ip": "10.0.0.1", "description": "gateway"}, {"ip": "10.0.0.2", "description": "backup"}}}, &p)
	var one entry
	admin.Must(t, 200, "PUT", base+"/ips/"+p.IPs[0].ID, map[string]string{"ip": "10.0.0.9"}, &one)
	if one.IP != "10.0.0.9" || one.Description != "gateway" {
		t.Fatalf("PUT with only ip: %+v", one)
	}
	var many []entry
	admin.Must(t, 200, "PUT", base+"/ips", []map[string]string{{"id": p.IPs[1].ID, "ip": "10.0.0.8"}}, &many)
	if len(many) != 1 || many[0].Description != "backup" {
		t.Fatalf("bulk PUT with only ip: %+v", many)
	}
	admin.Must(t, 200, "PUT", base+"/ips/"+p.IPs[0].ID, map[string]string{"ip": "10.0.0.9", "description": ""}, &one)
	if one.Description != "" {
		t.Fatalf("an explicit empty description was not applied: %+v", one)
	}
}
