package identity_test

import (
	"encoding/json"
	"regexp"
	"sync/atomic"
	"testing"

	"github.com/roundhouse/roundhouse/controlplane"
	"github.com/roundhouse/roundhouse/controlplane/authn"
	"github.com/roundhouse/roundhouse/controlplane/cptest"
	"github.com/roundhouse/roundhouse/controlplane/state"
)

// answer is what a login attempt tells the caller: the status, the error
// code and the message with its numbers (seconds left) taken out.
type answer struct {
	Status        int
	Code, Message string
}

var digits = regexp.MustCompile(`[0-9]+`)

func attempt(t *testing.T, srv *cptest.Server, verifications *atomic.Int64, name string) (answer, int64) {
	t.Helper()
	before := verifications.Load()
	status, raw := login(srv, name, "Wrong-passw0rd!")
	var e struct{ Code, Message string }
	_ = json.Unmarshal(raw, &e)
	return answer{status, e.Code, digits.ReplaceAllString(e.Message, "N")}, verifications.Load() - before
}

// A wrong password for an existing account and any password for a login
// no user has do the same work (password hash verifications) and get the
// same answers, attempt after attempt, through lock-out: no answer tells
// which accounts exist.
func TestLoginAnswersAlikeForUnknownAndExistingUsers(t *testing.T) {
	var verifications atomic.Int64
	srv := cptest.Start(t, func(c *controlplane.Config) {
		c.VerifyPassword = func(hash, password string) bool {
			verifications.Add(1)
			return authn.VerifyPassword(hash, password)
		}
	})
	admin := srv.Client(cptest.AdminToken)
	admin.Must(t, 200, "PUT", "/account/password-policy", map[string]any{"lockoutEnabled": true, "maxFailedAttempts": 3, "lockoutDurationSeconds": 60}, nil)
	u := srv.NewUser(t, state.PermOperator)
	const unknown = "nobody-here@example.com"

	for i := 1; i <= 5; i++ {
		got, work := attempt(t, srv, &verifications, u.Login)
		gotUnknown, workUnknown := attempt(t, srv, &verifications, unknown)
		if got != gotUnknown {
			t.Errorf("attempt %d: existing user gets %+v, unknown login gets %+v", i, got, gotUnknown)
		}
		if work != workUnknown {
			t.Errorf("attempt %d: %d password verifications for the existing user, %d for the unknown login", i, work, workUnknown)
		}
		want := 401
		if i >= 3 {
			want = 403 // locked out from the third failure on
		}
		if got.Status != want {
			t.Errorf("attempt %d: status %d, want %d", i, got.Status, want)
		}
	}
	// Logins are case-insensitive for the count too.
	if got, _ := attempt(t, srv, &verifications, "NOBODY-here@example.com"); got.Code != "ACCOUNT_LOCKED" {
		t.Errorf("the unknown login in upper case: %+v, want locked", got)
	}
}
