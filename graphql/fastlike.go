package graphql

import (
	"bytes"
	"context"
	"encoding/json"
	"mime"
	"net/http"
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
// document by its normalised text, decodes the variables straight into the
// input, calls the same resolver, and writes the answer from a template.
// Anything it is not sure about (another document or selection, an
// unexpected variable, a value of the wrong type, an Accept header it does
// not know, a persisted query) takes gqlgen's path, so the answers are
// gqlgen's, byte for byte: TestFastPathMatchesGqlgen checks both on many
// inputs, including every error.

// fastField is one field of createLike's selection that the fast path can
// write.
type fastField int

const (
	fastCount fastField = iota
	fastClientMutationID
	fastLikeID
)

// fastDocuments are the documents the fast path knows, as their
// normalised text, with the selection each answer carries in order.
var fastDocuments = func() map[string][]fastField {
	docs := map[string][]fastField{
		// The web page's like button (web/static/app.js) and techconf-bench.
		`mutation($input: CreateLikeInput!) { createLike(input: $input) { count } }`: {fastCount},
		// Relay clients, which match answers by clientMutationId.
		`mutation($input: CreateLikeInput!) { createLike(input: $input) { clientMutationId count } }`: {fastClientMutationID, fastCount},
		// Clients that keep the like's id.
		`mutation($input: CreateLikeInput!) { createLike(input: $input) { count like { id } } }`: {fastCount, fastLikeID},
	}
	out := make(map[string][]fastField, len(docs))
	for doc, fields := range docs {
		out[normalizeDocument(doc)] = fields
	}
	return out
}()

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

// fastRequest is a POST body the fast path may take: no operation name, no
// extensions (persisted queries go to gqlgen), and only the input variable.
type fastRequest struct {
	Query         string          `json:"query"`
	OperationName string          `json:"operationName"`
	Variables     json.RawMessage `json:"variables"`
	Extensions    json.RawMessage `json:"extensions"`
}

type fastVariables struct {
	Input *struct {
		ClientMutationID *string         `json:"clientMutationId"`
		UUID             *string         `json:"uuid"`
		SessionID        json.RawMessage `json:"sessionId"`
		Count            json.RawMessage `json:"count"`
		RequestID        *string         `json:"requestId"`
	} `json:"input"`
}

// fastInt accepts only what GraphQL's Int takes without question: a JSON
// integer literal of at most 9 digits (so within 32 bits); not a string,
// not a fraction or an exponent.
func fastInt(raw json.RawMessage) (int, bool) {
	s := string(raw)
	neg := strings.HasPrefix(s, "-")
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
// takes, or ok false.
func decodeFast(body []byte) (in CreateLikeInput, fields []fastField, query string, ok bool) {
	var req fastRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if dec.Decode(&req) != nil || dec.More() {
		return in, nil, "", false
	}
	if req.OperationName != "" || (len(req.Extensions) > 0 && string(req.Extensions) != "null") {
		return in, nil, "", false
	}
	fields = fastDocuments[normalizeDocument(req.Query)]
	if fields == nil {
		return in, nil, "", false
	}
	var vars fastVariables
	dec = json.NewDecoder(bytes.NewReader(req.Variables))
	dec.DisallowUnknownFields()
	if dec.Decode(&vars) != nil || dec.More() || vars.Input == nil || vars.Input.UUID == nil {
		return in, nil, "", false
	}
	v := vars.Input
	session, okInt := fastInt(v.SessionID)
	if !okInt {
		return in, nil, "", false
	}
	in = CreateLikeInput{ClientMutationID: v.ClientMutationID, UUID: *v.UUID, SessionID: session, RequestID: v.RequestID}
	if len(v.Count) > 0 && string(v.Count) != "null" {
		count, okInt := fastInt(v.Count)
		if !okInt {
			return in, nil, "", false
		}
		in.Count = &count
	}
	return in, fields, req.Query, true
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
// whether it did; when it did not, nothing was written.
func (h *apiHandler) serveFast(w http.ResponseWriter, r *http.Request, body []byte) bool {
	if h.resolver == nil || r.Method != http.MethodPost || r.Header.Get("Upgrade") != "" || negotiate(r.Header.Get("Accept")) != mediaJSON {
		return false
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return false
	}
	// Every other request (the timetable above all) would pay for a full
	// JSON decode here; a createLike document names its field literally
	// (one that escapes it in JSON takes gqlgen's path, which is correct).
	if !bytes.Contains(body, []byte("createLike")) || isSSE(r) {
		return false
	}
	input, fields, query, ok := decodeFast(body)
	if !ok {
		return false
	}
	start := time.Now()
	ctx, cancel := context.WithTimeout(r.Context(), h.opts.RequestTimeout)
	defer cancel()
	payload, err := h.resolver.Mutation().CreateLike(ctx, input)
	resp := &graphql.Response{}
	outcome := "ok"
	if err != nil {
		wrapped := gqlerror.WrapPath(ast.Path{ast.PathName("createLike")}, err)
		wrapped.Locations = []gqlerror.Location{fieldLocation(query)}
		gqlErr := presentError(ctx, h.opts.Logger, wrapped)
		resp.Errors = gqlerror.List{gqlErr}
		resp.Data = []byte(`{"createLike":null}`)
		outcome = "error"
		if code, ok := gqlErr.Extensions["code"].(string); ok && code != "" {
			outcome = code
		}
	} else {
		resp.Data = h.fastData(ctx, payload, fields)
	}
	out, mErr := json.Marshal(resp)
	if mErr != nil {
		return false // cannot happen with these values; gqlgen's path would say what is wrong
	}
	if h.opts.OnOperation != nil {
		h.opts.OnOperation(h.names.name(""), string(ast.Mutation), outcome, time.Since(start))
	}
	w.Header().Set("Content-Type", mediaJSON) // as httpTransport answers
	_, _ = w.Write(out)
	fastServed.Add(1)
	return true
}

// fastServed counts the answers of the fast path, for the tests to know
// which path answered.
var fastServed atomic.Int64

// fastData writes the answer's data as gqlgen's marshalers do.
func (h *apiHandler) fastData(ctx context.Context, p *CreateLikePayload, fields []fastField) []byte {
	var b bytes.Buffer
	b.WriteString(`{"createLike":{`)
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		switch f {
		case fastCount:
			b.WriteString(`"count":`)
			graphql.MarshalInt(p.Count).MarshalGQL(&b)
		case fastClientMutationID:
			b.WriteString(`"clientMutationId":`)
			if p.ClientMutationID == nil {
				b.WriteString("null")
			} else {
				graphql.MarshalString(*p.ClientMutationID).MarshalGQL(&b)
			}
		case fastLikeID:
			id, _ := h.resolver.Like().ID(ctx, p.Like)
			b.WriteString(`"like":{"id":`)
			graphql.MarshalID(id).MarshalGQL(&b)
			b.WriteByte('}')
		}
	}
	b.WriteString(`}}`)
	return b.Bytes()
}
