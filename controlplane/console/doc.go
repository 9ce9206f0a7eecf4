// Package console serves the web console, the Management Console of
// Roundhouse, at /console/ on every control-plane node: server-rendered
// pages (html/template, embedded with go:embed) with one stylesheet and
// one small script for live updates, copy buttons and local times.
//
// It owns the browser session (a signed, HttpOnly cookie holding the
// caller's bearer token, idle expiry, CSRF tokens) and the pages. It must
// not read or change the replicated state itself: every page and every
// action is a call to the node's own HTTP API through the typed client
// (package api, served in-process by api.HandlerTransport) with the
// signed-in user's token and the browser's address, so the API's
// authentication, IP allowlist, permission checks, validation and audit
// apply unchanged. It reads the caller's permissions
// only to hide or disable actions the API would refuse anyway.
package console
