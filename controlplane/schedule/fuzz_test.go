package schedule

import (
	"testing"
)

// FuzzCompileCron: any expression either compiles or is refused with an
// error; a compiled one yields increasing fires.
func FuzzCompileCron(f *testing.F) {
	for _, s := range []string{"15 10 ? * 6L *", "0 9 10W * ?", "*/5 12-14 * * ?", "0 9 ? * 6#3 2026-2099", "0 0 LW * ?", "1-7/2 * * * ?", "L", "# # # # #"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		c, err := Compile(0, Trigger{Type: Cron, StartDate: "2026-01-01", TimeZone: "Europe/Paris", Expression: expr}, nil)
		if err != nil {
			return
		}
		prev := utc("2026-03-28 00:00")
		for i := 0; i < 5; i++ {
			next, ok := c.NextFire(prev)
			if !ok {
				return
			}
			if !next.After(prev) {
				t.Fatalf("%q: fire %s not after %s", expr, next, prev)
			}
			prev = next
		}
	})
}
