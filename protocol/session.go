package protocol

// TypeStreamOpen is numbered after LogAck.
const TypeStreamOpen MessageType = 31

// StreamOpen announces, on the session stream of a version-3 session, one
// stream the agent opens next for a bulk transfer (an artifact download,
// served by its first message like a version-2 stream). The server
// accepts exactly one stream per announcement: it waits for streams only
// when one is coming, instead of keeping a goroutine parked per session.
type StreamOpen struct{}

// MessageType implements Message.
func (*StreamOpen) MessageType() MessageType { return TypeStreamOpen }
