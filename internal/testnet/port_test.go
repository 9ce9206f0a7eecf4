package testnet

import (
	"net"
	"strconv"
	"testing"
)

// A port from Port is outside the ephemeral range and can be bound for
// TCP and UDP; a taken port is never handed out.
func TestPortIsBindableAndBelowTheEphemeralRange(t *testing.T) {
	seen := map[int]bool{}
	var held []net.Listener
	defer func() {
		for _, ln := range held {
			ln.Close()
		}
	}()
	for range 50 {
		p, err := Port()
		if err != nil {
			t.Fatal(err)
		}
		if p < lowPort || p >= highPort {
			t.Fatalf("port %d outside %d-%d", p, lowPort, highPort)
		}
		if seen[p] {
			t.Fatalf("port %d handed out while still bound", p)
		}
		seen[p] = true
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err != nil {
			t.Fatalf("port %d not bindable: %v", p, err)
		}
		held = append(held, ln)
	}
}
