package telemetry_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/techconf/techconf/internal/testserver"
	"github.com/techconf/techconf/telemetry"
)

// lockedBuffer is the log's destination, read while the buffer's timer
// may write to it.
type lockedBuffer = testserver.Logs

// TestLogBuffer checks that info lines wait, that a warning brings them
// out at once and in order, and that waiting lines are written after the
// delay without anything else happening.
func TestLogBuffer(t *testing.T) {
	var out lockedBuffer
	buf := telemetry.NewLogBuffer(&out, 50*time.Millisecond)
	logger := slog.New(telemetry.FlushOn(slog.NewJSONHandler(buf, nil), buf, slog.LevelWarn))

	// A delay long enough that the first two lines are still held when
	// the warning comes, however slow the machine: set it apart.
	held := telemetry.NewLogBuffer(&out, time.Hour)
	heldLogger := slog.New(telemetry.FlushOn(slog.NewJSONHandler(held, nil), held, slog.LevelWarn))
	heldLogger.Info("first")
	heldLogger.With("k", "v").Info("second")
	if got := out.String(); got != "" {
		t.Fatalf("info lines were written at once: %q", got)
	}
	heldLogger.Warn("third")
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], `"first"`) || !strings.Contains(lines[1], `"k":"v"`) || !strings.Contains(lines[2], `"third"`) {
		t.Fatalf("after a warning, want the three lines in order; got %q", out.String())
	}

	logger.Info("later")
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), `"later"`) {
		if time.Now().After(deadline) {
			t.Fatal("an info line was not written within 10 s of a 50 ms delay")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Lines larger than the buffer pass whole.
	long := strings.Repeat("x", 40<<10)
	logger.Info(long)
	if err := buf.Flush(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"msg":"`+long+`"`) {
		t.Error("a line longer than the buffer was not written whole")
	}
}
