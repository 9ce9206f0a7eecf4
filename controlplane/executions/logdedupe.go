package executions

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
)

// unseen drops numbered lines this node already stored (an engine resends
// what it is not sure arrived: after a lost session or an agent restart).
// Lines of one attempt arrive in order, so "already stored" is "Seq not
// above the highest stored". l.mu is held; f is the log, size long.
func (l *LogStore) unseen(id string, f *os.File, size int64, lines []LogLine) []LogLine {
	out := lines[:0:0]
	for _, line := range lines {
		if line.Seq == 0 {
			out = append(out, line)
			continue
		}
		k := attemptKey{id, line.Attempt}
		top, ok := l.stored[k]
		if !ok {
			if len(l.stored) >= maxStoredSeqs {
				clear(l.stored)
			}
			top = highestSeq(f, size, line.Attempt)
			l.stored[k] = top
		}
		if line.Seq > top {
			out = append(out, line)
		}
	}
	return out
}

// highestSeq reads an execution's log for the highest Seq of an attempt.
func highestSeq(f *os.File, size int64, attempt int) uint64 {
	var top uint64
	sc := bufio.NewScanner(io.NewSectionReader(f, 0, size))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var line LogLine
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Attempt == attempt && line.Seq > top {
			top = line.Seq
		}
	}
	return top
}
