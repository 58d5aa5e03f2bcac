package server_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	_ "github.com/techconf/techconf/internal/golden"
	"github.com/techconf/techconf/internal/testserver"
	"github.com/techconf/techconf/like"
	"github.com/techconf/techconf/server"
)

// testServer is the whole site served by the harness, with its admin
// handler (/metrics and pprof) and the web origin of production allowed.
type testServer struct {
	*testserver.Site
	srv *server.Server
}

func mustOpenServer(tb testing.TB, role string, ping func(context.Context) error) *testServer {
	tb.Helper()
	return mustOpenServerWith(tb, role, ping, nil)
}

// mustOpenServerWith is mustOpenServer with a last change to the server's
// configuration.
func mustOpenServerWith(tb testing.TB, role string, ping func(context.Context) error, change func(*server.Config)) *testServer {
	tb.Helper()
	site := testserver.Start(tb, testserver.Config{
		ServerID: "t", Role: role, AllowedOrigins: []string{"https://conf.example.com"}, Admin: true,
		Like: like.Config{Buffer: like.BufferConfig{FlushInterval: 5 * time.Millisecond}},
		Server: func(c *server.Config) {
			if ping != nil {
				c.Ping = ping
			}
			if change != nil {
				change(c)
			}
		},
	})
	return &testServer{Site: site, srv: site.Server}
}

func get(tb testing.TB, url string, header ...string) (*http.Response, string) {
	tb.Helper()
	a := testserver.Fetch(tb, url, header...)
	return a.Response, a.Body
}

func TestReadiness(t *testing.T) {
	storeDown := true
	ts := mustOpenServer(t, server.RoleAll, func(context.Context) error {
		if storeDown {
			return errors.New("down")
		}
		return nil
	})
	for _, tc := range []struct {
		name      string
		down      bool
		drain     bool
		want      int
		wantAlive int
	}{
		{"StoreNotAnsweredYet", true, false, 503, 200},
		{"StoreAnswers", false, false, 200, 200},
		// Once it has answered, an outage does not take the pod out: the
		// like buffer rides it out and the pages need no store.
		{"StoreDownLater", true, false, 200, 200},
		{"Draining", false, true, 503, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storeDown = tc.down
			if tc.drain {
				ts.srv.Drain()
			}
			if resp, _ := get(t, ts.URL+"/healthz/readiness"); resp.StatusCode != tc.want {
				t.Errorf("readiness = %d; want %d", resp.StatusCode, tc.want)
			}
			if resp, _ := get(t, ts.URL+"/healthz/liveness"); resp.StatusCode != tc.wantAlive {
				t.Errorf("liveness = %d; want %d", resp.StatusCode, tc.wantAlive)
			}
		})
	}
}

func TestRoles(t *testing.T) {
	for _, tc := range []struct {
		role          string
		api, page     int
		playgroundAPI int
	}{
		{server.RoleAll, 200, 200, 200},
		{server.RoleAPI, 200, 404, 200},
		{server.RoleWeb, 404, 200, 404},
	} {
		t.Run(tc.role, func(t *testing.T) {
			ts := mustOpenServer(t, tc.role, nil)
			if resp, _ := get(t, ts.URL+"/2018/api/query?query=%7B__typename%7D"); resp.StatusCode != tc.api {
				t.Errorf("API: %d; want %d", resp.StatusCode, tc.api)
			}
			if resp, _ := get(t, ts.URL+"/2018/"); resp.StatusCode != tc.page {
				t.Errorf("landing page: %d; want %d", resp.StatusCode, tc.page)
			}
			if resp, _ := get(t, ts.URL+"/2018/api/playground"); resp.StatusCode != tc.playgroundAPI {
				t.Errorf("playground: %d; want %d", resp.StatusCode, tc.playgroundAPI)
			}
		})
	}
}

func TestUnknownEdition(t *testing.T) {
	ts := mustOpenServer(t, server.RoleAll, nil)
	for _, path := range []string{"/1999/", "/1999/api/query?query=%7B__typename%7D", "/2018/sessions/9999", "/2018/speakers/nobody"} {
		if resp, _ := get(t, ts.URL+path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s = %d; want 404", path, resp.StatusCode)
		}
	}
	if resp, _ := get(t, ts.URL+"/"); resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/2018/" {
		t.Errorf("GET / = %d to %q; want 302 to /2018/", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestCORS(t *testing.T) {
	ts := mustOpenServer(t, server.RoleAll, nil)
	req, _ := http.NewRequest(http.MethodOptions, ts.URL+"/2018/api/query", nil)
	req.Header.Set("Origin", "https://conf.example.com")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "https://conf.example.com" {
		t.Errorf("preflight from an allowed origin: %d, allow-origin %q", resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"))
	}
	resp, _ = get(t, ts.URL+"/2018/api/query?query=%7B__typename%7D", "Origin", "https://evil.example.net")
	if got := resp.Header.Get("Access-Control-Allow-Origin"); got != "" {
		t.Errorf("allow-origin for an origin not allowed = %q; want none", got)
	}
}

// TestMetrics: /metrics, on the admin address only, shows requests by
// route and the like pipeline, with label values from a fixed set.
func TestMetrics(t *testing.T) {
	ts := mustOpenServer(t, server.RoleAll, nil)
	if resp, _ := get(t, ts.URL+"/metrics"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET /metrics on the public address = %d; want 404", resp.StatusCode)
	}
	for _, m := range []string{"FOO1", "FOO2", "BREW"} {
		req, _ := http.NewRequest(m, ts.URL+"/2018/", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
		}
	}
	body := `{"query":"mutation { createLike(input: {uuid: \"m\", sessionId: 5, count: 4}) { count } }"}`
	resp, err := http.Post(ts.URL+"/2018/api/query", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	bad := `{"query":"mutation Named { createLike(input: {uuid: \"m\", sessionId: 999}) { count } }"}`
	resp, err = http.Post(ts.URL+"/2018/api/query", "application/json", strings.NewReader(bad))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	_, metrics := get(t, ts.AdminURL+"/metrics")
	if strings.Contains(metrics, "FOO1") || strings.Contains(metrics, "BREW") {
		t.Errorf("/metrics has a label value a client chose:\n%s", grepLines(metrics, "techconf_http_requests_total"))
	}
	for _, want := range []string{
		`method="other"`,
		`techconf_http_requests_total{code="200",method="POST",route="/{edition}/api/query"} 2`,
		`techconf_likes_accepted_total 4`,
		`techconf_likes_stored_total 4`,
		`techconf_like_buffer_depth 0`,
		`techconf_like_subscribers 0`,
		`techconf_like_flush_duration_seconds_count 1`,
		`techconf_graphql_operations_total{operation="anonymous",outcome="ok",type="mutation"} 1`,
		`techconf_graphql_operations_total{operation="Named",outcome="NOT_FOUND",type="mutation"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q; it has:\n%s", want, grepLines(metrics, "techconf_graphql_operations_total"))
		}
	}
}

func grepLines(text, prefix string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
