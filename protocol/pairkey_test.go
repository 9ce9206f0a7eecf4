package protocol

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPairKeyRoundTrip(t *testing.T) {
	ca, err := NewCA("test", time.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	k, err := NewPairKey(ca.Fingerprint())
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParsePairKey(" " + k.String() + "\n")
	if err != nil {
		t.Fatalf("parse %s: %v", k.Redacted(), err)
	}
	if got != k {
		t.Fatal("parsed key differs")
	}
	if !got.MatchesHash(k.SecretHash()) {
		t.Fatal("hash does not match")
	}
	if strings.Contains(k.Redacted(), b64.EncodeToString(k.Secret[:])) {
		t.Fatal("redacted form leaks the secret")
	}
	other, _ := NewPairKey(ca.Fingerprint())
	if other.MatchesHash(k.SecretHash()) {
		t.Fatal("another key matches the hash")
	}
}

func TestParsePairKeyRefusesGarbage(t *testing.T) {
	k, _ := NewPairKey([32]byte{1})
	s := k.String()
	parts := strings.Split(s, ".")
	for name, in := range map[string]string{
		"empty":            "",
		"garbage":          "hello world",
		"wrong prefix":     "rhpk2." + strings.Join(parts[1:], "."),
		"truncated":        s[:len(s)-3],
		"short id":         strings.Join([]string{parts[0], "abcd", parts[2], parts[3]}, "."),
		"secret not b64":   strings.Join([]string{parts[0], parts[1], "!!!", parts[3]}, "."),
		"extra part":       s + ".x",
		"talend-style hex": strings.Repeat("ab", 32),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParsePairKey(in); !errors.Is(err, ErrPairKeyInvalid) {
				t.Fatalf("got %v, want ErrPairKeyInvalid", err)
			}
		})
	}
}

func FuzzParsePairKey(f *testing.F) {
	k, _ := NewPairKey([32]byte{2})
	f.Add(k.String())
	f.Add("rhpk1...")
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParsePairKey(s)
		if err != nil {
			return
		}
		if again, err := ParsePairKey(k.String()); err != nil || again != k {
			t.Fatalf("re-parse of %q failed: %v", k.Redacted(), err)
		}
	})
}
