// Package plans serves plans (`/orchestration/executables/plans`) and
// their runs (`/processing/executions/plans`), and runs the leader-only
// plan runner that moves plan executions from step to step.
//
// Every step transition is a raft command (state.CmdPlanExecutionAdvance)
// whose handler decides from the replicated state alone, so the runner
// only notices that something may have changed (a memdb watch on the
// active executions) and proposes; a new leader simply resumes. It must
// not create task executions itself: the state handlers do, with the
// execution rules of a manual run.
package plans
