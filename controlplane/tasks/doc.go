// Package tasks serves the job task endpoints under
// /orchestration/executables/tasks: create, list, update, delete, the run
// config, pause and resume with a reason, move to another workspace of the
// same environment, run, and the task's executions. The rules (unique
// names per workspace, 7000 tasks per workspace, artifact versions) are
// enforced by the state's commands; running is delegated to package
// executions.
//
// It must not dispatch or track executions itself.
package tasks
