// Package emulator starts the Cloud Spanner emulator for tests. It finds
// emulator_main on PATH or under the Google Cloud SDK's root, runs it on a
// free loopback port, and points the Spanner client at it through
// SPANNER_EMULATOR_HOST. A test that needs it skips with a message saying
// how to get it, except under CI=true, where it fails.
package emulator

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	once     sync.Once
	cmd      *exec.Cmd
	host     string
	startErr error
)

// Host starts the emulator once per test binary and returns its address
// (host:port). It also sets SPANNER_EMULATOR_HOST for this process and the
// processes it starts.
func Host(tb testing.TB) string {
	tb.Helper()
	once.Do(start)
	if startErr != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("Cloud Spanner emulator: %v", startErr)
		}
		tb.Skipf("Cloud Spanner emulator not available (%v); install the Google Cloud SDK's cloud-spanner-emulator component "+
			"(gcloud components install cloud-spanner-emulator) or put emulator_main on PATH", startErr)
	}
	return host
}

// Stop stops the emulator if it was started. Call it from TestMain after
// the tests ran.
func Stop() {
	if cmd != nil && cmd.Process != nil {
		cmd.Process.Kill()
		cmd.Wait()
	}
}

// Binary finds emulator_main.
func Binary() (string, error) {
	if p, err := exec.LookPath("emulator_main"); err == nil {
		return p, nil
	}
	gcloud, err := exec.LookPath("gcloud")
	if err != nil {
		return "", fmt.Errorf("emulator_main is not on PATH and gcloud is not installed")
	}
	out, err := exec.Command(gcloud, "info", "--format=value(installation.sdk_root)").Output()
	if err != nil {
		return "", fmt.Errorf("gcloud info: %v", err)
	}
	p := filepath.Join(strings.TrimSpace(string(out)), "bin", "cloud_spanner_emulator", "emulator_main")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("emulator_main not found at %s", p)
	}
	return p, nil
}

func start() {
	bin, err := Binary()
	if err != nil {
		startErr = err
		return
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		startErr = err
		return
	}
	addr := ln.Addr().String()
	ln.Close()
	var logs bytes.Buffer
	cmd = exec.Command(bin, "--host_port", addr)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		startErr = fmt.Errorf("start %s: %v", bin, err)
		return
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			Stop()
			startErr = fmt.Errorf("emulator did not listen on %s within 30 s: %s", addr, logs.String())
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	host = addr
	os.Setenv("SPANNER_EMULATOR_HOST", addr)
}
