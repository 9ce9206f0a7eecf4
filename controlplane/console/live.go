package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// livePollInterval is how often a live fragment is re-rendered to look
// for a change.
const livePollInterval = time.Second

// events writes server-sent events.
type events struct {
	w http.ResponseWriter
	f http.Flusher
}

func startEvents(w http.ResponseWriter) (*events, error) {
	f, ok := w.(http.Flusher)
	if !ok {
		return nil, fmt.Errorf("live updates need a flushing response writer")
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	f.Flush()
	return &events{w: w, f: f}, nil
}

// send writes one event whose data is v as JSON.
func (e *events) send(name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return e.sendRaw(name, string(b))
}

func (e *events) sendRaw(name, data string) error {
	var sb strings.Builder
	sb.WriteString("event: " + name + "\n")
	for _, line := range strings.Split(data, "\n") {
		sb.WriteString("data: " + line + "\n")
	}
	sb.WriteString("\n")
	if _, err := e.w.Write([]byte(sb.String())); err != nil {
		return err
	}
	e.f.Flush()
	return nil
}

// liveFragment re-renders a fragment every livePollInterval and sends
// it whenever it changed, until the browser leaves.
func (c *Console) liveFragment(w http.ResponseWriter, r *http.Request, render func() (string, error)) error {
	sse, err := startEvents(w)
	if err != nil {
		return err
	}
	tick := time.NewTicker(livePollInterval)
	defer tick.Stop()
	last := ""
	for {
		html, err := render()
		if err != nil {
			_ = sse.send("error", err.Error())
			return nil
		}
		if html != last {
			if sse.sendRaw("html", html) != nil {
				return nil
			}
			last = html
		}
		select {
		case <-r.Context().Done():
			return nil
		case <-tick.C:
		}
	}
}
