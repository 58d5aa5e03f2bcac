package graphql

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/techconf/techconf"
)

// The media types of GraphQL over HTTP answers. application/json is what
// every client before the spec's watershed (the 2018 apps, Apollo 2)
// understands: request errors come with 200. With
// application/graphql-response+json the status code tells a request error
// (4xx, no data) from an executed operation (200).
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// httpTransport answers GraphQL over HTTP GET and POST as the GraphQL over
// HTTP spec says, for every request that is not a WebSocket, SSE or OPTIONS
// (those transports are registered before it). It replaces gqlgen's GET and
// POST transports, which refuse text/plain bodies with "transport not
// supported" and answer request errors with "data": null.
type httpTransport struct{}

var _ graphql.Transport = httpTransport{}

func (httpTransport) Supports(r *http.Request) bool { return r.Header.Get("Upgrade") == "" }

func (httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	media := negotiate(r.Header.Get("Accept"))
	var params *graphql.RawParams
	var reqErr *requestError
	switch r.Method {
	case http.MethodGet:
		params, reqErr = getParams(r)
	case http.MethodPost:
		// apiHandler has checked the Content-Type, and read the body
		// (bounded in size) into memory.
		body, err := io.ReadAll(r.Body)
		if err != nil {
			reqErr = badRequest("could not read the request body")
			break
		}
		params, reqErr = postParams(body)
	default:
		reqErr = &requestError{err: techconf.Errorf(techconf.EMETHOD, "the GraphQL endpoint takes GET and POST"), allow: "GET, POST, OPTIONS"}
	}
	if reqErr != nil {
		reqErr.write(w, media)
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: graphql.Now(), End: graphql.Now()}

	ctx := r.Context()
	opCtx, errs := exec.CreateOperationContext(ctx, params)
	if errs == nil && opCtx.Operation.Operation != ast.Query && r.Method == http.MethodGet {
		// GET must not change anything: a link or a prefetch could.
		(&requestError{err: techconf.Errorf(techconf.EMETHOD, "a %s cannot be sent with GET; use POST", opCtx.Operation.Operation), allow: "POST"}).write(w, media)
		return
	}
	if errs == nil && opCtx.Operation.Operation == ast.Subscription {
		errs = gqlerror.List{{Message: "a subscription needs a WebSocket (graphql-transport-ws or graphql-ws) or Server-Sent Events (POST with Accept: text/event-stream)",
			Extensions: map[string]any{"code": techconf.ETRANSPORT}}}
	}
	if errs != nil {
		// A request error: nothing was executed, so there is no data entry
		// (the GraphQL spec), and the status says so to clients that asked
		// for application/graphql-response+json.
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs)
		status := http.StatusOK
		if media == mediaGraphQLResponse {
			status = http.StatusBadRequest
		}
		writeResponse(w, media, status, resp)
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	writeResponse(w, media, http.StatusOK, responses(ctx))
}

// negotiate picks the answer's media type from an Accept header:
// application/graphql-response+json when the client prefers it,
// application/json otherwise, also for no Accept, wildcards and types we
// do not make (legacy clients send all sorts; the spec allows answering
// them with application/json).
func negotiate(accept string) string {
	if accept == "" {
		return mediaJSON
	}
	var qGraphQL, qJSON float64
	for part := range strings.SplitSeq(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if s, ok := params["q"]; ok {
			if v, err := strconv.ParseFloat(s, 64); err == nil && v >= 0 && v <= 1 {
				q = v
			}
		}
		switch mt {
		case mediaGraphQLResponse:
			qGraphQL = max(qGraphQL, q)
		case mediaJSON, "*/*", "application/*":
			qJSON = max(qJSON, q)
		}
	}
	if qGraphQL > 0 && qGraphQL >= qJSON {
		return mediaGraphQLResponse
	}
	return mediaJSON
}

// bodyMediaTypes are the request bodies read as JSON. text/plain is what
// Dart's http package sends by default (the 2018 Flutter app), and what the
// 2018 server (gqlgen 0.7) read as JSON.
var bodyMediaTypes = map[string]bool{mediaJSON: true, mediaGraphQLResponse: true, "text/plain": true}

