// Package telemetry turns on OpenTelemetry tracing when the standard OTEL_*
// environment variables ask for it, and ties log lines to traces. With no
// OTEL_* variable set it installs nothing: no exporter, no HTTP middleware,
// no cost per request.
package telemetry

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Options say how tracing is set up.
type Options struct {
	// Env reads the environment; nil means os.LookupEnv. The OTLP
	// exporters themselves read the process's environment for the
	// endpoint, headers, timeouts and TLS, as the specification says.
	Env func(string) (string, bool)
	// Attributes describe this process (service.instance.id, the role...);
	// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override them.
	Attributes []attribute.KeyValue
	// Exporter replaces the exporter that the environment names; tests
	// use an in-memory one. Tracing is still on only if the environment
	// turns it on.
	Exporter sdktrace.SpanExporter
	// Logger receives what goes wrong while tracing (a collector that does
	// not answer), in the process's log format rather than the standard
	// library's; default slog.Default().
	Logger *slog.Logger
}

// Tracing is the tracing of one process: on, with a provider that exports
// spans, or off.
type Tracing struct {
	provider *sdktrace.TracerProvider
	exporter string
}

// Start reads the environment and, if it asks for traces, installs a
// global tracer provider and the W3C trace-context propagator. Traces are
// on when OTEL_TRACES_EXPORTER is otlp or console, or when it is unset and
// an OTLP endpoint is (OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT). OTEL_SDK_DISABLED=true and
// OTEL_TRACES_EXPORTER=none turn them off.
func Start(ctx context.Context, opts Options) (*Tracing, error) {
	env := opts.Env
	if env == nil {
		env = os.LookupEnv
	}
	kind, err := exporterKind(env)
	if err != nil || kind == "" {
		return &Tracing{}, err
	}
	exp := opts.Exporter
	if exp == nil {
		if exp, err = newExporter(ctx, kind, env); err != nil {
			return nil, err
		}
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(append([]attribute.KeyValue{attribute.String("service.name", "techconf")}, opts.Attributes...)...),
		resource.WithTelemetrySDK(),
		resource.WithFromEnv(), // last, so that the operator's values win
	)
	if err != nil {
		return nil, fmt.Errorf("telemetry: resource: %w", err)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) { logger.Warn("tracing", "err", err) }))
	// The provider reads OTEL_TRACES_SAMPLER(_ARG) and OTEL_BSP_* itself.
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return &Tracing{provider: tp, exporter: kind}, nil
}

// exporterKind returns "otlp/grpc", "otlp/http", "console", or "" for off.
func exporterKind(env func(string) (string, bool)) (string, error) {
	get := func(name string) string {
		v, _ := env(name)
		return strings.TrimSpace(v)
	}
	if strings.EqualFold(get("OTEL_SDK_DISABLED"), "true") {
		return "", nil
	}
	switch e := strings.ToLower(get("OTEL_TRACES_EXPORTER")); e {
	case "none":
		return "", nil
	case "console":
		return "console", nil
	case "otlp":
	case "":
		if get("OTEL_EXPORTER_OTLP_ENDPOINT") == "" && get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") == "" {
			return "", nil
		}
	default:
		return "", fmt.Errorf("telemetry: $OTEL_TRACES_EXPORTER: want otlp, console or none (got %q)", e)
	}
	protocol := get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if protocol == "" {
		protocol = get("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	switch protocol {
	case "", "http/protobuf": // the specification's default
		return "otlp/http", nil
	case "grpc":
		return "otlp/grpc", nil
	default:
		return "", fmt.Errorf("telemetry: $OTEL_EXPORTER_OTLP_PROTOCOL: want grpc or http/protobuf (got %q)", protocol)
	}
}

func newExporter(ctx context.Context, kind string, env func(string) (string, bool)) (sdktrace.SpanExporter, error) {
	var (
		exp sdktrace.SpanExporter
		err error
	)
	switch kind {
	case "console":
		exp, err = stdouttrace.New()
	case "otlp/grpc":
		exp, err = otlptracegrpc.New(ctx)
	default:
		exp, err = otlptracehttp.New(ctx)
	}
	if err != nil {
		return nil, fmt.Errorf("telemetry: %s exporter: %w", kind, err)
	}
	return exp, nil
}

// Enabled reports whether spans are recorded and exported.
func (t *Tracing) Enabled() bool { return t.provider != nil }

// Exporter names the exporter in use ("otlp/http", "otlp/grpc",
// "console"), or "" when tracing is off.
func (t *Tracing) Exporter() string { return t.exporter }

// Handler traces every request that h serves, naming each span after the
// route that served it. Probes and scrapes are not traced: they come every
// few seconds and say nothing. With tracing off, h is returned as it is.
func (t *Tracing) Handler(h http.Handler) http.Handler {
	if !t.Enabled() {
		return h
	}
	return otelhttp.NewHandler(h, "techconf",
		otelhttp.WithTracerProvider(t.provider),
		otelhttp.WithFilter(func(r *http.Request) bool {
			return !strings.HasPrefix(r.URL.Path, "/healthz/") && r.URL.Path != "/metrics"
		}),
		// Called at the start with no route, then again once the
		// ServeMux has set r.Pattern.
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
			switch {
			case r.Pattern == "":
				return r.Method
			case strings.Contains(r.Pattern, " "): // "GET /healthz/liveness"
				return r.Pattern
			default:
				return r.Method + " " + r.Pattern
			}
		}),
	)
}

// Shutdown exports the spans still buffered and stops the provider.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if !t.Enabled() {
		return nil
	}
	return t.provider.Shutdown(ctx)
}
