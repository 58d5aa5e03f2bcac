package telemetry_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/techconf/techconf/internal/testserver"
	"github.com/techconf/techconf/telemetry"
)

// failingExporter refuses every batch, as a collector that is down does.
type failingExporter struct{}

func (failingExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error {
	return errors.New("collector unreachable")
}
func (failingExporter) Shutdown(context.Context) error { return nil }

// TestExportErrorsReachTheLogger: what goes wrong while tracing is written
// by the logger of Options (JSON, with the process's fields), not by the
// standard library's log package in a format of its own.
func TestExportErrorsReachTheLogger(t *testing.T) {
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "10") // export every 10 ms
	logs := &testserver.Logs{}
	tracing, err := telemetry.Start(context.Background(), telemetry.Options{
		Env: envOf(map[string]string{"OTEL_TRACES_EXPORTER": "console"}), Exporter: failingExporter{},
		Logger: slog.New(slog.NewJSONHandler(logs, nil)).With("server_id", "test"),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer tracing.Shutdown(context.Background())
	_, span := otel.Tracer("test").Start(context.Background(), "work")
	span.End()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(logs.String(), "collector unreachable") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := logs.String(); !strings.Contains(got, `"msg":"tracing"`) || !strings.Contains(got, `"server_id":"test"`) || !strings.Contains(got, "collector unreachable") {
		t.Errorf("log = %q; want a JSON line from the given logger with the export error", got)
	}
}
