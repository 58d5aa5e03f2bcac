package main

import (
	"log/slog"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"
)

// cgroupMemoryFiles hold the container's memory limit: cgroup v2, then v1.
var cgroupMemoryFiles = []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}

// setMemoryLimit gives the Go runtime a soft memory limit of 90 % of the
// container's, unless $GOMEMLIMIT sets one. Without it the heap may grow
// to twice its live size before a collection (GOGC=100) and the kernel
// kills the pod under a burst that a collection would have absorbed; the
// 10 % left is for stacks, buffers outside the heap and the runtime.
func setMemoryLimit(logger *slog.Logger, lookup func(string) (string, bool)) {
	if v, ok := lookup("GOMEMLIMIT"); ok && v != "" {
		logger.Info("memory limit from $GOMEMLIMIT", "gomemlimit", v)
		return
	}
	for _, f := range cgroupMemoryFiles {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		limit, ok := parseCgroupMemory(string(b))
		if !ok {
			return
		}
		soft := limit / 10 * 9
		debug.SetMemoryLimit(soft)
		logger.Info("memory limit from the container", "file", f, "container_bytes", limit, "gomemlimit_bytes", soft)
		return
	}
}

// parseCgroupMemory reads a cgroup memory limit; "max" (v2) and the huge
// values of v1 mean no limit.
func parseCgroupMemory(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n >= 1<<60 {
		return 0, false
	}
	return n, true
}

// heapHeadroom is the least the heap grows between two collections.
const heapHeadroom = 64 << 20

// keepHeapHeadroom lets the heap grow by at least heapHeadroom between two
// collections, unless $GOGC is set, until stop is called (which restores
// the percentage it found). With GOGC=100 alone a server of a few
// megabytes of live heap collects every few megabytes of garbage: at
// 20,000 createLikes a second that was nine collections a second, each
// marking the whole of the program's globals, about 2 µs of every
// request. It raises the percentage while the live heap is small and
// keeps 100 once the live heap passes heapHeadroom (a server holding
// many subscribers), so a big heap still only doubles; the memory limit
// (setMemoryLimit) bounds it either way.
func keepHeapHeadroom(lookup func(string) (string, bool)) (stop func()) {
	if v, ok := lookup("GOGC"); ok && v != "" {
		return func() {}
	}
	headroom.Lock()
	defer headroom.Unlock()
	if headroom.users++; headroom.users == 1 {
		headroom.stop = startHeadroom()
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			headroom.Lock()
			defer headroom.Unlock()
			if headroom.users--; headroom.users == 0 {
				headroom.stop()
			}
		})
	}
}

// headroom is the one tuner of the process, shared by every Main (tests
// run several in one process).
var headroom struct {
	sync.Mutex
	users int
	stop  func()
}

// startHeadroom starts the tuner: after each collection it sets the
// percentage for the live heap it left.
func startHeadroom() (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	found := debug.SetGCPercent(100)
	go func() {
		defer close(finished)
		samples := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/gc/cycles/total:gc-cycles"}}
		ticker := time.NewTicker(100 * time.Millisecond)
		defer ticker.Stop()
		var cycles uint64
		percent := 100
		for {
			select {
			case <-done:
				return
			case <-ticker.C:
			}
			metrics.Read(samples)
			if samples[1].Value.Kind() != metrics.KindUint64 || samples[1].Value.Uint64() == cycles {
				continue // no collection since the last look: the live heap is as it was
			}
			cycles = samples[1].Value.Uint64()
			if p := headroomPercent(samples[0].Value.Uint64()); p != percent {
				percent = p
				debug.SetGCPercent(p)
			}
		}
	}()
	return func() {
		close(done)
		<-finished
		debug.SetGCPercent(found)
	}
}

// headroomPercent is the GOGC that lets a live heap of live bytes grow by
// heapHeadroom, at least 100, in steps of 25 so that small changes of the
// live heap do not each reset the collector's goal.
func headroomPercent(live uint64) int {
	if live == 0 || live >= heapHeadroom {
		return 100
	}
	p := int(heapHeadroom * 100 / live)
	return min(max(100, p/25*25), 10000)
}
