package agent

import (
	"bytes"
	"context"
	"sync"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/protocol"
)

// work is the fake server's side of the work messages and artifact
// streams: it serves archives by digest, lets a test push messages on the
// latest session stream that opened its work, and collects what the
// agent reports about deployments.
type work struct {
	wmu       sync.Mutex
	artifacts map[string][]byte
	stream    *quic.Stream // the latest session stream with WorkOpen
	opens     int          // WorkOpens so far
	statuses  []protocol.DeploymentStatus
	reports   []sessionReport
	metrics   []protocol.DeploymentMetrics
}

// sessionReport is a report and the work stream (1, 2, ...) it came on.
type sessionReport struct {
	session int
	protocol.DeploymentReport
}

func (s *fakeServer) addArtifact(digest string, archive []byte) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.artifacts == nil {
		s.artifacts = map[string][]byte{}
	}
	s.artifacts[digest] = archive
}

// serveAnnounced serves the artifact stream a StreamOpen announced.
func (s *fakeServer) serveAnnounced(ctx context.Context, conn *quic.Conn) {
	str, err := conn.AcceptStream(ctx)
	if err != nil {
		return
	}
	m, err := protocol.ReadMessage(str)
	if err != nil {
		return
	}
	msg, ok := m.(*protocol.ArtifactRequest)
	if !ok {
		return
	}
	s.wmu.Lock()
	b, ok := s.artifacts[msg.Digest]
	s.wmu.Unlock()
	if !ok {
		_ = protocol.WriteMessage(str, &protocol.Error{Code: protocol.CodeArtifactNotFound, Message: "no artifact " + msg.Digest})
		return
	}
	if protocol.WriteMessage(str, &protocol.ArtifactHeader{Digest: msg.Digest, Size: int64(len(b))}) == nil {
		_, _ = bytes.NewReader(b).WriteTo(str)
	}
	_ = str.Close()
}

// workOpened makes str the stream push writes to and numbers the session.
func (s *fakeServer) workOpened(str *quic.Stream) int {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.stream = str
	s.opens++
	return s.opens
}

// recordWork keeps what the agent reports about deployments.
func (s *fakeServer) recordWork(m protocol.Message, session int) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	switch msg := m.(type) {
	case *protocol.DeploymentStatus:
		s.statuses = append(s.statuses, *msg)
	case *protocol.DeploymentReport:
		s.reports = append(s.reports, sessionReport{session, *msg})
	case *protocol.DeploymentMetrics:
		s.metrics = append(s.metrics, *msg)
	}
}

// push sends m on the latest work stream, waiting up to 5 s for one.
func (s *fakeServer) push(m protocol.Message) {
	s.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		s.wmu.Lock()
		str := s.stream
		if str != nil {
			err := protocol.WriteMessage(str, m)
			s.wmu.Unlock()
			if err != nil {
				s.t.Fatalf("push %T: %v", m, err)
			}
			return
		}
		s.wmu.Unlock()
		if time.Now().After(deadline) {
			s.t.Fatalf("push %T: no work stream", m)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// statusesOf returns the statuses received for a deployment, in order.
func (s *fakeServer) statusesOf(deploymentID string) []protocol.DeploymentStatus {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	var out []protocol.DeploymentStatus
	for _, st := range s.statuses {
		if st.DeploymentID == deploymentID {
			out = append(out, st)
		}
	}
	return out
}

// lastStatus is the latest status of a deployment (zero if none).
func (s *fakeServer) lastStatus(deploymentID string) protocol.DeploymentStatus {
	all := s.statusesOf(deploymentID)
	if len(all) == 0 {
		return protocol.DeploymentStatus{}
	}
	return all[len(all)-1]
}

func (s *fakeServer) reportsSnapshot() []sessionReport {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return append([]sessionReport(nil), s.reports...)
}

func (s *fakeServer) metricsOf(deploymentID string) []protocol.DeploymentMetrics {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	var out []protocol.DeploymentMetrics
	for _, m := range s.metrics {
		if m.DeploymentID == deploymentID {
			out = append(out, m)
		}
	}
	return out
}

func (s *fakeServer) sessions() int {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.opens
}
