package graphql

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// The createLike fast path. createLike is the one hot write, and clients
// send it as one of a few fixed documents with variables. For those, the
// handler skips gqlgen's parse, validation and execution: it recognises the
// document by its normalised text or its persisted query hash, reads the
// variables straight into the input (fastjson.go), calls the same
// resolver, and writes the answer from a template. Anything it is not sure
// about (another document or selection, an unexpected variable or name, a
// value of the wrong type, an Accept header it does not know, a hash it
// cannot find) takes gqlgen's path, so the answers are gqlgen's, byte for
// byte: TestFastPathMatchesGqlgen checks both on many inputs, including
// every error.

// fastField is one field of createLike's selection that the fast path can
// write.
type fastField int

const (
	fastCount fastField = iota
	fastClientMutationID
	fastLikeID
)

// fastDocumentTexts are the documents the fast path knows, as clients
// send them, with the selection each answer carries in order.
var fastDocumentTexts = map[string][]fastField{
	// The web page's like button (web/static/app.js) and techconf-bench.
	`mutation($input: CreateLikeInput!) { createLike(input: $input) { count } }`: {fastCount},
	// Relay clients, which match answers by clientMutationId.
	`mutation($input: CreateLikeInput!) { createLike(input: $input) { clientMutationId count } }`: {fastClientMutationID, fastCount},
	// Clients that keep the like's id.
	`mutation($input: CreateLikeInput!) { createLike(input: $input) { count like { id } } }`: {fastCount, fastLikeID},
}

// fastDocuments are the same documents by their normalised text, so that
// the same document written differently is known too.
var fastDocuments = func() map[string][]fastField {
	out := make(map[string][]fastField, len(fastDocumentTexts))
	for doc, fields := range fastDocumentTexts {
		out[normalizeDocument(doc)] = fields
	}
	return out
}()

// fastSelection returns the selection of a document the fast path knows,
// or nil. The texts clients send are looked up as they are first, which
// costs no normalising.
func fastSelection(doc []byte) []fastField {
	if fields, ok := fastDocumentTexts[string(doc)]; ok {
		return fields
	}
	return fastDocuments[normalizeDocument(string(doc))]
}

// pinnedDocuments are the automatic persisted queries (APQ) that every
// server knows from the start: the SHA-256 of each text the fast path
// knows. A client that sends only the hash of one of them is answered,
// by gqlgen and by the fast path alike, without first sending the text;
// they are pinned in the APQ cache (persistedCache) and never evicted.
var pinnedDocuments = func() map[string]string {
	out := make(map[string]string, len(fastDocumentTexts))
	for doc := range fastDocumentTexts {
		out[queryHash([]byte(doc))] = doc
	}
	return out
}()

// queryHash is the APQ hash of a document: gqlgen's, SHA-256 in lower-case
// hex.
func queryHash(doc []byte) string {
	sum := sha256.Sum256(doc)
	return hex.EncodeToString(sum[:])
}

// persistedCache is an edition's APQ cache, which gqlgen's extension and
// the fast path share, so that both find the same texts by their hashes:
// the pinned documents, then those clients have sent.
type persistedCache struct {
	*byteCache[string]
}

// Get implements graphql.Cache.
func (c persistedCache) Get(ctx context.Context, hash string) (string, bool) {
	if doc, ok := pinnedDocuments[hash]; ok {
		return doc, true
	}
	return c.byteCache.Get(ctx, hash)
}

// Add implements graphql.Cache; a pinned document needs no entry.
func (c persistedCache) Add(ctx context.Context, hash, doc string) {
	if _, ok := pinnedDocuments[hash]; !ok {
		c.byteCache.Add(ctx, hash, doc)
	}
}

