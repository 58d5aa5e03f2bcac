// Package gqlclient is a small GraphQL client for techconf's API: it
// posts a query to one edition's endpoint and reads the answer as the
// GraphQL over HTTP spec shapes it, returning errors instead of judging
// the answer.
//
// It is shared by the test harness (internal/testserver wraps it with
// t.Fatal) and techconf-bench, so both read an answer one way. An answer
// with GraphQL errors is not an error of Do, Post or Get: tests assert on
// those errors, and the bench counts them by code.
package gqlclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// Client sends GraphQL requests to one edition's endpoint.
type Client struct {
	// Endpoint is the edition's query URL, e.g.
	// http://127.0.0.1:PORT/2018/api/query.
	Endpoint string
	// HTTP sends the requests; nil means http.DefaultClient.
	HTTP *http.Client
}

// New returns a Client for the edition at base (a server's base URL).
func New(base, edition string) *Client {
	return &Client{Endpoint: base + "/" + edition + "/api/query"}
}

// Response is one GraphQL answer with its HTTP status.
type Response struct {
	Status int
	Header http.Header
	Data   map[string]any `json:"data"`
	Errors []Error        `json:"errors"`
	// Raw is the body as it came.
	Raw []byte `json:"-"`
}

// Error is one entry of a GraphQL answer's errors.
type Error struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code is the first error's extensions.code, or "" without errors.
func (r *Response) Code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	code, _ := r.Errors[0].Extensions["code"].(string)
	return code
}

// AnswerError is an answer that a caller wanted data from but that has
// errors or no data: the request reached the server, which refused it
// (a *AnswerError), unlike a network failure.
type AnswerError struct {
	Response *Response
}

func (e *AnswerError) Error() string {
	r := e.Response
	if len(r.Errors) > 0 {
		if code := r.Code(); code != "" {
			return fmt.Sprintf("status %d: %s: %s", r.Status, code, r.Errors[0].Message)
		}
		return fmt.Sprintf("status %d: %s", r.Status, r.Errors[0].Message)
	}
	return fmt.Sprintf("status %d: no data: %.200s", r.Status, r.Raw)
}

// Decode unmarshals the answer's data into v. An answer that is not a
// 200 with data and no errors is an *AnswerError, so that callers need
// not check each.
func (r *Response) Decode(v any) error {
	var answer struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(r.Raw, &answer); err != nil {
		return fmt.Errorf("answer is not JSON (status %d): %.200s", r.Status, r.Raw)
	}
	if r.Status != http.StatusOK || len(r.Errors) > 0 || len(answer.Data) == 0 || string(answer.Data) == "null" {
		return &AnswerError{Response: r}
	}
	if err := json.Unmarshal(answer.Data, v); err != nil {
		return fmt.Errorf("data %.200s: %w", answer.Data, err)
	}
	return nil
}

// Do posts query with its variables as application/json.
func (c *Client) Do(ctx context.Context, query string, vars map[string]any) (*Response, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return nil, err
	}
	return c.Post(ctx, "application/json", body)
}

// Post sends body as it is with the given Content-Type (tests of the
// transport send what real clients send, or worse).
func (c *Client) Post(ctx context.Context, contentType string, body []byte) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.Endpoint, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	return c.send(req)
}

// Get sends query in the URL, as GET requests of the spec do.
func (c *Client) Get(ctx context.Context, query string) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Endpoint+"?query="+url.QueryEscape(query), nil)
	if err != nil {
		return nil, err
	}
	return c.send(req)
}

// Liked reads Session.liked of a session: the stored total that like
// tests and the bench compare with what they sent. An answer without it
// is an *AnswerError.
func (c *Client) Liked(ctx context.Context, sessionID int) (int64, error) {
	r, err := c.Get(ctx, "{session(sessionId:"+strconv.Itoa(sessionID)+"){liked}}")
	if err != nil {
		return 0, err
	}
	var data struct {
		Session *struct{ Liked int64 }
	}
	if err := r.Decode(&data); err != nil {
		return 0, err
	}
	if data.Session == nil {
		return 0, &AnswerError{Response: r}
	}
	return data.Session.Liked, nil
}

// maxAnswer bounds the body read: the largest answers (the whole
// programme, introspection) are a few hundred kilobytes, and a client
// should not hold whatever a broken server streams.
const maxAnswer = 64 << 20

func (c *Client) send(req *http.Request) (*Response, error) {
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err // no answer: the network, a timeout, a refused connection
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, &BodyError{Status: resp.StatusCode, Raw: raw, Err: err}
	}
	if len(raw) > maxAnswer {
		return nil, &BodyError{Status: resp.StatusCode, Err: fmt.Errorf("answer is larger than %d bytes", maxAnswer)}
	}
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	if err := json.Unmarshal(raw, out); err != nil {
		return nil, &BodyError{Status: resp.StatusCode, Raw: raw, Err: err}
	}
	return out, nil
}

// BodyError is an answer whose body is not a GraphQL answer: cut short,
// too large, or not JSON (a proxy's error page). The server (or something
// in front of it) answered, unlike a network failure, which Do, Post and
// Get return as net/http gives it.
type BodyError struct {
	Status int
	Raw    []byte // what was read, if anything
	Err    error
}

func (e *BodyError) Error() string {
	return fmt.Sprintf("answer is not JSON (status %d): %v: %.200s", e.Status, e.Err, e.Raw)
}

func (e *BodyError) Unwrap() error { return e.Err }
