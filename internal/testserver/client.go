package testserver

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"testing"
)

// Client is a small GraphQL client for tests: it posts a query to one
// edition's endpoint and reads the answer as the GraphQL over HTTP spec
// shapes it, without judging it, so that tests can assert on errors too.
type Client struct {
	// Endpoint is the edition's query URL, e.g.
	// http://127.0.0.1:PORT/2018/api/query.
	Endpoint string
	// HTTP sends the requests; nil means http.DefaultClient.
	HTTP *http.Client
}

// NewClient returns a Client for the edition at base (a server's base URL).
func NewClient(base, edition string) *Client {
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

// Decode unmarshals the answer's data into v; it fails the test if the
// answer has errors or no data, so that callers need not check both.
func (r *Response) Decode(tb testing.TB, v any) {
	tb.Helper()
	var answer struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(r.Raw, &answer); err != nil {
		tb.Fatalf("answer is not JSON (status %d): %s", r.Status, r.Raw)
	}
	if r.Status != http.StatusOK || len(r.Errors) > 0 || len(answer.Data) == 0 || string(answer.Data) == "null" {
		tb.Fatalf("status %d, answer %s; want 200 with data and no errors", r.Status, r.Raw)
	}
	if err := json.Unmarshal(answer.Data, v); err != nil {
		tb.Fatalf("data %s: %v", answer.Data, err)
	}
}

// Do posts query with its variables as application/json.
func (c *Client) Do(tb testing.TB, query string, vars map[string]any) *Response {
	tb.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		tb.Fatal(err)
	}
	return c.Post(tb, "application/json", body)
}

// Post sends body as it is with the given Content-Type (tests of the
// transport send what real clients send, or worse).
func (c *Client) Post(tb testing.TB, contentType string, body []byte) *Response {
	tb.Helper()
	resp, err := c.client().Post(c.Endpoint, contentType, bytes.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	return read(tb, resp)
}

// Get sends query in the URL, as GET requests of the spec do.
func (c *Client) Get(tb testing.TB, query string) *Response {
	tb.Helper()
	resp, err := c.client().Get(c.Endpoint + "?query=" + url.QueryEscape(query))
	if err != nil {
		tb.Fatal(err)
	}
	return read(tb, resp)
}

// Liked reads Session.liked of a session (the count every like test
// compares with what it sent). An answer with errors reads as 0, as a
// session that nobody liked: tests that poll until the count arrives keep
// polling through a server's brief refusals.
func (c *Client) Liked(tb testing.TB, sessionID int) int {
	tb.Helper()
	r := c.Get(tb, "{session(sessionId:"+strconv.Itoa(sessionID)+"){liked}}")
	session, _ := r.Data["session"].(map[string]any)
	n, _ := session["liked"].(float64)
	return int(n)
}

func (c *Client) client() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

func read(tb testing.TB, resp *http.Response) *Response {
	tb.Helper()
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	if err := json.Unmarshal(raw, out); err != nil {
		tb.Fatalf("answer is not JSON (status %d): %s", resp.StatusCode, raw)
	}
	return out
}
