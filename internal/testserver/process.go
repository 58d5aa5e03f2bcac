package testserver

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Process is one `techconf serve`: a process of its own (for what only
// processes show: SIGTERM, kill -9, several servers with their own
// clocks and memory), or cmd/techconf's Main run in-process by
// StartInProcess. Both answer the same way, so a test can use either.
type Process struct {
	// URL is the public base URL, http://127.0.0.1:PORT.
	URL string
	// Listens are the loopback addresses a process listens on (the public
	// one and any admin one), as host:port; nil in-process.
	Listens []string
	// Logs is what it wrote to stderr (and stdout).
	Logs *Logs
	// Cmd is the process; nil in-process.
	Cmd *exec.Cmd
	// Exited receives the exit error (nil for status 0) once. A test that
	// only looks puts it back for the cleanup.
	Exited chan error

	stop func()        // SIGTERM
	done chan struct{} // closed once it has exited
}

// AdminURL is the base URL of the listener that is not the public one
// (`--admin-addr`), or "" when there is none.
func (p *Process) AdminURL() string {
	for _, a := range p.Listens {
		if "http://"+a != p.URL {
			return "http://" + a
		}
	}
	return ""
}

// Stop sends SIGTERM (in-process: ends Run's context) and returns at
// once; Exited tells when the server is gone.
func (p *Process) Stop() { p.stop() }

// Terminate sends SIGTERM (in-process: ends Run's context) and returns
// the exit error (nil for status 0); it fails the test if the server has
// not exited 30 s later.
func (p *Process) Terminate(tb testing.TB) error {
	tb.Helper()
	p.stop()
	select {
	case err := <-p.Exited:
		return err
	case <-time.After(30 * time.Second):
		tb.Fatalf("serve %s did not exit within 30 s of SIGTERM", p.URL)
		return nil
	}
}

// Kill ends a process at once, as kill -9 does; it returns once the
// process is gone. In-process it is Terminate without the wait.
func (p *Process) Kill() {
	if p.Cmd == nil {
		p.stop()
		return
	}
	p.Cmd.Process.Kill()
	<-p.done
}

// Client is a GraphQL client for one of the server's editions.
func (p *Process) Client(edition string) *Client { return NewClient(p.URL, edition) }

// Options says how to start a process.
type Options struct {
	// DB is the --db value; empty means a new SQLite file in a temporary
	// folder.
	DB string
	// Args come after the harness's own flags (`--addr 127.0.0.1:0`,
	// `--db`, `--log-level warn`, `--like-poll-interval 50ms`); a flag
	// given again there wins.
	Args []string
	// Env is added to this process's environment.
	Env []string
	// CleanEnv starts the process with Env alone, as a container starts,
	// instead of this process's environment plus Env.
	CleanEnv bool
	// Binary is the executable to run; empty builds cmd/techconf.
	Binary string
	// Argv, if set, is the whole command line after the binary (a
	// manifest's own arguments), in place of `serve`, the harness's flags,
	// DB and Args. It must listen on 127.0.0.1:0 (any admin address too):
	// the harness reads the ports back.
	Argv []string
	// Ready is the path of the readiness probe to wait for; default
	// /healthz/readiness.
	Ready string
}

// StartProcess builds cmd/techconf once per test binary and runs
// `techconf serve` as a process of its own; it returns once the server is
// ready, and kills it when the test ends (logging its output if the test
// failed).
func StartProcess(tb testing.TB, opts Options) *Process {
	tb.Helper()
	if opts.DB == "" && opts.Argv == nil {
		opts.DB = "sqlite:" + filepath.Join(tb.TempDir(), "likes.db")
	}
	p, err := Launch(opts)
	if p != nil {
		tb.Cleanup(func() {
			p.Cmd.Process.Kill()
			if tb.Failed() {
				tb.Logf("logs of %s:\n%s", p.URL, p.Logs.String())
			}
		})
	}
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// Launch is StartProcess for a server shared by several tests (started
// once, stopped by TestMain with Kill): nothing is tied to one test.
// opts.DB (or opts.Argv) must be set. If the server started but never
// became ready, Launch returns it with the error, and the caller kills it.
func Launch(opts Options) (*Process, error) {
	args := opts.Argv
	if args == nil {
		if opts.DB == "" {
			return nil, fmt.Errorf("testserver.Launch: no database")
		}
		args = append([]string{"serve", "--addr", "127.0.0.1:0", "--db", opts.DB, "--log-level", "warn", "--like-poll-interval", "50ms"}, opts.Args...)
	}
	bin := opts.Binary
	if bin == "" {
		var err error
		if bin, err = binary(); err != nil {
			return nil, err
		}
	}
	p := &Process{Cmd: exec.Command(bin, args...), Logs: &Logs{}, Exited: make(chan error, 1), done: make(chan struct{})}
	p.Cmd.Env = append(os.Environ(), opts.Env...)
	if opts.CleanEnv {
		p.Cmd.Env = append([]string{}, opts.Env...)
	}
	ready := opts.Ready
	if ready == "" {
		ready = "/healthz/readiness"
	}
	p.Cmd.Stdout, p.Cmd.Stderr = p.Logs, p.Logs
	p.stop = func() { p.Cmd.Process.Signal(syscall.SIGTERM) }
	if err := p.Cmd.Start(); err != nil {
		return nil, err
	}
	go func() {
		p.Exited <- p.Cmd.Wait()
		close(p.done)
	}()
	return p, p.ready(ready)
}

// ready waits until the process serves: the one of its listeners that
// answers the liveness probe is the public one (an admin listener does
// not), then the readiness probe at path says the store has answered.
func (p *Process) ready(path string) error {
	if runtime.GOOS != "linux" {
		return fmt.Errorf("testserver reads a process's listening ports from /proc (Linux only)")
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if p.URL == "" {
			p.Listens = listening(p.Cmd.Process.Pid)
			for _, a := range p.Listens {
				if resp, err := http.Get("http://" + a + "/healthz/liveness"); err == nil {
					resp.Body.Close()
					if resp.StatusCode == http.StatusOK {
						p.URL = "http://" + a
					}
				}
			}
		}
		if p.URL != "" {
			if resp, err := http.Get(p.URL + path); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					// Serving means Open has bound every listener.
					p.Listens = listening(p.Cmd.Process.Pid)
					return nil
				}
			}
		}
		select {
		case err := <-p.Exited:
			p.Exited <- err
			return fmt.Errorf("serve exited (%v) before it was ready:\n%s", err, p.Logs.String())
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("serve not ready after 30 s:\n%s", p.Logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// StartInProcess runs a server in this test's process, as cmd/techconf's
// tests run their Main (which this package cannot import): run opens it
// and returns its base URL once it listens, wait serves until its context
// ends (SIGTERM) and returns the exit error. When the test ends the
// context is cancelled and the server gets 30 s to stop.
func StartInProcess(tb testing.TB, logs *Logs, run func(context.Context) (string, error), wait func(context.Context) error) *Process {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	url, err := run(ctx)
	if err != nil {
		cancel()
		tb.Fatalf("serve: %v\n%s", err, logs.String())
	}
	p := &Process{URL: url, Logs: logs, Exited: make(chan error, 1), stop: cancel, done: make(chan struct{})}
	go func() {
		p.Exited <- wait(ctx)
		close(p.done)
	}()
	tb.Cleanup(func() {
		cancel()
		select {
		case <-p.done:
		case <-time.After(30 * time.Second):
			tb.Errorf("serve %s still running 30 s after the test ended", p.URL)
		}
		if tb.Failed() {
			tb.Logf("logs of %s:\n%s", p.URL, logs.String())
		}
	})
	return p
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

// binary builds cmd/techconf once per test binary (Main removes it).
func binary() (string, error) {
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "techconf-bin")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "techconf")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/techconf/techconf/cmd/techconf").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build cmd/techconf: %v\n%s", err, out)
		}
	})
	return binPath, binErr
}

