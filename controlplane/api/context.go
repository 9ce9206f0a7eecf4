package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/authz"
)

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyPrincipal
	keyClientIP
)

// RequestID returns the request's ID (from X-Request-Id or generated).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(keyRequestID).(string)
	return id
}

// PrincipalOf returns the authenticated caller, nil on public routes.
func PrincipalOf(r *http.Request) *authz.Principal {
	p, _ := r.Context().Value(keyPrincipal).(*authz.Principal)
	return p
}

func withPrincipal(r *http.Request, p *authz.Principal) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), keyPrincipal, p))
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// ClientIP is the caller's address: the TCP peer's, or the one a trusted
// proxy forwarded (see TrustProxies). Forwarding headers from any other
// peer are ignored: the IP allowlist and the audit log must not be
// spoofable.
func ClientIP(r *http.Request) string {
	if ip, ok := r.Context().Value(keyClientIP).(string); ok {
		return ip
	}
	return peerIP(r)
}

func peerIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// TrustProxies makes ClientIP take the caller's address from
// X-Forwarded-For when, and only when, the TCP peer is inside one of the
// trusted ranges. The header is read from the right: addresses of trusted
// proxies are skipped and the first other one is the client. A request
// whose header is missing or unreadable keeps the peer's address.
func TrustProxies(h http.Handler, trusted []netip.Prefix) http.Handler {
	if len(trusted) == 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := forwardedClient(peerIP(r), r.Header.Values("X-Forwarded-For"), trusted)
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyClientIP, ip)))
	})
}

func forwardedClient(peer string, headers []string, trusted []netip.Prefix) string {
	isTrusted := func(s string) bool {
		a, err := netip.ParseAddr(s)
		return err == nil && slices.ContainsFunc(trusted, func(p netip.Prefix) bool { return p.Contains(a.Unmap()) })
	}
	if !isTrusted(peer) {
		return peer
	}
	var hops []string
	for _, h := range headers {
		for _, hop := range strings.Split(h, ",") {
			hops = append(hops, strings.TrimSpace(hop))
		}
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			return client // unreadable: stop at the last address known good
		}
		client = a.Unmap().String()
		if !isTrusted(client) {
			return client
		}
	}
	return client
}

// Meta builds the command metadata of a change made by this request.
func Meta(r *http.Request) cluster.Meta {
	m := cluster.Meta{ClientIP: ClientIP(r), RequestID: RequestID(r.Context())}
	if p := PrincipalOf(r); p != nil {
		m.ActorID, m.ActorName, m.ActorKind = p.ID, p.Name, p.Kind
	}
	return m
}
