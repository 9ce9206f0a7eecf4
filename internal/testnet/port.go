package testnet

import (
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
)

// Ports below the kernel's default ephemeral range (32768-60999) and above
// the well-known and commonly registered low ones.
const (
	lowPort  = 20000
	highPort = 32000
)

// Port returns a port free on 127.0.0.1 for both TCP and UDP right now.
func Port() (int, error) {
	for range 200 {
		p := lowPort + rand.IntN(highPort-lowPort)
		if free(p) {
			return p, nil
		}
	}
	return 0, fmt.Errorf("no free loopback port in %d-%d after 200 draws", lowPort, highPort)
}

// Addr returns "127.0.0.1:PORT" with a port from Port.
func Addr() (string, error) {
	p, err := Port()
	if err != nil {
		return "", err
	}
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(p)), nil
}

func free(port int) bool {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return false
	}
	defer ln.Close()
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return false
	}
	return pc.Close() == nil
}
