package main

import (
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// collector is a stand-in OpenTelemetry collector: it takes OTLP/HTTP
// trace exports and remembers the span names by trace id.
type collector struct {
	*httptest.Server
	mu    sync.Mutex
	spans map[string][]string // trace id -> span names
}

func startCollector(tb testing.TB) *collector {
	c := &collector{spans: map[string][]string{}}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req coltrace.ExportTraceServiceRequest
		if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
			http.Error(w, "want an OTLP/HTTP protobuf trace export on /v1/traces", http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				for _, s := range ss.Spans {
					id := hex.EncodeToString(s.TraceId)
					c.spans[id] = append(c.spans[id], s.Name)
				}
			}
		}
		c.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		out, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
		w.Write(out)
	}))
	tb.Cleanup(c.Close)
	return c
}

func (c *collector) count() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, names := range c.spans {
		n += len(names)
	}
	return n
}

// requestTraceID sends one GraphQL query carrying the caller's trace
// context and returns the trace_id of the server's log line for it ("" if
// it has none).
func requestTraceID(t *testing.T, p *proc, traceparent string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", p.URL+"/2018/api/query?query=%7B__typename%7D", nil)
	req.Header.Set("traceparent", traceparent)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /2018/api/query: status %d; want 200", resp.StatusCode)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		for _, line := range strings.Split(p.Logs.String(), "\n") {
			var rec struct {
				Msg     string `json:"msg"`
				Route   string `json:"route"`
				TraceID string `json:"trace_id"`
			}
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "request" && rec.Route == "/{edition}/api/query" {
				return rec.TraceID
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no request log line for /2018/api/query within 5 s; logs:\n%s", p.Logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestTracingExportsAndLogsTraceID(t *testing.T) {
	c := startCollector(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", c.URL)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "50")
	p := startProc(t, "sqlite:"+filepath.Join(t.TempDir(), "likes.db"), "--log-level", "info")

	const traceID = "0af7651916cd43dd8448eb211c80319c"
	if got := requestTraceID(t, p, "00-"+traceID+"-b7ad6b7169203331-01"); got != traceID {
		t.Errorf("request log trace_id = %q; want %q, the trace the caller started", got, traceID)
	}
	if err := p.Terminate(t); err != nil {
		t.Fatalf("serve exit: %v; logs:\n%s", err, p.Logs.String())
	}
	// Shutdown flushes what the batcher held, so the span is there now.
	c.mu.Lock()
	names := c.spans[traceID]
	c.mu.Unlock()
	if len(names) != 1 || names[0] != "GET /{edition}/api/query" {
		t.Errorf("collector got spans %q in trace %s; want one named \"GET /{edition}/api/query\"", names, traceID)
	}
	if n := c.count(); n != 1 {
		t.Errorf("collector got %d spans in all; want 1 (probes are not traced)", n)
	}
}

func TestTracingOffWithoutOTELVariables(t *testing.T) {
	for _, kv := range os.Environ() {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "OTEL_") {
			t.Setenv(name, "") // empty counts as unset
		}
	}
	p := startProc(t, "sqlite:"+filepath.Join(t.TempDir(), "likes.db"), "--log-level", "info")
	if got := requestTraceID(t, p, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"); got != "" {
		t.Errorf("request log trace_id = %q with no OTEL_* variable; want none (tracing off)", got)
	}
}
