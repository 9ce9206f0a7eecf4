package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/julienschmidt/httprouter"

	"github.com/roundhouse/roundhouse/controlplane/api"
	"github.com/roundhouse/roundhouse/controlplane/authz"
)

type everyone struct{}

func (everyone) Authenticate(*http.Request) (*authz.Principal, error) {
	return &authz.Principal{ID: "u", Permissions: map[string]bool{"TMC_USER_MANAGEMENT": true, "TMC_SERVICE_ACCOUNT_MANAGEMENT": true, "TMC_SUBSCRIPTION_MANAGEMENT": true}}, nil
}

// TestLiteralBesideParameter: httprouter v1.3 alone panics on these
// pairs; the router serves both, whatever the registration order.
func TestLiteralBesideParameter(t *testing.T) {
	rt := api.NewRouter(everyone{})
	answer := func(name string) api.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request, p httprouter.Params) error {
			w.Write([]byte(name + p.ByName("id")))
			return nil
		}
	}
	rt.Handle("GET", "/account/service-accounts/:id", answer("one:"))
	rt.Handle("DELETE", "/account/service-accounts/:id", answer("delete:"))
	rt.Handle("GET", "/account/service-accounts/count", answer("count"))
	rt.Handle("GET", "/account/service-accounts/permissions", answer("perms"))
	rt.Handle("GET", "/account/users/:id", answer("user:"))
	rt.Handle("GET", "/account/users/export", answer("export"))
	rt.Handle("POST", "/account/users/:id/deactivate", answer("deactivate:"))
	for _, c := range []struct{ method, path, want string }{
		{"GET", "/account/service-accounts/count", "count"},
		{"GET", "/account/service-accounts/permissions", "perms"},
		{"GET", "/account/service-accounts/abc", "one:abc"},
		{"DELETE", "/account/service-accounts/abc", "delete:abc"},
		{"GET", "/account/users/export", "export"},
		{"GET", "/account/users/x1", "user:x1"},
		{"POST", "/account/users/x1/deactivate", "deactivate:x1"},
	} {
		rec := httptest.NewRecorder()
		rt.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, nil))
		if rec.Code != 200 || rec.Body.String() != c.want {
			t.Errorf("%s %s: %d %q, want %q", c.method, c.path, rec.Code, rec.Body.String(), c.want)
		}
	}
	rec := httptest.NewRecorder()
	rt.ServeHTTP(rec, httptest.NewRequest("PUT", "/account/users/export", nil))
	if rec.Code != 405 {
		t.Errorf("PUT on a GET-only path: %d", rec.Code)
	}
	rec = httptest.NewRecorder()
	rt.ServeHTTP(rec, httptest.NewRequest("GET", "/nowhere", nil))
	if rec.Code != 404 {
		t.Errorf("unknown path: %d", rec.Code)
	}
}
