package main

import (
	"runtime"
	"runtime/metrics"
	"testing"
	"time"
)

func TestHeadroomPercent(t *testing.T) {
	for _, tc := range []struct {
		live uint64
		want int
	}{
		{0, 100},
		{1 << 20, 6400},  // 1 MiB live: grow by 64 MiB
		{6 << 20, 1050},  // 64/6 = 10.67, down to a step of 25
		{32 << 20, 200},  // grow by the headroom, exactly
		{50 << 20, 125},  // 128 %, down to a step
		{64 << 20, 100},  // past the headroom, GOGC's own doubling
		{1 << 30, 100},   // many subscribers
		{1 << 10, 10000}, // a tiny heap: capped
	} {
		if got := headroomPercent(tc.live); got != tc.want {
			t.Errorf("headroomPercent(%d) = %d; want %d", tc.live, got, tc.want)
		}
	}
}

// gogc reads the collector's percentage as the runtime has it.
func gogc() uint64 {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// TestKeepHeapHeadroom checks that after a collection of this test's small
// heap the percentage rises, that stopping restores it, and that $GOGC
// set by the operator is left alone.
func TestKeepHeapHeadroom(t *testing.T) {
	before := gogc()
	stop := keepHeapHeadroom(noEnv)
	deadline := time.Now().Add(5 * time.Second)
	for gogc() <= 100 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(50 * time.Millisecond)
	}
	if got := gogc(); got <= 100 {
		t.Errorf("GOGC with a small live heap = %d; want more than 100", got)
	}
	stop()
	stop() // twice is once
	if got := gogc(); got != before {
		t.Errorf("GOGC after stop = %d; want %d as before", got, before)
	}

	stop = keepHeapHeadroom(func(k string) (string, bool) { return map[string]string{"GOGC": "150"}[k], k == "GOGC" })
	defer stop()
	runtime.GC()
	time.Sleep(250 * time.Millisecond)
	if got := gogc(); got != before {
		t.Errorf("GOGC with $GOGC set = %d; want %d untouched", got, before)
	}
}
