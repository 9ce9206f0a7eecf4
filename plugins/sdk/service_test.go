package sdk

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/roundhouse/roundhouse/internal/testnet"
	"github.com/roundhouse/roundhouse/plugins"
)

func freePort(t *testing.T) int {
	t.Helper()
	p, err := testnet.Port()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Stop must let a request in flight finish, and the service must not
// report its end (after which the host kills the plugin) before that.
func TestServiceServerStopDrainsInFlightRequests(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	s := NewServiceServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		close(entered)
		<-release
		io.WriteString(w, "finished")
	}))
	port := freePort(t)
	if _, err := s.Start(context.Background(), plugins.StartRequest{Port: port}); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		body string
		err  error
	}
	got := make(chan answer, 1)
	go func() {
		resp, err := http.Get("http://127.0.0.1:" + strconv.Itoa(port) + "/slow")
		if err != nil {
			got <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- answer{string(b), err}
	}()
	<-entered
	stopped := make(chan error, 1)
	go func() { stopped <- s.Stop(context.Background(), plugins.StopRequest{Grace: 5 * time.Second}) }()
	waited := make(chan plugins.Outcome, 1)
	go func() { out, _ := s.Wait(context.Background()); waited <- out }()
	select {
	case <-waited:
		t.Fatal("the service reported its end while a request was in flight")
	case <-stopped:
		t.Fatal("Stop returned while a request was in flight")
	case <-time.After(200 * time.Millisecond): // nothing may happen: a negative, bounded wait
	}
	close(release)
	if a := <-got; a.err != nil || a.body != "finished" {
		t.Fatalf("in-flight request: %q %v", a.body, a.err)
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if out := <-waited; !out.Stopped || out.ExitCode != 0 {
		t.Fatalf("outcome %+v, want a clean stop", out)
	}
}
