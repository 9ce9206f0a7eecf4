package authn

import (
	"strings"
	"testing"
)

func TestPasswordHashing(t *testing.T) {
	h := HashPassword("Correct-h0rse!")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(h, "Correct") {
		t.Fatalf("hash %q", h)
	}
	if h == HashPassword("Correct-h0rse!") {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	for pw, want := range map[string]bool{"Correct-h0rse!": true, "correct-h0rse!": false, "": false, "Correct-h0rse! ": false} {
		if got := VerifyPassword(h, pw); got != want {
			t.Errorf("VerifyPassword(%q) = %v", pw, got)
		}
	}
	for _, bad := range []string{"", "plain", "$argon2id$v=19$m=x$a$b", "$bcrypt$1$2$3$4"} {
		if VerifyPassword(bad, "x") {
			t.Errorf("malformed hash %q verified", bad)
		}
	}
}

func TestPasswordRules(t *testing.T) {
	for pw, ok := range map[string]bool{
		"Abcdef1!": true, "Abcdefg1": false, "abcdef1!": false, "ABCDEF1!": false, "Abcdefg!": false,
		"Ab1!": false, "Pässwört-9": true, strings.Repeat("Aa1!", 70): false,
	} {
		if err := CheckPasswordRules(pw); (err == nil) != ok {
			t.Errorf("CheckPasswordRules(%q) = %v", pw, err)
		}
	}
}
