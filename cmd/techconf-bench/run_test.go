package main

import (
	"strings"
	"testing"
	"time"

	_ "github.com/techconf/techconf/internal/golden"
)

func TestHistogramPercentiles(t *testing.T) {
	var h histogram
	for ms := 1; ms <= 100; ms++ {
		h.add(time.Duration(ms)*time.Millisecond, 1)
	}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{50, 50 * time.Millisecond}, {95, 95 * time.Millisecond}, {99, 99 * time.Millisecond}, {100, 100 * time.Millisecond}} {
		if got := h.percentile(tc.p); got != tc.want {
			t.Errorf("p%.0f = %s; want %s", tc.p, got, tc.want)
		}
	}
	h.add(time.Hour, 1) // clamped into the last bucket, not lost
	if got := h.percentile(100); got != 10*time.Second {
		t.Errorf("p100 with a 1 h sample = %s; want the 10 s cap", got)
	}
}

func TestParseRunFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"--targets", "http://a:1, http://b:2/"}, ""},
		{[]string{"--targets", ""}, "at least one server"},
		{[]string{"--rate", "0"}, "must be positive"},
		{[]string{"--count", "101"}, "1 to 100"},
		{[]string{"--protocol", "carrier-pigeon"}, "--protocol"},
	} {
		c, err := parseRunFlags(tc.args)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("parseRunFlags(%q) = %v; want no error", tc.args, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("parseRunFlags(%q) = %v; want an error about %s", tc.args, err, tc.err)
		case tc.err == "" && len(c.Targets) != 2:
			t.Errorf("targets = %q; want two, trimmed", c.Targets)
		}
	}
}

// TestReportSaysWhenNotExact: the report and the exit status tell when a
// subscriber missed likes.
func TestReportSaysWhenNotExact(t *testing.T) {
	b := &bench{cfg: &runConfig{Count: 1, Targets: []string{"http://x"}}, errorsByKind: map[string]int64{"GraphQL UNAVAILABLE": 3}}
	b.accepted.Store(10)
	full, short := &sub{protocol: "graphql-ws", start: 0, got: 10, last: 10}, &sub{protocol: "sse", start: 0, got: 9, last: 9}
	full.connected.Store(true)
	short.connected.Store(true)
	b.subs = []*sub{full, short}
	r := b.result(time.Second, []float64{0}, []float64{0}, []float64{0})
	if r.exact || r.minRatio != 0.9 || r.maxRatio != 1 {
		t.Errorf("result: exact %v, ratios %v..%v; want not exact, 0.9..1", r.exact, r.minRatio, r.maxRatio)
	}
	md := r.markdown(b.cfg)
	for _, want := range []string{"exactly 1: false", "GraphQL UNAVAILABLE | 3"} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}
