package graphql

import (
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/techconf/techconf"
)

// isSSE reports whether r is a Server-Sent Events stream: the same test as
// gqlgen's SSE transport, so that a request it does not take as a stream
// (a text/plain body, say) keeps the deadlines and limits of a request.
func isSSE(r *http.Request) bool {
	if r.Method != http.MethodPost || !strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
		return false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

// liftDeadlines removes the connection's read and write deadlines for an
// SSE stream once its body has been read: the server's read and write
// timeouts bound ordinary requests, but a subscription lasts as long as
// the client wants it (within the stream limits). WebSockets need no such
// step: hijacking the connection clears its deadlines.
func liftDeadlines(w http.ResponseWriter) {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
}

// answerLimit refuses an answer larger than max bytes before any of it is
// sent, with an error the client can act on. gqlgen writes an answer in one
// piece once it is complete, so the first Write sees its whole size; the
// status gqlgen chose is held back until then.
type answerLimit struct {
	http.ResponseWriter
	max     int
	status  int
	started bool
	refused bool
}

func (w *answerLimit) WriteHeader(code int) {
	if w.started {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.status = code
}

func (w *answerLimit) Write(b []byte) (int, error) {
	if w.refused {
		return len(b), nil
	}
	if !w.started {
		w.started = true
		if len(b) > w.max {
			w.refused = true
			WriteError(w.ResponseWriter, "", techconf.Errorf(techconf.EANSWERTOOLARGE,
				"the answer would be %d bytes, more than the %d allowed; ask for fewer fields or items", len(b), w.max))
			return len(b), nil
		}
		if w.status != 0 {
			w.ResponseWriter.WriteHeader(w.status)
		}
	}
	return w.ResponseWriter.Write(b)
}

// Flush sends a held status (an answer with no body) and flushes.
func (w *answerLimit) Flush() {
	if !w.started && w.status != 0 {
		w.started = true
		w.ResponseWriter.WriteHeader(w.status)
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// finish sends a status that was set but never followed by a body.
func (w *answerLimit) finish() {
	if !w.started && w.status != 0 {
		w.started = true
		w.ResponseWriter.WriteHeader(w.status)
	}
}

func (w *answerLimit) Unwrap() http.ResponseWriter { return w.ResponseWriter }
