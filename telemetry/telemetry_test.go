package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	_ "github.com/techconf/techconf/internal/golden" // accepts -update, as every test package does
	"github.com/techconf/techconf/telemetry"
)

// keptSpans is an in-memory exporter whose spans outlive the provider's
// Shutdown (the plain one forgets them there).
type keptSpans struct{ *tracetest.InMemoryExporter }

func (keptSpans) Shutdown(context.Context) error { return nil }

func newExporter() keptSpans { return keptSpans{tracetest.NewInMemoryExporter()} }

func envOf(env map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
}

// serveOne starts tracing with env, serves one request to path through a
// ServeMux behind tracing.Handler (as the server does), and returns the
// JSON log lines written while serving it and the spans exported.
func serveOne(t *testing.T, env map[string]string, path string) ([]map[string]any, tracetest.SpanStubs, *telemetry.Tracing) {
	t.Helper()
	exp := newExporter()
	tracing, err := telemetry.Start(context.Background(), telemetry.Options{Env: envOf(env), Exporter: exp})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	var logs bytes.Buffer
	logger := slog.New(telemetry.LogHandler(slog.NewJSONHandler(&logs, nil))).With("server_id", "test")
	mux := http.NewServeMux()
	handle := func(w http.ResponseWriter, r *http.Request) {
		logger.InfoContext(r.Context(), "request", "path", r.URL.Path)
		w.WriteHeader(http.StatusNoContent)
	}
	mux.HandleFunc("/{edition}/api/query", handle)
	mux.HandleFunc("GET /healthz/readiness", handle)
	srv := httptest.NewServer(tracing.Handler(mux))
	defer srv.Close()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if err := tracing.Shutdown(context.Background()); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	var lines []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", line, err)
		}
		lines = append(lines, m)
	}
	return lines, exp.GetSpans(), tracing
}

func TestTracingOn(t *testing.T) {
	for _, tc := range []struct {
		name     string
		env      map[string]string
		exporter string
	}{
		{"Endpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, "otlp/http"},
		{"TracesEndpointGRPC", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, "otlp/grpc"},
		{"ExporterOTLP", map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, "otlp/http"},
		{"Console", map[string]string{"OTEL_TRACES_EXPORTER": "console"}, "console"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs, spans, tracing := serveOne(t, tc.env, "/2018/api/query?query=%7B__typename%7D")
			if got := tracing.Exporter(); got != tc.exporter {
				t.Errorf("Exporter() = %q; want %q", got, tc.exporter)
			}
			if len(spans) != 1 {
				t.Fatalf("exported %d spans; want 1", len(spans))
			}
			span := spans[0]
			if want := "GET /{edition}/api/query"; span.Name != want {
				t.Errorf("span name = %q; want %q (the route, not the path)", span.Name, want)
			}
			if len(logs) != 1 {
				t.Fatalf("got %d log lines; want 1", len(logs))
			}
			if got, want := logs[0]["trace_id"], span.SpanContext.TraceID().String(); got != want {
				t.Errorf("log trace_id = %v; want %v (the exported span's)", got, want)
			}
			if got, want := logs[0]["span_id"], span.SpanContext.SpanID().String(); got != want {
				t.Errorf("log span_id = %v; want %v", got, want)
			}
			if got := logs[0]["server_id"]; got != "test" {
				t.Errorf("log server_id = %v; want the logger's own attributes kept", got)
			}
		})
	}
}

func TestTracingContinuesCallersTrace(t *testing.T) {
	exp := newExporter()
	tracing, err := telemetry.Start(context.Background(), telemetry.Options{
		Env: envOf(map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}), Exporter: exp})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(tracing.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))
	defer srv.Close()
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	req, _ := http.NewRequest("GET", srv.URL+"/2018/", nil)
	req.Header.Set("traceparent", "00-"+traceID+"-00f067aa0ba902b7-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	tracing.Shutdown(context.Background())
	spans := exp.GetSpans()
	if len(spans) != 1 || spans[0].SpanContext.TraceID().String() != traceID {
		t.Fatalf("spans = %v; want one span in the caller's trace %s (W3C traceparent)", spans, traceID)
	}
}

func TestTracingOff(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
	}{
		{"Unset", map[string]string{}},
		{"OtherVariablesOnly", map[string]string{"OTEL_SERVICE_NAME": "techconf", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}},
		{"ExporterNone", map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}},
		{"SDKDisabled", map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logs, spans, tracing := serveOne(t, tc.env, "/2018/api/query")
			if tracing.Enabled() {
				t.Errorf("Enabled() = true; want false")
			}
			if len(spans) != 0 {
				t.Errorf("exported %d spans; want none", len(spans))
			}
			if _, ok := logs[0]["trace_id"]; ok {
				t.Errorf("log line %v has a trace_id; want none with tracing off", logs[0])
			}
		})
	}
}

func TestProbesNotTraced(t *testing.T) {
	logs, spans, _ := serveOne(t, map[string]string{"OTEL_TRACES_EXPORTER": "otlp"}, "/healthz/readiness")
	if len(spans) != 0 {
		t.Errorf("exported %d spans for a probe; want none", len(spans))
	}
	if len(logs) != 1 {
		t.Fatalf("got %d log lines; want 1", len(logs))
	}
}

func TestBadEnvironment(t *testing.T) {
	for _, tc := range []struct {
		name, key, value string
	}{
		{"UnknownExporter", "OTEL_TRACES_EXPORTER", "zipkin"},
		{"UnknownProtocol", "OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", tc.key: tc.value}
			_, err := telemetry.Start(context.Background(), telemetry.Options{Env: envOf(env)})
			if err == nil || !strings.Contains(err.Error(), tc.key) {
				t.Errorf("Start(%s=%s) error = %v; want one that names $%s", tc.key, tc.value, err, tc.key)
			}
		})
	}
}