// Main runs a package's tests and then removes the binary that
// StartProcess built; a TestMain returns its code: os.Exit(testserver.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	return code
}

// listening returns the loopback TCP addresses that process pid listens
// on, read from /proc. A server process started on 127.0.0.1:0 chooses its
// ports itself; the test reads them back here rather than closing a free
// port and hoping that nobody takes it before the server does.
func listening(pid int) []string {
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	fds, err := os.ReadDir(dir)
	if err != nil {
		return nil // the process has exited or not started yet
	}
	sockets := map[string]bool{}
	for _, fd := range fds {
		link, _ := os.Readlink(filepath.Join(dir, fd.Name()))
		if inode, ok := strings.CutPrefix(link, "socket:["); ok {
			sockets[strings.TrimSuffix(inode, "]")] = true
		}
	}
	table, err := os.ReadFile(fmt.Sprintf("/proc/%d/net/tcp", pid))
	if err != nil {
		return nil
	}
	var addrs []string
	for _, line := range strings.Split(string(table), "\n")[1:] {
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
		f := strings.Fields(line)
		if len(f) < 10 || f[3] != "0A" || !sockets[f[9]] { // 0A: LISTEN
			continue
		}
		_, portHex, _ := strings.Cut(f[1], ":")
		port, err := strconv.ParseUint(portHex, 16, 16)
		if err != nil {
			continue
		}
		addrs = append(addrs, "127.0.0.1:"+strconv.FormatUint(port, 10))
	}
	return addrs
}

// Logs is a buffer that a server's goroutines (or a process's output)
// write while the test reads it.
type Logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String is everything written so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
