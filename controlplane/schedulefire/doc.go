// Package schedulefire wires the pure trigger library (controlplane/schedule)
// into the product: the `.../schedule` and `.../webhook` endpoints of tasks
// and plans, the public webhook URL, and the leader-only loop that fires
// schedules (placement on engines is not here: executions/dispatcher.go).
//
// The loop keeps a schedule.Planner built from the replicated schedules and
// records every due fire with ONE raft command (state.CmdScheduleFire) that
// both marks the trigger's last fire and creates the run; the command
// refuses a fire whose mark is not after the recorded one, so a leader
// change (the new leader rebuilds its Planner from the committed marks)
// neither skips nor doubles a fire. Webhook calls are raft commands too;
// their open windows live in the replicated state, and the loop closes
// windows whose duration has passed.
//
// It owns no state of its own and must not import the executions or plans
// packages' internals: runs are created by the state handlers, with the
// limits of executions.Config passed in the commands.
package schedulefire
