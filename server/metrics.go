package server

import (
	"net/http"
	"strings"
	"time"
)

// Metrics receives what the server answers, for monitoring. Package
// metrics implements it with Prometheus; the server does not know how it
// is shown. Calls come on every request, so implementations must be cheap.
type Metrics interface {
	// Request records one answered request. route is the mux pattern (or
	// "unmatched") and method is methodLabel's: both come from fixed sets.
	Request(route, method string, status int, took time.Duration)
	// Operation records one GraphQL query or mutation.
	Operation(name, kind, outcome string, took time.Duration)
}

type nopMetrics struct{}

func (nopMetrics) Request(string, string, int, time.Duration)      {}
func (nopMetrics) Operation(string, string, string, time.Duration) {}

// methodLabel maps a request's method to a label value from a fixed set:
// any client may send any method name, and each distinct label value is a
// time series held in memory until the process ends.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "other"
}

// excerpt shortens client-chosen text (paths, user agents) before it is
// logged: a log line must not grow with what a client sends.
func excerpt(s string) string {
	const max = 200
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:max], "") + "…"
}
