package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/http"

	"github.com/roundhouse/roundhouse/cluster"
	"github.com/roundhouse/roundhouse/controlplane/authz"
)

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyPrincipal
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

// ClientIP is the caller's address. Forwarding headers are ignored on
// purpose: the IP allowlist and the audit log must not be spoofable.
func ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// Meta builds the command metadata of a change made by this request.
func Meta(r *http.Request) cluster.Meta {
	m := cluster.Meta{ClientIP: ClientIP(r), RequestID: RequestID(r.Context())}
	if p := PrincipalOf(r); p != nil {
		m.ActorID, m.ActorName, m.ActorKind = p.ID, p.Name, p.Kind
	}
	return m
}
