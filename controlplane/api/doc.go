// Package api is the HTTP plumbing shared by every endpoint: the router
// (httprouter) that authenticates callers and enforces the authz table,
// request IDs, structured access logs, panic recovery, request metrics,
// strict JSON decoding with a body-size limit, and the error body of the
// contract. Domain handlers live in their own packages and return errors;
// this package turns them into statuses.
//
// It must not hold domain rules; it knows cluster only to translate its
// errors (rejections, no leader) into HTTP answers.
package api
