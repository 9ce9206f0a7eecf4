package console

import (
	"strings"
	"testing"
	"time"
)

func TestSessionCookie(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	idle := 30 * time.Minute
	good := session{Token: "rhp_secret", LastSeen: now.Add(-10 * time.Minute)}.encode()
	parts := strings.Split(good, ".")
	other := session{Token: "rhp_other", LastSeen: now}.encode()
	tests := []struct {
		name   string
		cookie string
		ok     bool
	}{
		{"fresh", good, true},
		{"idle too long", session{Token: "rhp_secret", LastSeen: now.Add(-31 * time.Minute)}.encode(), false},
		{"last view moved forward by hand", parts[0] + "." + "1800000000" + "." + parts[2], false},
		{"another token's MAC", parts[0] + "." + parts[1] + "." + strings.Split(other, ".")[2], false},
		{"from the future", session{Token: "rhp_secret", LastSeen: now.Add(time.Hour)}.encode(), false},
		{"garbage", "not-a-cookie", false},
		{"empty token", "." + parts[1] + "." + parts[2], false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, ok := decodeSession(tc.cookie, now, idle)
			if ok != tc.ok {
				t.Fatalf("decode ok = %v, want %v", ok, tc.ok)
			}
			if ok && s.Token != "rhp_secret" {
				t.Fatalf("token %q", s.Token)
			}
		})
	}
}

func TestCSRFTokenIsBoundToTheSession(t *testing.T) {
	a, b := session{Token: "rhp_a"}, session{Token: "rhp_b"}
	if !a.validCSRF(a.csrfToken()) {
		t.Fatal("a session refuses its own CSRF token")
	}
	for _, got := range []string{"", b.csrfToken(), a.csrfToken() + "x"} {
		if a.validCSRF(got) {
			t.Fatalf("CSRF token %q accepted", got)
		}
	}
}

func TestEngineServers(t *testing.T) {
	tests := []struct{ quic, host, want string }{
		{"10.0.0.5:7443", "console.example:8080", "10.0.0.5:7443"},
		{"0.0.0.0:7443", "console.example:8080", "console.example:7443"},
		{"[::]:7443", "console.example", "console.example:7443"},
		{":7443", "10.1.2.3:8080", "10.1.2.3:7443"},
	}
	for _, tc := range tests {
		if got := engineServers(tc.quic, tc.host); got != tc.want {
			t.Errorf("engineServers(%q, %q) = %q, want %q", tc.quic, tc.host, got, tc.want)
		}
	}
}
