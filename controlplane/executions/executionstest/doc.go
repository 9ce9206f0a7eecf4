// Package executionstest has test doubles for what executions need from
// the engine side: an in-memory engine directory and a fake engine that
// takes its assignments from the local replica (as the engine session
// layer will) and reports through executions.Service.ReportStatus. The
// state machine, caps, retries and timeouts they drive are the real ones.
//
// It must not be imported by production code.
package executionstest
