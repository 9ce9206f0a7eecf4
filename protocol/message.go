package protocol

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// MessageType identifies the body of a frame. Values are part of the wire
// contract: never renumber, only add.
type MessageType uint16

// Message types of pairing and of the session's request streams.
const (
	TypeError         MessageType = 1
	TypePairRequest   MessageType = 2
	TypePairResponse  MessageType = 3
	TypeHello         MessageType = 4
	TypeWelcome       MessageType = 5
	TypeHeartbeat     MessageType = 6
	TypeHeartbeatAck  MessageType = 7
	TypeRenewRequest  MessageType = 8
	TypeRenewResponse MessageType = 9
)

// Message is a body that can be framed.
type Message interface {
	MessageType() MessageType
}

// ErrUnknownMessage is returned by Decode for a type this version does not
// know; readers skip such frames (forward compatibility).
var ErrUnknownMessage = errors.New("unknown message type")

// Encode frames m.
func Encode(m Message) (Frame, error) {
	body, err := json.Marshal(m)
	if err != nil {
		return Frame{}, fmt.Errorf("encode message %d: %w", m.MessageType(), err)
	}
	return Frame{Version: FrameVersion, Type: m.MessageType(), Body: body}, nil
}

// WriteMessage encodes m and writes it as one frame.
func WriteMessage(w io.Writer, m Message) error {
	f, err := Encode(m)
	if err != nil {
		return err
	}
	return WriteFrame(w, f)
}

// Decode turns a frame into its typed message. Unknown JSON fields are
// ignored; an unknown type yields ErrUnknownMessage.
func Decode(f Frame) (Message, error) {
	m := newMessage(f.Type)
	if m == nil {
		return nil, fmt.Errorf("decode message type %d: %w", f.Type, ErrUnknownMessage)
	}
	if err := json.Unmarshal(f.Body, m); err != nil {
		return nil, fmt.Errorf("decode message type %d: %w", f.Type, err)
	}
	return m, nil
}

// ReadMessage reads frames from r until one of a known type arrives, and
// returns it decoded. Frames of unknown types are skipped.
func ReadMessage(r io.Reader) (Message, error) {
	for {
		f, err := ReadFrame(r, MaxFrameSize)
		if err != nil {
			return nil, err
		}
		m, err := Decode(f)
		if errors.Is(err, ErrUnknownMessage) {
			continue
		}
		return m, err
	}
}

func newMessage(t MessageType) Message {
	switch t {
	case TypeError:
		return &Error{}
	case TypePairRequest:
		return &PairRequest{}
	case TypePairResponse:
		return &PairResponse{}
	case TypeHello:
		return &Hello{}
	case TypeWelcome:
		return &Welcome{}
	case TypeHeartbeat:
		return &Heartbeat{}
	case TypeHeartbeatAck:
		return &HeartbeatAck{}
	case TypeRenewRequest:
		return &RenewRequest{}
	case TypeRenewResponse:
		return &RenewResponse{}
	}
	return newWorkMessage(t)
}

func newWorkMessage(t MessageType) Message {
	switch t {
	case TypeWorkOpen:
		return &WorkOpen{}
	case TypeStartExecution:
		return &StartExecution{}
	case TypeStopExecution:
		return &StopExecution{}
	case TypeExecutionStatus:
		return &ExecutionStatus{}
	case TypeStatusAck:
		return &StatusAck{}
	case TypeLogBatch:
		return &LogBatch{}
	case TypeLogAck:
		return &LogAck{}
	case TypeArtifactRequest:
		return &ArtifactRequest{}
	case TypeArtifactHeader:
		return &ArtifactHeader{}
	case TypeStreamOpen:
		return &StreamOpen{}
	}
	return newDeployMessage(t)
}
