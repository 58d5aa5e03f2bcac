package server_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"

	"github.com/techconf/techconf/conference"
	"github.com/techconf/techconf/content"
	"github.com/techconf/techconf/metrics"
	"github.com/techconf/techconf/server"
)

// TestOpenClose: Open binds :0 and reports the port it got, serves the
// public and the admin address, and Close runs OnShutdown, returns its
// error and closes both listeners.
func TestOpenClose(t *testing.T) {
	catalog, err := conference.Load(content.Sample())
	if err != nil {
		t.Fatal(err)
	}
	hookErr := errors.New("3 likes lost")
	hooked := false
	reg := metrics.NewRegistry(false)
	srv := server.New(server.Config{
		Role: server.RoleAPI, Catalog: catalog, Metrics: reg.HTTP(), MetricsHandler: reg.Handler(),
		Listen:     server.Listen{Addr: "127.0.0.1:0", AdminAddr: "127.0.0.1:0"},
		OnShutdown: func(context.Context) error { hooked = true; return hookErr },
	})
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	if a, ok := srv.Addr().(*net.TCPAddr); !ok || a.Port == 0 {
		t.Fatalf("Addr() = %v; want the port bound for :0", srv.Addr())
	}
	for _, url := range []string{srv.URL() + "/healthz/liveness", srv.AdminURL() + "/metrics"} {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: status %d; want 200", url, resp.StatusCode)
		}
	}
	if err := srv.Close(); !errors.Is(err, hookErr) || !hooked {
		t.Errorf("Close() = %v (OnShutdown run: %v); want OnShutdown's error", err, hooked)
	}
	http.DefaultClient.CloseIdleConnections()
	for _, url := range []string{srv.URL() + "/healthz/liveness", srv.AdminURL() + "/metrics"} {
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			t.Errorf("GET %s after Close: status %d; want the listener closed", url, resp.StatusCode)
		}
	}
}
