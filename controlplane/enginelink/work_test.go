package enginelink_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/controlplane/enginelink"
	"github.com/roundhouse/roundhouse/controlplane/enginelink/enginelinktest"
	"github.com/roundhouse/roundhouse/protocol"
)

// fakeWork is an in-memory enginelink.Work.
type fakeWork struct {
	mu        sync.Mutex
	list      []enginelink.Assignment
	changed   chan struct{}
	failFirst int // reports refused as transient before one is recorded
	reports   []protocol.ExecutionStatus
	blobs     map[string][]byte
}

func newFakeWork() *fakeWork {
	return &fakeWork{changed: make(chan struct{}), blobs: map[string][]byte{}}
}

func (f *fakeWork) set(list ...enginelink.Assignment) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.list = list
	close(f.changed)
	f.changed = make(chan struct{})
}

func (f *fakeWork) Assignments(string) ([]enginelink.Assignment, <-chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]enginelink.Assignment(nil), f.list...), f.changed
}

func (f *fakeWork) ReportStatus(_ context.Context, _ string, st *protocol.ExecutionStatus) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failFirst > 0 {
		f.failFirst--
		return errors.New("no leader yet")
	}
	f.reports = append(f.reports, *st)
	return nil
}

func (f *fakeWork) AppendLogs(context.Context, string, *protocol.LogBatch) error { return nil }

func (f *fakeWork) OpenArtifact(_ context.Context, digest string) (io.ReadCloser, int64, error) {
	b, ok := f.blobs[digest]
	if !ok {
		return nil, 0, enginelink.ErrArtifactNotFound
	}
	return io.NopCloser(bytes.NewReader(b)), int64(len(b)), nil
}

func workSession(t *testing.T, work *fakeWork) (*quic.Conn, *quic.Stream) {
	t.Helper()
	dir := enginelinktest.NewDirectory()
	srv := startServer(t, dir, &beatLog{}, func(c *enginelink.Config) { c.Work = work })
	key := dir.AddEngine("eng-1", time.Hour)
	e := newTestEngine(t)
	if _, ok := e.pair(t, srv.Addr(), key.String(), dir.Authority).(*protocol.PairResponse); !ok {
		t.Fatal("pairing failed")
	}
	conn, _, err := e.session(t, srv.Addr(), dir.Authority, e.tlsCert(), "eng-1")
	if err != nil {
		t.Fatal(err)
	}
	str, err := conn.OpenStreamSync(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := protocol.WriteMessage(str, &protocol.WorkOpen{}); err != nil {
		t.Fatal(err)
	}
	return conn, str
}

func next(t *testing.T, str *quic.Stream) protocol.Message {
	t.Helper()
	_ = str.SetReadDeadline(time.Now().Add(3 * time.Second))
	m, err := protocol.ReadMessage(str)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	return m
}

// The work stream pushes a waiting execution once, a stop when it leaves
// the engine's set, and acknowledges a status only once it is recorded.
func TestWorkStreamAssignsOnceStopsAndAcksRecordedStatuses(t *testing.T) {
	work := newFakeWork()
	start := &protocol.StartExecution{ExecutionID: "x1", Attempt: 1, Artifact: protocol.ArtifactRef{Digest: "sha256:00"}}
	work.set(enginelink.Assignment{ExecutionID: "x1", Attempt: 1, Start: start})
	_, str := workSession(t, work)
	if m, ok := next(t, str).(*protocol.StartExecution); !ok || m.ExecutionID != "x1" {
		t.Fatalf("first message %#v, want the start of x1", m)
	}
	work.set(enginelink.Assignment{ExecutionID: "x1", Attempt: 1, Start: start}) // a change elsewhere: no second start
	work.set(enginelink.Assignment{ExecutionID: "x1", Attempt: 1})               // running
	work.set()                                                                   // ended here (a timeout)
	if m, ok := next(t, str).(*protocol.StopExecution); !ok || m.ExecutionID != "x1" || m.Attempt != 1 {
		t.Fatalf("got %#v, want the stop of x1", m)
	}

	work.mu.Lock()
	work.failFirst = 2
	work.mu.Unlock()
	if err := protocol.WriteMessage(str, &protocol.ExecutionStatus{ExecutionID: "x1", Attempt: 1, Status: protocol.ExecSuccess}); err != nil {
		t.Fatal(err)
	}
	ack, ok := next(t, str).(*protocol.StatusAck)
	if !ok || ack.ExecutionID != "x1" || ack.Status != protocol.ExecSuccess {
		t.Fatalf("got %#v, want the ack", ack)
	}
	work.mu.Lock()
	defer work.mu.Unlock()
	if len(work.reports) != 1 {
		t.Fatalf("recorded %d reports, want 1 (after two transient failures)", len(work.reports))
	}
}

// Archives stream raw after a header, past the frame size cap; an unknown
// digest and a stream opened with the wrong message get clear errors.
func TestArtifactStreamsServeArchivesByDigest(t *testing.T) {
	work := newFakeWork()
	big := bytes.Repeat([]byte("roundhouse"), 100_000) // 1 MB: over MaxFrameSize
	work.blobs["sha256:big"] = big
	conn, _ := workSession(t, work)
	ask := func(m protocol.Message) (*quic.Stream, protocol.Message) {
		str, err := conn.OpenStreamSync(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { str.CancelRead(0); _ = str.Close() })
		if err := protocol.WriteMessage(str, m); err != nil {
			t.Fatal(err)
		}
		return str, next(t, str)
	}
	str, m := ask(&protocol.ArtifactRequest{Digest: "sha256:big"})
	h, ok := m.(*protocol.ArtifactHeader)
	if !ok || h.Size != int64(len(big)) {
		t.Fatalf("got %#v, want a header of %d bytes", m, len(big))
	}
	got, err := io.ReadAll(io.LimitReader(str, h.Size))
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("read %d bytes (%v), want the archive", len(got), err)
	}
	for _, tt := range []struct {
		open protocol.Message
		code string
	}{
		{&protocol.ArtifactRequest{Digest: "sha256:missing"}, protocol.CodeArtifactNotFound},
		{&protocol.HeartbeatAck{Seq: 1}, protocol.CodeBadRequest},
	} {
		if _, m := ask(tt.open); func() bool { e, ok := m.(*protocol.Error); return !ok || e.Code != tt.code }() {
			t.Fatalf("opened with %T: %#v, want %s", tt.open, m, tt.code)
		}
	}
}
