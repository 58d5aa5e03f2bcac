package metrics_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	_ "github.com/techconf/techconf/internal/golden" // accepts -update, as every test package does
	"github.com/techconf/techconf/metrics"
)

// scrape returns what the registry's /metrics answers.
func scrape(t *testing.T, reg *metrics.Registry) string {
	t.Helper()
	rec := httptest.NewRecorder()
	reg.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d", rec.Code)
	}
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

// TestReports: what the like pipeline and the server report reaches
// /metrics under the names, labels and help texts the alert rules and
// dashboards read.
func TestReports(t *testing.T) {
	reg := metrics.NewRegistry(false)
	subs := 7
	l := reg.Like(func() int { return subs })
	h := reg.HTTP()
	l.Accepted(3)
	l.Rejected("buffer_full", 2)
	l.BufferDepth(5)
	l.Flushed(4, 20*time.Millisecond)
	l.FlushFailed()
	l.Observed(1, 9)
	l.EventsSent(6)
	h.Request("POST /{edition}/api/query", "POST", 200, 3*time.Millisecond)
	h.Request("unmatched", "other", 1000, time.Millisecond)
	h.Operation("createLike", "mutation", "ok", time.Millisecond)
	got := scrape(t, reg)
	for _, want := range []string{
		"# HELP techconf_likes_accepted_total Likes accepted into the buffer.",
		"techconf_likes_accepted_total 3",
		`techconf_likes_rejected_total{reason="buffer_full"} 2`,
		"techconf_like_buffer_depth 5",
		"techconf_like_flush_size_count 1",
		"techconf_like_flush_duration_seconds_count 1",
		"techconf_likes_stored_total 4",
		"techconf_like_flush_errors_total 1",
		"techconf_likes_observed_total 9",
		"techconf_like_events_sent_total 6",
		"techconf_like_subscribers 7",
		`techconf_http_requests_total{code="200",method="POST",route="POST /{edition}/api/query"} 1`,
		`techconf_http_requests_total{code="other",method="other",route="unmatched"} 1`,
		`techconf_http_request_duration_seconds_count{route="unmatched"} 1`,
		`techconf_graphql_operations_total{operation="createLike",outcome="ok",type="mutation"} 1`,
		`techconf_graphql_operation_duration_seconds_count{type="mutation"} 1`,
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(got, "go_goroutines") {
		t.Error("a registry without runtime reports the Go runtime")
	}
	if !strings.Contains(scrape(t, metrics.NewRegistry(true)), "\ngo_goroutines ") {
		t.Error("a registry with runtime lacks go_goroutines")
	}
}
