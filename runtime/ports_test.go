//go:build linux

package runtime

import "testing"

// Automatic ports go round the range from a cursor: every port once
// before any repeats, none handed out twice while owned, a full range
// says so, and released ports are found again from the cursor on.
func TestPortPoolGoesRoundTheRange(t *testing.T) {
	const lo, hi = 31000, 31009 // below the ephemeral range: free on any test host
	p := newPortPool(lo, hi)
	seen := map[int]bool{}
	var first int
	for i := 0; i <= hi-lo; i++ {
		port, err := p.acquire("w", 0)
		if err != nil {
			t.Fatalf("acquire %d: %v", i, err)
		}
		if port < lo || port > hi || seen[port] {
			t.Fatalf("acquire %d gave %d (seen %v)", i, port, seen)
		}
		if i == 0 {
			first = port
		} else if want := lo + (first-lo+i)%(hi-lo+1); port != want {
			t.Fatalf("acquire %d gave %d, want %d (round from %d)", i, port, want, first)
		}
		seen[port] = true
	}
	if _, err := p.acquire("w", 0); err == nil {
		t.Fatal("a full range handed out a port")
	}
	p.release(first)
	p.release(first + 1)
	if port, err := p.acquire("w", 0); err != nil || port != first {
		t.Fatalf("after releases: %d, %v; want the cursor's next free port %d", port, err, first)
	}
}
