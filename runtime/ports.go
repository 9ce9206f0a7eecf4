package runtime

import (
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
)

// portPool hands out service ports: automatic ones from a range, or a
// custom one, never the same port to two workloads. Automatic ports are
// taken round the range from a cursor that starts at a random place:
// engines sharing a host (and the range) then rarely try the same port in
// the moment between one's check and its service's bind, and a port just
// given back is not handed out again at once.
type portPool struct {
	mu     sync.Mutex
	lo, hi int
	next   int
	owner  map[int]string
}

func newPortPool(lo, hi int) *portPool {
	return &portPool{lo: lo, hi: hi, next: lo + rand.IntN(hi-lo+1), owner: map[int]string{}}
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
	size := p.hi - p.lo + 1
	for i := 0; i < size; i++ {
		port := p.lo + (p.next-p.lo+i)%size
		if _, ok := p.owner[port]; ok || !free(port) {
			continue
		}
		p.owner[port] = id
		p.next = port + 1
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
