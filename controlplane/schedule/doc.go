// Package schedule owns trigger semantics and next-fire computation for tasks
// and plans: the Trigger model of `PUT .../schedule {"triggers": [...]}`, its
// validation, the fire sequence of every trigger type in its IANA time zone
// (DST included), the Planner that decides which fires are due at a given
// time, the trigger timeout model, and webhook window batching.
//
// It is a pure, deterministic library. It must do no I/O (the one file it
// reads is the time zone database, through time.LoadLocation; see Zones),
// start no goroutine, hold no package-level mutable state, and never call time.Now:
// every function that depends on the clock takes the time as an argument, so
// the leader-only scheduler loop (which owns the clock, Raft and executions)
// and the tests decide what "now" is. It must not import cluster or any other
// controlplane package; the lead wires it to the replicated state.
//
// # Cron library
//
// Cron expressions are evaluated by github.com/hashicorp/cronexpr v1.1.3
// (pinned in go.mod). Candidates weighed:
//   - github.com/hashicorp/cronexpr: maintained by HashiCorp (Nomad's periodic
//     jobs use it), supports `? L W #`, `LW`, names, and a year field limited
//     to 1970-2099 (Talend's upper bound), 5 to 7 fields. Measured here:
//     correct leap-day handling (`0 0 29 2 ?` fires only on 29 February) and
//     about 0.4 µs per next-fire. Its day-of-week numbering is Unix's
//     (0 or 7 = Sunday), not Quartz's.
//   - github.com/reugn/go-quartz v0.15.2: Quartz numbering (1 = Sunday), but
//     it fired `0 0 29 2 ?` on 1 March in non-leap years, read `L` alone in
//     day-of-week as "last Saturday of the month" instead of Quartz's
//     "Saturday", and accepted year 3000 then returned dates in 1830.
//   - github.com/adhocore/gronx: maintained, Unix numbering too; not
//     evaluated further, as it offers nothing cronexpr lacks for this use.
//
// Talend's Quartz dialect is adapted to cronexpr in cron.go: 5 fields get
// a `*` year, 7 fields drop the leading seconds (Talend ignores them), the
// stored form is Talend's 6 fields (minute hour day-of-month month
// day-of-week year), day-of-week numbers are shifted from Quartz's 1-7
// (1 = SUN ... 7 = SAT) to cronexpr's 0-6, and `L` alone in day-of-week
// becomes Saturday as Quartz defines it. Setting both day-of-month and
// day-of-week (neither `?` nor `*`) is refused, as Quartz refuses it.
//
// # Time zones and DST
//
// Every trigger first yields a strictly increasing sequence of wall-clock
// times in its zone; wall times are then mapped to instants:
//   - a wall time that occurs twice (autumn fall-back) maps to its first
//     occurrence, and because wall times must keep increasing, fires whose
//     wall time falls in the repeated hour are not fired a second time: the
//     example of Talend's scheduling help (every 20 minutes, last run 01:40,
//     clock back at 02:00)
//     fires next at the new 02:00, skipping the repeated 01:00, 01:20, 01:40;
//   - a wall time that does not exist (spring-forward gap) is fired at the
//     first instant after the gap (02:30 in Paris on 29 March 2026 fires at
//     03:00 CEST), so a daily run is not lost; several fires planned in the
//     gap collapse into that one fire. Talend states no rule for the
//     skipped hour beyond "the next actual execution is adjusted"; this is
//     ours.
//
// # Minimum spacing
//
// "Triggers must be separated by at least five minutes." Validate enumerates
// the fires of every time trigger of one task or plan, merged in time order,
// over a window (default 366 days from the later of now and the latest start
// date) and rejects the set when two consecutive fires, of one trigger or of
// two, are less than 5 minutes apart. Fires are compared as instants, so
// triggers in different zones are compared correctly (08:00 UTC and 09:00
// Paris in winter collide). A fire that a spring-forward gap moved off its
// wall time is exempt: DST made it, not the user, so a 02:30 and a 03:00
// Paris trigger stay valid although both run at 03:00 CEST on 29 March 2026
// (the Planner then runs the task once). A valid set has at most one fire
// per 5 minutes, so the walk costs at most ~105,000 steps (about 150 ms,
// see bench/schedule), and an invalid one stops at the first conflict.
// Coincidences that first occur beyond the window (a leap-day-only cron,
// say) are not caught at validation.
//
// # Misfires
//
// The Planner fires a trigger on time when the planned time has passed by
// less than Config.MisfireGrace; the fire records its planned time, so a short
// pause (a leader change) neither skips nor repeats a fire. When the planned
// time is older than the grace (a full outage), the trigger fires once now,
// the missed fires are not replayed, and the schedule resumes with the first
// planned time after now.
package schedule