// checkContentType says why a POST body cannot be read, or nil. Any charset
// parameter is accepted: JSON is UTF-8 (RFC 8259), whatever a client
// labels it.
//
// text/plain is refused from browsers (a request that carries Origin or
// Sec-Fetch-Mode, which browsers always send on cross-site POSTs): a
// browser sends a text/plain POST cross-site without a CORS preflight, so
// reading it would let any web page create likes in a visitor's name. Apps
// and scripts (the Flutter app) send neither header.
func checkContentType(r *http.Request) *requestError {
	// Built only on a refusal: every API request passes here.
	unsupported := func(message string) *requestError {
		return &requestError{err: &techconf.Error{Code: techconf.EMEDIATYPE, Message: message}}
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return unsupported("the request has no Content-Type; send the JSON body with Content-Type: application/json")
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || !bodyMediaTypes[mt] {
		return unsupported("the request body must be JSON, sent with Content-Type: application/json")
	}
	if mt == "text/plain" && (r.Header.Get("Origin") != "" || r.Header.Get("Sec-Fetch-Mode") != "") {
		return unsupported("a browser must send the JSON body with Content-Type: application/json (text/plain is read only from apps, as it could be a cross-site request)")
	}
	return nil
}

// rawRequest holds the parameters of a POST body before their types are
// checked: the spec wants a 400 for a query that is not a string, variables
// that are not an object, and so on.
type rawRequest struct {
	Query         json.RawMessage `json:"query"`
	OperationName json.RawMessage `json:"operationName"`
	Variables     json.RawMessage `json:"variables"`
	Extensions    json.RawMessage `json:"extensions"`
}

func postParams(body []byte) (*graphql.RawParams, *requestError) {
	bad := badRequest
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, bad("the request body is empty; send a JSON object with a query")
	}
	if body[0] != '{' {
		return nil, bad("the request body must be a JSON object with a query")
	}
	var raw rawRequest
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, bad("the request body is not valid JSON")
	}
	p := &graphql.RawParams{}
	if !isNull(raw.Query) && json.Unmarshal(raw.Query, &p.Query) != nil {
		return nil, bad("query must be a string")
	}
	if !isNull(raw.OperationName) && json.Unmarshal(raw.OperationName, &p.OperationName) != nil {
		return nil, bad("operationName must be a string or null")
	}
	if err := decodeObject(raw.Variables, &p.Variables); err != nil {
		return nil, bad("variables must be a JSON object or null")
	}
	if err := decodeObject(raw.Extensions, &p.Extensions); err != nil {
		return nil, bad("extensions must be a JSON object or null")
	}
	if p.Query == "" && p.Extensions["persistedQuery"] == nil {
		return nil, bad("the request has no query")
	}
	return p, nil
}

// getParams reads the parameters of a GET request from its URL.
func getParams(r *http.Request) (*graphql.RawParams, *requestError) {
	bad := badRequest
	q := r.URL.Query()
	p := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName")}
	if err := decodeObject(json.RawMessage(q.Get("variables")), &p.Variables); err != nil {
		return nil, bad("variables must be URL-encoded JSON object")
	}
	if err := decodeObject(json.RawMessage(q.Get("extensions")), &p.Extensions); err != nil {
		return nil, bad("extensions must be URL-encoded JSON object")
	}
	if p.Query == "" && p.Extensions["persistedQuery"] == nil {
		return nil, bad("the request has no query parameter")
	}
	return p, nil
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(raw) == "null"
}

// decodeObject decodes a JSON object (or nothing, or null) with numbers
// kept as json.Number, as gqlgen's variable coercion expects.
func decodeObject(raw json.RawMessage, out *map[string]any) error {
	raw = bytes.TrimSpace(raw)
	if isNull(raw) {
		return nil
	}
	if raw[0] != '{' {
		return fmt.Errorf("not an object")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(out)
}

// answer is graphql.Response with data left out when there is none: a
// request error has no data entry (not even null), as the GraphQL spec says.
type answer struct {
	Errors     gqlerror.List   `json:"errors,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
	Extensions map[string]any  `json:"extensions,omitempty"`
}

func writeResponse(w http.ResponseWriter, media string, status int, resp *graphql.Response) {
	if resp == nil {
		resp = &graphql.Response{Errors: gqlerror.List{{Message: "the request was cancelled", Extensions: map[string]any{"code": techconf.ECANCELLED}}}}
	}
	b, err := json.Marshal(answer{Errors: resp.Errors, Data: resp.Data, Extensions: resp.Extensions})
	if err != nil {
		status = http.StatusInternalServerError
		b = []byte(`{"errors":[{"message":"internal error","extensions":{"code":"` + techconf.EINTERNAL + `"}}]}`)
	}
	w.Header().Set("Content-Type", media) // JSON is UTF-8 (RFC 8259): no charset parameter
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// checkPOST says why a POST cannot be read as a GraphQL request before
// gqlgen sees it, or nil: an unreadable Content-Type (415) or a body that
// is not JSON (400).
func checkPOST(r *http.Request, body []byte) *requestError {
	if err := checkContentType(r); err != nil {
		return err
	}
	if !json.Valid(body) {
		msg := "the request body is not valid JSON"
		if len(bytes.TrimSpace(body)) == 0 {
			msg = "the request body is empty; send a JSON object with a query"
		}
		return badRequest(msg)
	}
	return nil
}
