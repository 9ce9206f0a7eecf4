package protocol

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// FrameVersion is the framing version this package writes. A frame with a
// different version byte is refused: the layout of the frame itself changed.
// Message bodies evolve compatibly instead (unknown JSON fields are ignored).
const FrameVersion = 1

// MaxFrameSize caps the body of one frame. Every message of the control
// stream is small; certificates and host facts fit in a few KiB.
const MaxFrameSize = 256 << 10

// headerSize is length (4) + version (1) + type (2).
const headerSize = 7

// Frame is one framed message on a stream: a big-endian uint32 length of
// what follows it, the version byte, a big-endian uint16 message type, and a
// JSON body.
type Frame struct {
	Version uint8
	Type    MessageType
	Body    []byte
}

// ErrFrameTooLarge is returned for a frame whose announced size exceeds the cap.
var ErrFrameTooLarge = errors.New("frame exceeds size cap")

// ErrFrameVersion is returned for a frame written with an unknown framing version.
var ErrFrameVersion = errors.New("unsupported frame version")

// ReadFrame reads one frame from r, refusing frames larger than maxBody
// (MaxFrameSize when maxBody <= 0) before allocating for them.
func ReadFrame(r io.Reader, maxBody int) (Frame, error) {
	if maxBody <= 0 {
		maxBody = MaxFrameSize
	}
	var hdr [headerSize]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return Frame{}, fmt.Errorf("read frame header: %w", err)
	}
	n := binary.BigEndian.Uint32(hdr[0:4])
	if n < headerSize-4 {
		return Frame{}, fmt.Errorf("read frame: length %d shorter than header", n)
	}
	bodyLen := int64(n) - (headerSize - 4)
	if bodyLen > int64(maxBody) {
		return Frame{}, fmt.Errorf("read frame of %d bytes (cap %d): %w", bodyLen, maxBody, ErrFrameTooLarge)
	}
	f := Frame{Version: hdr[4], Type: MessageType(binary.BigEndian.Uint16(hdr[5:7]))}
	if f.Version != FrameVersion {
		return Frame{}, fmt.Errorf("read frame version %d: %w", f.Version, ErrFrameVersion)
	}
	f.Body = make([]byte, bodyLen)
	if _, err := io.ReadFull(r, f.Body); err != nil {
		return Frame{}, fmt.Errorf("read frame body: %w", err)
	}
	return f, nil
}

// AppendFrame appends the encoding of f to b.
func AppendFrame(b []byte, f Frame) ([]byte, error) {
	if len(f.Body) > MaxFrameSize {
		return b, fmt.Errorf("write frame of %d bytes: %w", len(f.Body), ErrFrameTooLarge)
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(f.Body)+headerSize-4))
	b = append(b, f.Version)
	b = binary.BigEndian.AppendUint16(b, uint16(f.Type))
	return append(b, f.Body...), nil
}

// WriteFrame writes f to w in one Write call, so a frame is never
// interleaved with another writer's on a stream that serialises writes.
func WriteFrame(w io.Writer, f Frame) error {
	b, err := AppendFrame(make([]byte, 0, headerSize+len(f.Body)), f)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	return nil
}
