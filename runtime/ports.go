package runtime

import (
	"fmt"
	"net"
	"strconv"
	"sync"
)

// portPool hands out service ports: automatic ones from a range, or a
// custom one, never the same port to two workloads.
type portPool struct {
	mu     sync.Mutex
	lo, hi int
	owner  map[int]string
}

func newPortPool(lo, hi int) *portPool {
	return &portPool{lo: lo, hi: hi, owner: map[int]string{}}
}

// free reports whether nothing listens on port right now.
func free(port int) bool {
	ln, err := net.Listen("tcp", ":"+strconv.Itoa(port))
	if err != nil {
		return false
	}
	ln.Close()
	return true
}

// acquire reserves want (if > 0) or the first free port of the range.
func (p *portPool) acquire(id string, want int) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if want > 0 {
		if o, ok := p.owner[want]; ok {
			return 0, fmt.Errorf("port %d is already used by workload %s", want, o)
		}
		if !free(want) {
			return 0, fmt.Errorf("port %d is already in use on this host", want)
		}
		p.owner[want] = id
		return want, nil
	}
	for port := p.lo; port <= p.hi; port++ {
		if _, ok := p.owner[port]; ok || !free(port) {
			continue
		}
		p.owner[port] = id
		return port, nil
	}
	return 0, fmt.Errorf("no free port in %d-%d", p.lo, p.hi)
}

// reserve records a port already in use by a reattached workload.
func (p *portPool) reserve(id string, port int) {
	if port <= 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.owner[port] = id
}

func (p *portPool) release(port int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.owner, port)
}
