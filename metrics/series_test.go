package metrics_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/techconf/techconf/metrics"
)

// TestSeriesOfChangingLabels: requests and operations reported from many
// goroutines with labels that change from one report to the next are each
// counted in their own series, exactly.
func TestSeriesOfChangingLabels(t *testing.T) {
	reg := metrics.NewRegistry(false)
	h := reg.HTTP()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				switch i % 3 {
				case 0:
					h.Request("POST /{edition}/api/query", "POST", 200, time.Millisecond)
					h.Operation("createLike", "mutation", "ok", time.Millisecond)
				case 1:
					h.Request("POST /{edition}/api/query", "POST", 429, time.Millisecond)
					h.Operation("createLike", "mutation", "RATE_LIMITED", time.Millisecond)
				default:
					h.Request("GET /{edition}/api/query", "GET", 200, time.Millisecond)
					h.Operation("", "query", "ok", time.Millisecond)
				}
			}
		}()
	}
	wg.Wait()
	got := scrape(t, reg)
	for _, want := range []string{
		`techconf_http_requests_total{code="200",method="POST",route="POST /{edition}/api/query"} 400`,
		`techconf_http_requests_total{code="429",method="POST",route="POST /{edition}/api/query"} 400`,
		`techconf_http_requests_total{code="200",method="GET",route="GET /{edition}/api/query"} 400`,
		`techconf_http_request_duration_seconds_count{route="POST /{edition}/api/query"} 800`,
		`techconf_http_request_duration_seconds_count{route="GET /{edition}/api/query"} 400`,
		`techconf_graphql_operations_total{operation="createLike",outcome="ok",type="mutation"} 400`,
		`techconf_graphql_operations_total{operation="createLike",outcome="RATE_LIMITED",type="mutation"} 400`,
		`techconf_graphql_operations_total{operation="",outcome="ok",type="query"} 400`,
		`techconf_graphql_operation_duration_seconds_count{type="mutation"} 800`,
		`techconf_graphql_operation_duration_seconds_count{type="query"} 400`,
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
