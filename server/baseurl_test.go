package server_test

import (
	"net/netip"
	"regexp"
	"testing"

	"github.com/techconf/techconf/server"
)

// TestBaseURL: the pages and the API print the same absolute URLs, by one
// rule: X-Forwarded-Proto and X-Forwarded-Host count only from a trusted
// proxy; from anyone else the request's own Host does.
func TestBaseURL(t *testing.T) {
	forwarded := []string{"X-Forwarded-Host", "conf.example.com", "X-Forwarded-Proto", "https"}
	ogURL := regexp.MustCompile(`<meta property="og:url" content="([^"]*)/2018/">`)
	iconURL := regexp.MustCompile(`"iconUrl":"([^"]*)/2018/avatars/`)
	for _, tc := range []struct {
		name    string
		trusted []netip.Prefix
		want    func(ts *testServer) string
	}{
		{"untrusted peer", nil, func(ts *testServer) string { return ts.URL }},
		{"trusted proxy", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}, func(*testServer) string { return "https://conf.example.com" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := mustOpenServerWith(t, server.RoleAll, nil, func(c *server.Config) { c.Limits.TrustedProxies = tc.trusted })
			want := tc.want(ts)
			_, page := get(t, ts.URL+"/2018/", forwarded...)
			if m := ogURL.FindStringSubmatch(page); m == nil || m[1] != want {
				t.Errorf("page og:url base = %v; want %s", m, want)
			}
			_, api := get(t, ts.URL+"/2018/api/query?query=%7BspeakerList(first:100)%7Bnodes%7BiconUrl%7D%7D%7D", forwarded...)
			if m := iconURL.FindStringSubmatch(api); m == nil || m[1] != want {
				t.Errorf("API iconUrl base = %v in %.300s; want %s", m, api, want)
			}
		})
	}
}
