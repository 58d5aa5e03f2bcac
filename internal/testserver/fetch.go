package testserver

import (
	"io"
	"net/http"
	"testing"
)

// Answer is what a GET read: the response (its body already read and
// closed) and the body.
type Answer struct {
	*http.Response
	Body string
}

// noRedirects shows a redirect rather than following it: tests assert on
// the redirect itself.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// Fetch GETs url with the given header pairs ("Accept-Language", "ja",
// ...), without following redirects. Go decodes a gzipped answer as a
// browser does (and then removes Content-Encoding); FetchRaw does not.
func Fetch(tb testing.TB, url string, header ...string) Answer {
	tb.Helper()
	return fetch(tb, noRedirects.Do, url, header)
}

// FetchRaw is Fetch as the bytes came: no Accept-Encoding is added and a
// gzipped answer stays gzipped, for tests of the encoding itself.
func FetchRaw(tb testing.TB, url string, header ...string) Answer {
	tb.Helper()
	return fetch(tb, (&http.Transport{DisableCompression: true}).RoundTrip, url, header)
}

func fetch(tb testing.TB, do func(*http.Request) (*http.Response, error), url string, header []string) Answer {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return Answer{resp, string(body)}
}
