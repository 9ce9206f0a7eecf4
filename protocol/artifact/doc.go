// Package artifact is the artifact archive format: a .tar.gz holding an
// artifact.json manifest next to the files it names. It builds an archive
// from a directory, computes and verifies SHA-256 digests, keeps a
// digest-addressed cache, and owns the one set of archive rules (rules.go:
// regular files and directories only, no path escapes, entry and unpacked
// size caps) that the control plane checks at upload (Inspect) and engines
// enforce when unpacking (Extract).
//
// It is a pure library used by both binaries: it makes no network calls and
// holds no state beyond the directories it is given.
package artifact
