// Package conformance checks a real Roundhouse node against Talend's
// published API reference (the 2021-03 Orchestration, Processing and
// Security APIs, the Service Accounts, Workspace Permissions and IP
// Allowlist APIs): it sends the example requests of those pages, kept as
// fixtures in testdata/, and checks statuses and response fields, and it
// drives the node with golang.org/x/oauth2's client credentials flow as
// a Talend Cloud client would.
//
// It holds tests only. It must not hold product code or test helpers
// other packages import; what it finds wrong is fixed where the endpoint
// lives.
package conformance
