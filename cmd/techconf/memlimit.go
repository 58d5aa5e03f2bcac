package main

import (
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
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
