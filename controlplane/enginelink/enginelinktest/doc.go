// Package enginelinktest provides an in-memory enginelink.Directory and
// AvailabilityStore that follow the replicated state's pairing rules, for
// tests of the link and of agents against it (like net/http/httptest).
// It must not be imported by production code.
package enginelinktest
