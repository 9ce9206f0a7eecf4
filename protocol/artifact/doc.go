// Package artifact is the artifact archive format: a .tar.gz holding an
// artifact.json manifest next to the files it names. It builds an archive
// from a directory, computes and verifies SHA-256 digests, extracts safely
// (no path escapes, size caps) and keeps a digest-addressed cache.
//
// It is a pure library used by both binaries: it makes no network calls and
// holds no state beyond the directories it is given.
package artifact
