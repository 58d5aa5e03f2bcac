package web_test

import (
	"encoding/base64"
	"net/http"
	"testing"
)

// TestLegacyURLs: the page URLs of 2018, and the share links the 2018 app
// built from ids, lead to today's pages with a permanent redirect.
func TestLegacyURLs(t *testing.T) {
	s := mustOpenSite(t)
	opaque := base64.RawURLEncoding.EncodeToString([]byte("Session:2018:12"))
	for _, tc := range []struct{ path, want string }{
		{"/2018/session/12", "/2018/sessions/12"},
		{"/2017/session/3", "/2017/sessions/3"},
		{"/2018/session/0", "/2018/sessions/0"},
		{"/2018/session/12?lang=ja", "/2018/sessions/12?lang=ja"},
		{"/2018/session/Session:12", "/2018/sessions/12"},
		{"/2018/session/" + opaque, "/2018/sessions/12"},
		{"/2018/speaker/aiko-tanabe", "/2018/speakers/aiko-tanabe"},
		{"/2018/speaker/Speaker:aiko-tanabe", "/2018/speakers/aiko-tanabe"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			a := fetch(t, s.URL+tc.path)
			if a.status != http.StatusMovedPermanently || a.header.Get("Location") != tc.want {
				t.Fatalf("GET %s = %d to %q; want 301 to %s", tc.path, a.status, a.header.Get("Location"), tc.want)
			}
		})
	}
	// The redirect of a 2018 link lands on the talk's page.
	a := fetch(t, s.URL+"/2018/sessions/12")
	if a.status != http.StatusOK {
		t.Errorf("GET /2018/sessions/12 = %d; want 200", a.status)
	}
}
