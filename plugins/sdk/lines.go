package sdk

import (
	"bufio"
	"errors"
	"io"

	"github.com/roundhouse/roundhouse/plugins"
)

// ReadLines calls fn for each line read from r (without the newline). A
// line longer than plugins.MaxLogMessage is cut there, the rest of it is
// skipped, and fn is told it was truncated. It returns at EOF or on a read
// error.
func ReadLines(r io.Reader, fn func(text string, truncated bool)) {
	br := bufio.NewReaderSize(r, 64*1024)
	var buf []byte
	truncated := false
	for {
		chunk, err := br.ReadSlice('\n')
		complete := len(chunk) > 0 && chunk[len(chunk)-1] == '\n'
		if complete {
			chunk = chunk[:len(chunk)-1]
		}
		room := max(plugins.MaxLogMessage-len(buf), 0)
		if len(chunk) > room {
			buf, truncated = append(buf, chunk[:room]...), true
		} else {
			buf = append(buf, chunk...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if complete || len(buf) > 0 {
			fn(string(buf), truncated)
		}
		buf, truncated = buf[:0], false
		if err != nil {
			return
		}
	}
}