// normalizeDocument removes what GraphQL ignores between tokens (white
// space, commas, line terminators) where it does not separate two names.
// It does not parse: a document with comments, strings or anything unusual
// normalises to a text that matches no known document, and takes gqlgen's
// path.
func normalizeDocument(doc string) string {
	if len(doc) > 512 {
		return ""
	}
	var b strings.Builder
	b.Grow(len(doc))
	space := false
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		switch c {
		case ' ', '\t', '\n', '\r', ',':
			space = true
			continue
		case '#', '"':
			return "" // comments and strings: not ours
		}
		if space && b.Len() > 0 && isNameByte(c) && isNameByte(b.String()[b.Len()-1]) {
			b.WriteByte(' ')
		}
		space = false
		b.WriteByte(c)
	}
	return b.String()
}

func isNameByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// fastInt accepts only what GraphQL's Int takes without question: a JSON
// integer literal of at most 9 digits (so within 32 bits); not a string,
// not a fraction or an exponent.
func fastInt(s []byte) (int, bool) {
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	if len(s) == 0 || len(s) > 9 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	v := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		v = v*10 + int(s[i]-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

// decodeFast returns the input and selection of a request the fast path
// takes, and its document's text, or ok false. A persisted query is
// handled as gqlgen's extension does: a hash alone is looked up in the
// shared cache; a hash with its text is checked against it, and the text
// kept for the requests that will send the hash alone.
func (h *apiHandler) decodeFast(ctx context.Context, body []byte) (in CreateLikeInput, fields []fastField, query []byte, ok bool) {
	fb, ok := readFastBody(body)
	if !ok {
		return in, nil, nil, false
	}
	text := fb.query // still in the body: looking it up allocates nothing
	if fb.hash != "" {
		if len(text) == 0 {
			q, found := h.apq.Get(ctx, fb.hash)
			if !found {
				return in, nil, nil, false // gqlgen says PersistedQueryNotFound
			}
			text = []byte(q)
		} else if queryHash(text) != fb.hash {
			return in, nil, nil, false // gqlgen says the hash does not match
		}
	}
	if fields = fastSelection(text); fields == nil {
		return in, nil, nil, false
	}
	if fb.hash != "" && len(fb.query) > 0 {
		h.apq.Add(ctx, fb.hash, string(text))
	}
	return fb.input, fields, text, true
}

// fieldLocation is where gqlgen says createLike is in the document: line
// and column, from 1. The document is one that normalizeDocument accepted,
// so before the field there are only ASCII names, punctuation, white space
// and line terminators (\n, \r\n or \r).
func fieldLocation(query string) gqlerror.Location {
	at := strings.Index(query, "createLike(")
	if at < 0 {
		at = strings.Index(query, "createLike")
	}
	line, start := 1, 0
	for i := 0; i < at; i++ {
		switch query[i] {
		case '\n':
			line, start = line+1, i+1
		case '\r':
			// As gqlparser's lexer counts: the line starts after the \r,
			// and a \n that follows it is in the new line's columns.
			line, start = line+1, i+1
			if i+1 < at && query[i+1] == '\n' {
				i++
			}
		}
	}
	return gqlerror.Location{Line: line, Column: at - start + 1}
}

// serveFast answers a createLike the fast path recognises and reports
// whether it did; when it did not, nothing was written. It runs before
// the body is checked as JSON: it accepts only a body it has read whole.
func (h *apiHandler) serveFast(w http.ResponseWriter, r *http.Request, body []byte) bool {
	if h.resolver == nil || r.Method != http.MethodPost || r.Header.Get("Upgrade") != "" {
		return false
	}
	if ct := r.Header.Get("Content-Type"); ct != mediaJSON {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != mediaJSON {
			return false
		}
	}
	if accept := r.Header.Get("Accept"); accept != "" && (negotiate(accept) != mediaJSON || isSSE(r)) {
		return false
	}
	// Every other request (the timetable above all) would pay for reading
	// the body here; a createLike names its field literally (one that
	// escapes it in JSON takes gqlgen's path, which is correct), or
	// sends a persisted query's hash.
	if !bytes.Contains(body, []byte("createLike")) && !bytes.Contains(body, []byte("persistedQuery")) {
		return false
	}
	input, fields, query, ok := h.decodeFast(r.Context(), body)
	if !ok {
		return false
	}
	start := time.Now()
	// The deadline of gqlgen's path without its timer: createLike's only
	// wait (a durable acknowledgement) keeps the deadline itself, from the
	// buffer's one ticker (like.Buffer.AddUntil). Nothing else here
	// waits on ctx.
	ctx := deadlineContext{Context: r.Context(), deadline: start.Add(h.opts.RequestTimeout)}
	payload, err := h.resolver.Mutation().CreateLike(ctx, input)
	var out []byte
	outcome := "ok"
	if err != nil {
		wrapped := gqlerror.WrapPath(ast.Path{ast.PathName("createLike")}, err)
		wrapped.Locations = []gqlerror.Location{fieldLocation(string(query))}
		gqlErr := presentError(ctx, h.opts.Logger, wrapped)
		outcome = "error"
		if code, ok := gqlErr.Extensions["code"].(string); ok && code != "" {
			outcome = code
		}
		var mErr error
		out, mErr = json.Marshal(&graphql.Response{Errors: gqlerror.List{gqlErr}, Data: []byte(`{"createLike":null}`)})
		if mErr != nil {
			return false // cannot happen with these values; gqlgen's path would say what is wrong
		}
	} else {
		out = h.fastAnswer(ctx, payload, fields)
	}
	if h.opts.OnOperation != nil {
		h.opts.OnOperation(h.names.name(""), string(ast.Mutation), outcome, time.Since(start))
	}
	w.Header()["Content-Type"] = fastContentType // as httpTransport answers
	_, _ = w.Write(out)
	fastServed.Add(1)
	return true
}

// fastContentType is the answer's Content-Type header, shared by every
// answer (net/http only reads it).
var fastContentType = []string{mediaJSON}

// fastServed counts the answers of the fast path, for the tests to know
// which path answered.
var fastServed atomic.Int64

// fastAnswer writes the answer as gqlgen's marshalers and
// writeResponse's json.Marshal do: the data, then the whole compacted with
// <, >, &, U+2028 and U+2029 escaped. Only a clientMutationId can hold
// those, and such an answer goes through json.Marshal itself.
func (h *apiHandler) fastAnswer(ctx context.Context, p *CreateLikePayload, fields []fastField) []byte {
	b := bytes.NewBuffer(make([]byte, 0, 128))
	b.WriteString(`{"data":{"createLike":{`)
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		switch f {
		case fastCount:
			b.WriteString(`"count":`)
			b.Write(strconv.AppendInt(b.AvailableBuffer(), int64(p.Count), 10))
		case fastClientMutationID:
			b.WriteString(`"clientMutationId":`)
			if p.ClientMutationID == nil {
				b.WriteString("null")
			} else {
				graphql.MarshalString(*p.ClientMutationID).MarshalGQL(b)
			}
		case fastLikeID:
			id, _ := h.resolver.Like().ID(ctx, p.Like)
			b.WriteString(`"like":{"id":`)
			graphql.MarshalID(id).MarshalGQL(b)
			b.WriteByte('}')
		}
	}
	b.WriteString(`}}}`)
	out := b.Bytes()
	if bytes.ContainsAny(out, "<>&\u2028\u2029") {
		data := out[len(`{"data":`) : len(out)-1]
		if escaped, err := json.Marshal(&graphql.Response{Data: data}); err == nil {
			return escaped
		}
	}
	return out
}

// deadlineContext reports a deadline that nothing enforces by itself: its
// Done and Err are its parent's. Only for a callee that enforces the
// deadline on its own (the like service), where context.WithTimeout's
// timer and registration with the parent cost about 2 µs per createLike.
type deadlineContext struct {
	context.Context
	deadline time.Time
}

// Deadline returns the deadline.
func (c deadlineContext) Deadline() (time.Time, bool) { return c.deadline, true }
