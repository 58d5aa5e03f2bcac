package testserver

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/techconf/techconf/internal/gqlclient"
)

// Client is the GraphQL client of tests: internal/gqlclient's, with every
// failure to get an answer failing the test, so that tests read the answer
// (its errors too) without checking an error first.
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

// Response is one GraphQL answer with its HTTP status (gqlclient's), with
// a Decode that fails the test.
type Response struct {
	*gqlclient.Response
}

// Error is one entry of a GraphQL answer's errors.
type Error = gqlclient.Error

// Decode unmarshals the answer's data into v; it fails the test if the
// answer has errors or no data, so that callers need not check both.
func (r *Response) Decode(tb testing.TB, v any) {
	tb.Helper()
	if err := r.Response.Decode(v); err != nil {
		tb.Fatal(err)
	}
}

// The requests take no deadline of the test's (tb.Context ends before
// cleanups run, and some cleanups read a last count); http.Client's
// timeout, when a test sets one, bounds them.

// Do posts query with its variables as application/json.
func (c *Client) Do(tb testing.TB, query string, vars map[string]any) *Response {
	tb.Helper()
	return answer(tb)(c.plain().Do(context.Background(), query, vars))
}

// Post sends body as it is with the given Content-Type (tests of the
// transport send what real clients send, or worse).
func (c *Client) Post(tb testing.TB, contentType string, body []byte) *Response {
	tb.Helper()
	return answer(tb)(c.plain().Post(context.Background(), contentType, body))
}

// Get sends query in the URL, as GET requests of the spec do.
func (c *Client) Get(tb testing.TB, query string) *Response {
	tb.Helper()
	return answer(tb)(c.plain().Get(context.Background(), query))
}

// Liked reads Session.liked of a session (the count every like test
// compares with what it sent). An answer with errors reads as 0, as a
// session that nobody liked: tests that poll until the count arrives keep
// polling through a server's brief refusals.
func (c *Client) Liked(tb testing.TB, sessionID int) int {
	tb.Helper()
	n, err := c.plain().Liked(context.Background(), sessionID)
	var refused *gqlclient.AnswerError
	if errors.As(err, &refused) {
		return 0
	}
	if err != nil {
		tb.Fatal(err)
	}
	return int(n)
}

func (c *Client) plain() *gqlclient.Client {
	return &gqlclient.Client{Endpoint: c.Endpoint, HTTP: c.HTTP}
}

// answer fails the test if the request got no answer.
func answer(tb testing.TB) func(*gqlclient.Response, error) *Response {
	return func(r *gqlclient.Response, err error) *Response {
		tb.Helper()
		if err != nil {
			tb.Fatal(err)
		}
		return &Response{r}
	}
}
