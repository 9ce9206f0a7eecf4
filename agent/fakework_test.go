package agent

import (
	"bytes"
	"sync"
	"time"

	"github.com/quic-go/quic-go"

	"github.com/roundhouse/roundhouse/protocol"
)

// work is the fake server's side of work and artifact streams: it serves
// archives by digest, lets a test push messages on the latest work
// stream, and collects what the agent reports about deployments.
type work struct {
	wmu       sync.Mutex
	artifacts map[string][]byte
	stream    *quic.Stream // the latest work stream
	opens     int          // work streams opened so far
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

// serveStream serves a work or artifact stream whose first message m
// the session's stream loop read.
func (s *fakeServer) serveStream(str *quic.Stream, m protocol.Message) {
	switch msg := m.(type) {
	case *protocol.ArtifactRequest:
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
	case *protocol.WorkOpen:
		s.wmu.Lock()
		s.stream = str
		s.opens++
		session := s.opens
		s.wmu.Unlock()
		s.readWork(str, session)
	}
}

func (s *fakeServer) readWork(str *quic.Stream, session int) {
	for {
		m, err := protocol.ReadMessage(str)
		if err != nil {
			return
		}
		s.wmu.Lock()
		switch msg := m.(type) {
		case *protocol.DeploymentStatus:
			s.statuses = append(s.statuses, *msg)
		case *protocol.DeploymentReport:
			s.reports = append(s.reports, sessionReport{session, *msg})
		case *protocol.DeploymentMetrics:
			s.metrics = append(s.metrics, *msg)
		}
		s.wmu.Unlock()
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
