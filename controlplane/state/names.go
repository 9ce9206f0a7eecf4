package state

import (
	"strings"
	"unicode/utf8"

	"github.com/roundhouse/roundhouse/cluster"
)

// MaxNameLength bounds every user-given name.
const MaxNameLength = 255

func validName(what, name string) error {
	switch {
	case strings.TrimSpace(name) == "":
		return cluster.Reject(cluster.CodeInvalid, "%s is required", what)
	case name != strings.TrimSpace(name):
		return cluster.Reject(cluster.CodeInvalid, "%s must not start or end with spaces", what)
	case utf8.RuneCountInString(name) > MaxNameLength:
		return cluster.Reject(cluster.CodeInvalid, "%s is longer than %d characters", what, MaxNameLength)
	case strings.ContainsAny(name, "\x00\r\n\t"):
		return cluster.Reject(cluster.CodeInvalid, "%s must not contain control characters", what)
	}
	return nil
}
