package protocol

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"reflect"
	"testing"
)

func TestMessagesRoundTrip(t *testing.T) {
	msgs := []Message{
		&Error{Code: CodeKeyUsed, Message: "used"},
		&PairRequest{Key: "k", CSR: []byte{1, 2}, Facts: HostFacts{Hostname: "h", CPUs: 2}},
		&PairResponse{EngineID: "e1", Certificate: []byte{3}, CACertificate: []byte{4}},
		&Hello{EngineID: "e1", AgentVersion: "dev"},
		&Welcome{NodeID: "n1", HeartbeatIntervalMillis: 1000},
		&Heartbeat{Seq: 7, Summary: HostSummary{CPUPercent: 1.5}},
		&HeartbeatAck{Seq: 7},
		&RenewRequest{CSR: []byte{5}},
		&RenewResponse{Certificate: []byte{6}},
		&WorkOpen{Running: 1},
		&WorkOpen{Running: 1, Known: []ExecutionRef{{ExecutionID: "x", Attempt: 2}}},
		&StartExecution{ExecutionID: "x", Attempt: 1, Artifact: ArtifactRef{Digest: "sha256:00", Size: 3}, Entrypoint: []string{"./run.sh"}},
		&StopExecution{ExecutionID: "x", Attempt: 1},
		&ExecutionStatus{ExecutionID: "x", Attempt: 1, Status: ExecSuccess},
		&StatusAck{ExecutionID: "x", Attempt: 1, Status: ExecSuccess},
		&LogBatch{ExecutionID: "x", Lines: []LogLine{{Message: "hi"}, {Message: "numbered", Seq: 7}}},
		&LogAck{ExecutionID: "x", Attempt: 1, Seq: 7},
		&ArtifactRequest{Digest: "sha256:00"},
		&ArtifactHeader{Digest: "sha256:00", Size: 3},
		&Deploy{DeploymentID: "d", TaskID: "t", BinaryType: "microservice", Port: 8080, HealthPath: "/health", HealthTimeoutMillis: 5000},
		&Undeploy{DeploymentID: "d", TaskID: "t", Reason: "user"},
		&DeploymentStatus{DeploymentID: "d", TaskID: "t", Status: DeployRunning, SubStatus: SubExecuting, Port: 8080, Healthy: true},
		&DeploymentReport{Deployments: []DeploymentStatus{{DeploymentID: "d", Status: DeployFailed, SubStatus: SubExecutionFailed}}},
		&DeploymentMetrics{DeploymentID: "d", TaskID: "t", RequestsTotal: 9, ExchangesFailed: 1},
	}
	var buf bytes.Buffer
	for _, m := range msgs {
		if err := WriteMessage(&buf, m); err != nil {
			t.Fatalf("write %T: %v", m, err)
		}
	}
	for _, want := range msgs {
		got, err := ReadMessage(&buf)
		if err != nil {
			t.Fatalf("read %T: %v", want, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("round trip changed the message:\n got %#v\nwant %#v", got, want)
		}
	}
	if _, err := ReadMessage(&buf); !errors.Is(err, io.EOF) {
		t.Fatalf("after last frame: %v, want EOF", err)
	}
}

func TestReadFrameRefusesBadInput(t *testing.T) {
	header := func(length uint32, version uint8, typ uint16) []byte {
		b := binary.BigEndian.AppendUint32(nil, length)
		b = append(b, version)
		return binary.BigEndian.AppendUint16(b, typ)
	}
	tests := []struct {
		name string
		in   []byte
		want error
	}{
		{"oversized length is refused before reading the body", header(MaxFrameSize+4, FrameVersion, 1), ErrFrameTooLarge},
		{"huge length", header(0xFFFFFFFF, FrameVersion, 1), ErrFrameTooLarge},
		{"unknown framing version", append(header(5, 9, 1), "{}"...), ErrFrameVersion},
		{"truncated header", []byte{0, 0}, io.ErrUnexpectedEOF},
		{"truncated body", append(header(10, FrameVersion, 1), "{}"...), io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadFrame(bytes.NewReader(tt.in), 0)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestUnknownTypesAndFieldsAreSkipped(t *testing.T) {
	var buf bytes.Buffer
	_ = WriteFrame(&buf, Frame{Version: FrameVersion, Type: 999, Body: []byte(`{"x":1}`)})
	_ = WriteFrame(&buf, Frame{Version: FrameVersion, Type: TypeHeartbeat, Body: []byte(`{"seq":3,"future":"field"}`)})
	m, err := ReadMessage(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if hb, ok := m.(*Heartbeat); !ok || hb.Seq != 3 {
		t.Fatalf("got %#v", m)
	}
}

func TestWriteFrameRefusesOversizedBody(t *testing.T) {
	err := WriteFrame(io.Discard, Frame{Version: FrameVersion, Type: 1, Body: make([]byte, MaxFrameSize+1)})
	if !errors.Is(err, ErrFrameTooLarge) {
		t.Fatalf("got %v", err)
	}
}

func FuzzReadMessage(f *testing.F) {
	var seed bytes.Buffer
	_ = WriteMessage(&seed, &Hello{EngineID: "e"})
	f.Add(seed.Bytes())
	for _, m := range []Message{
		&StartExecution{ExecutionID: "x", Attempt: 2, Parameters: map[string]string{"A": "b"}, Limits: Limits{MemoryMB: 64}},
		&ExecutionStatus{ExecutionID: "x", Status: ExecFailed, ExitCode: 3},
		&LogBatch{ExecutionID: "x", Lines: []LogLine{{Message: "line"}}},
		&ArtifactHeader{Digest: "sha256:00", Size: 1 << 40},
	} {
		var b bytes.Buffer
		_ = WriteMessage(&b, m)
		f.Add(b.Bytes())
	}
	f.Add([]byte{0, 0, 0, 3, 1, 0, 6})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 1, 0, 1})
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bytes.NewReader(in)
		for {
			fr, err := ReadFrame(r, 0)
			if err != nil {
				return
			}
			if len(fr.Body) > MaxFrameSize {
				t.Fatalf("body of %d bytes passed the cap", len(fr.Body))
			}
			m, err := Decode(fr)
			if err != nil {
				continue
			}
			// A decoded message re-encodes to a frame of the same type.
			again, err := Encode(m)
			if err == nil && again.Type != fr.Type {
				t.Fatalf("type changed: %d -> %d", fr.Type, again.Type)
			}
		}
	})
}
