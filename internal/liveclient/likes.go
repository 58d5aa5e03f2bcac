package liveclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
)

// Likes is one likeAdded subscription on a connection of its own, in any
// of the three protocols: what a test needs that only counts the likes a
// subscriber sees (tests of the protocols' messages speak them frame by
// frame instead).
type Likes struct {
	ws    *WS
	sse   *SSE
	stop  func() bool
	proto string
}

// SubscribeLikes opens a connection to endpoint (an edition's http://
// query URL) and subscribes to likeAdded { likes total } of session, in
// protocol: "graphql-transport-ws", "graphql-ws" or "sse". The
// connection closes when ctx ends or on Close.
func SubscribeLikes(ctx context.Context, endpoint, protocol string, session int) (*Likes, error) {
	query := "subscription { likeAdded(sessionId: " + strconv.Itoa(session) + ") { likes total } }"
	l := &Likes{proto: protocol}
	switch protocol {
	case "sse":
		body, _ := json.Marshal(map[string]string{"query": query})
		s, err := DialSSE(ctx, endpoint, body)
		if err != nil {
			return nil, err
		}
		l.sse = s
	case "graphql-transport-ws", "graphql-ws":
		ws, err := DialWS(ctx, endpoint, protocol)
		if err != nil {
			return nil, err
		}
		start := "subscribe"
		if protocol == "graphql-ws" {
			start = "start"
		}
		for _, m := range []map[string]any{
			{"type": "connection_init"},
			{"id": "1", "type": start, "payload": map[string]any{"query": query}},
		} {
			if err := ws.WriteJSON(m); err != nil {
				ws.Close()
				return nil, err
			}
		}
		l.ws = ws
	default:
		return nil, fmt.Errorf("unknown protocol %q: want graphql-transport-ws, graphql-ws or sse", protocol)
	}
	l.stop = context.AfterFunc(ctx, func() { l.conn().Close() })
	return l, nil
}

// Next returns the next likeAdded event, answering pings and skipping
// acknowledgements and keep-alives. An error message of the protocol is
// an error; the subscription's end is io.EOF.
func (l *Likes) Next() (LikeEvent, error) {
	if l.sse != nil {
		for {
			ev, err := l.sse.Next()
			if err != nil {
				return LikeEvent{}, err
			}
			switch ev.Type {
			case "complete":
				return LikeEvent{}, io.EOF
			case "next":
				likes, total, ok := ParseSSE(ev.Data)
				if !ok {
					return LikeEvent{}, fmt.Errorf("not a likeAdded event: %.200s", ev.Data)
				}
				return LikeEvent{Type: ev.Type, Likes: likes, Total: total}, nil
			}
		}
	}
	for {
		data, err := l.ws.Read()
		if err != nil {
			return LikeEvent{}, err
		}
		m, ok := ParseWS(data)
		switch {
		case !ok:
			// An error's payload is a list, which ParseWS does not read.
			var e struct{ Type string }
			if json.Unmarshal(data, &e) == nil && (e.Type == "error" || e.Type == "connection_error") {
				return LikeEvent{}, fmt.Errorf("%s: %.200s", e.Type, data)
			}
			return LikeEvent{}, fmt.Errorf("not a message of %s: %.200s", l.proto, data)
		case m.Type == "next" || m.Type == "data":
			if err := eventError(data); err != nil {
				return LikeEvent{}, err
			}
			return m, nil
		case m.Type == "ping":
			if err := l.ws.WriteJSON(map[string]string{"type": "pong"}); err != nil {
				return LikeEvent{}, err
			}
		case m.Type == "complete":
			return LikeEvent{}, io.EOF
		case m.Type == "error" || m.Type == "connection_error":
			return LikeEvent{}, fmt.Errorf("%s: %.200s", m.Type, data)
		}
	}
}

// Close closes the connection at once.
func (l *Likes) Close() error {
	if l.stop != nil {
		l.stop()
	}
	return l.conn().Close()
}

func (l *Likes) conn() io.Closer {
	if l.sse != nil {
		return l.sse
	}
	return l.ws
}

// eventError is the error an event carries instead of data (gqlgen sends
// a refused subscription's errors as a next/data message), or nil. The
// usual event, in the shape ParseWS reads fast, is not parsed again.
func eventError(data []byte) error {
	if bytes.HasPrefix(data, []byte(`{"payload":{"data":{"likeAdded":{`)) {
		return nil
	}
	var m struct {
		Payload struct {
			Data   *struct{ LikeAdded *struct{} }
			Errors []struct{ Message string }
		}
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	if len(m.Payload.Errors) > 0 {
		return fmt.Errorf("subscription refused: %s", m.Payload.Errors[0].Message)
	}
	if m.Payload.Data == nil || m.Payload.Data.LikeAdded == nil {
		return fmt.Errorf("not a likeAdded event: %.200s", data)
	}
	return nil
}
