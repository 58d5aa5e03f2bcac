package main

import (
	"context"
	"flag"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/techconf/techconf/conference"
	"github.com/techconf/techconf/content"
	_ "github.com/techconf/techconf/internal/golden" // registers -update for `go test ./... -update`
	"github.com/techconf/techconf/internal/testserver"
)

// noEnv is an empty environment, so that the tester's own TECHCONF_*
// variables cannot change what a test sees.
func noEnv(string) (string, bool) { return "", false }

// envOf returns a lookup function over a fixed environment.
func envOf(env map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		v, ok := env[name]
		return v, ok
	}
}

// syncBuffer is a buffer safe for the server's goroutines to write
// while the test reads it.
type syncBuffer = testserver.Logs

// result is what one run of the command produced.
type result struct {
	code           int
	stdout, stderr string
}

// runCommand runs the command to its end and returns what it printed.
func runCommand(tb testing.TB, ctx context.Context, lookup func(string) (string, bool), args ...string) result {
	tb.Helper()
	var stdout, stderr syncBuffer
	code := run(ctx, args, &stdout, &stderr, lookup)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// writeSampleCopy writes the embedded sample into a temporary folder and
// returns the folder.
func writeSampleCopy(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	sample := content.Sample()
	err := fs.WalkDir(sample, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		target := filepath.Join(dir, filepath.FromSlash(name))
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := fs.ReadFile(sample, name)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		tb.Fatalf("copy sample: %v", err)
	}
	return dir
}

// editFile replaces old, which must occur exactly once, with new in the file
// at dir/name.
func editFile(tb testing.TB, dir, name, old, new string) {
	tb.Helper()
	path := filepath.Join(dir, filepath.FromSlash(name))
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	if n := strings.Count(string(data), old); n != 1 {
		tb.Fatalf("%s contains %q %d times, want exactly once", name, old, n)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		tb.Fatal(err)
	}
}

func TestContentCheckSample(t *testing.T) {
	r := runCommand(t, context.Background(), noEnv, "content", "check")
	if r.code != 0 {
		t.Fatalf("content check: exit %d, want 0; stderr:\n%s", r.code, r.stderr)
	}
	for _, want := range []string{"2018:", "2017:", "ok"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("content check: stdout = %q, want it to mention %q", r.stdout, want)
		}
	}
}

func TestContentCheckDir(t *testing.T) {
	t.Run("valid copy", func(t *testing.T) {
		dir := writeSampleCopy(t)
		r := runCommand(t, context.Background(), noEnv, "content", "check", dir)
		if r.code != 0 {
			t.Fatalf("content check %s: exit %d, want 0; stderr:\n%s", dir, r.code, r.stderr)
		}
		if want := dir + ": ok"; !strings.Contains(r.stdout, want) {
			t.Errorf("stdout = %q, want it to contain %q", r.stdout, want)
		}
	})

	t.Run("broken copy", func(t *testing.T) {
		dir := writeSampleCopy(t)
		// Session 12 ends before it starts; session 5 names a speaker who
		// does not exist.
		editFile(t, dir, "2018/sessions.yaml",
			"- id: 12\n  type: session\n  place: Hall A\n  startTime: \"2018-10-06T14:40:00+09:00\"\n  endTime: \"2018-10-06T15:10:00+09:00\"",
			"- id: 12\n  type: session\n  place: Hall A\n  startTime: \"2018-10-06T14:40:00+09:00\"\n  endTime: \"2018-10-06T14:10:00+09:00\"")
		editFile(t, dir, "2018/sessions.yaml", "speakers: [yuki-hasegawa]", "speakers: [nobody-at-all]")

		r := runCommand(t, context.Background(), noEnv, "content", "check", dir)
		if r.code != 1 {
			t.Fatalf("content check: exit %d, want 1; stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
		}
		for _, want := range []string{
			"2018/sessions.yaml: session 12: endTime: ",
			"2018/sessions.yaml: session 5: speakers: ",
			`"nobody-at-all"`,
			dir + ": ",
			"problem(s)",
		} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr = %q, want it to contain %q", r.stderr, want)
			}
		}
		if strings.Contains(r.stdout, "ok") {
			t.Errorf("stdout = %q, want no \"ok\" for broken content", r.stdout)
		}
	})

	t.Run("missing folder", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "nowhere")
		r := runCommand(t, context.Background(), noEnv, "content", "check", dir)
		if r.code != 1 {
			t.Fatalf("content check %s: exit %d, want 1; stderr:\n%s", dir, r.code, r.stderr)
		}
		for _, want := range []string{"content folder", dir} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr = %q, want it to contain %q", r.stderr, want)
			}
		}
	})

	t.Run("file instead of folder", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "content.yaml")
		if err := os.WriteFile(file, []byte("name: x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		r := runCommand(t, context.Background(), noEnv, "content", "check", file)
		if r.code != 1 || !strings.Contains(r.stderr, "not a folder") {
			t.Errorf("content check %s: exit %d, stderr %q; want exit 1 and \"not a folder\"", file, r.code, r.stderr)
		}
	})
}

func TestRunUsageErrors(t *testing.T) {
	// A serve that wrongly accepted its flags stops at once on a stopped
	// context instead of serving for ever.
	stopped, stop := context.WithCancel(context.Background())
	stop()
	db := "sqlite:" + filepath.Join(t.TempDir(), "never.db")
	for _, tc := range []struct {
		name       string
		args       []string
		env        map[string]string
		wantStderr string
	}{
		{"unknown command", []string{"frobnicate"}, nil, `unknown command "frobnicate"`},
		{"content without check", []string{"content"}, nil, "usage: techconf content check"},
		{"content check with two folders", []string{"content", "check", "a", "b"}, nil, "usage: techconf content check"},
		{"unknown flag", []string{"serve", "--no-such-flag", "--db", db}, nil, "no-such-flag"},
		{"unexpected argument", []string{"serve", "--db", db, "extra"}, nil, "unexpected arguments: extra"},
		{"bad role", []string{"serve", "--role", "nope", "--db", db}, nil, "--role"},
		{"unknown database", []string{"serve", "--db", "mysql:x"}, nil, `unknown database "mysql"`},
		{"malformed spanner database", []string{"serve", "--db", "spanner:bad"}, nil, "projects/P/instances/I/databases/D"},
		{"database without location", []string{"serve", "--db", "sqlite:"}, nil, "--db"},
		{"bad log level", []string{"serve", "--log-level", "loud", "--db", db}, nil, "--log-level"},
		{"zero shutdown grace", []string{"serve", "--shutdown-grace", "0s", "--db", db}, nil, "--shutdown-grace"},
		{"bad like ack", []string{"serve", "--like-ack", "eventually", "--db", db}, nil, `--like-ack must be durable or buffered (got "eventually")`},
		{"batch smaller than a request", []string{"serve", "--like-batch-size", "50", "--db", db}, nil, "--like-batch-size must be at least 100 (got 50)"},
		{"buffer smaller than a batch", []string{"serve", "--like-buffer-size", "1000", "--db", db}, nil, "--like-buffer-size must be at least the batch size"},
		{"negative rate from the environment", []string{"serve", "--db", db}, map[string]string{"TECHCONF_LIKE_RATE_LIMIT": "-1"}, "$TECHCONF_LIKE_RATE_LIMIT must not be negative"},
		{"server id too long", []string{"serve", "--server-id", strings.Repeat("s", 129), "--db", db}, nil, "--server-id is 129 bytes long"},
		{"bad role from the environment", []string{"serve", "--db", db}, map[string]string{"TECHCONF_ROLE": "nope"}, "$TECHCONF_ROLE"},
		{"bad database from the environment", []string{"serve"}, map[string]string{"TECHCONF_DB": "mysql:x"}, "$TECHCONF_DB"},
		{"bad duration from the environment", []string{"serve", "--db", db}, map[string]string{"TECHCONF_SHUTDOWN_GRACE": "soon"}, "$TECHCONF_SHUTDOWN_GRACE"},
		{"bad database for migrate", []string{"migrate", "--db", "mysql:x"}, nil, `unknown database "mysql"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCommand(t, stopped, envOf(tc.env), tc.args...)
			if r.code != 2 {
				t.Errorf("run(%q): exit %d, want 2; stderr:\n%s", tc.args, r.code, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.wantStderr) {
				t.Errorf("run(%q): stderr = %q, want it to contain %q", tc.args, r.stderr, tc.wantStderr)
			}
		})
	}
}

func TestRunHelp(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}, {"serve", "--help"}, {"migrate", "-h"}} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := runCommand(t, context.Background(), noEnv, args...)
			if r.code != 0 {
				t.Errorf("run(%q): exit %d, want 0; stderr:\n%s", args, r.code, r.stderr)
			}
			if out := r.stdout + r.stderr; !strings.Contains(out, "usage: techconf") {
				t.Errorf("run(%q): output = %q, want a usage text", args, out)
			}
			if len(args) == 1 && !strings.Contains(r.stdout, "content import") {
				t.Errorf("run(%q): stdout = %q, want the list of commands", args, r.stdout)
			}
		})
	}
}

func TestApplyEnv(t *testing.T) {
	for _, tc := range []struct {
		name      string
		args      []string
		env       map[string]string
		wantAddr  string
		wantRole  string
		wantGrace time.Duration
	}{
		{
			name:     "defaults without environment",
			wantAddr: ":8080", wantRole: "all", wantGrace: 20 * time.Second,
		},
		{
			name:     "flag wins over environment",
			args:     []string{"--role", "api", "--addr", ":1234"},
			env:      map[string]string{"TECHCONF_ROLE": "web", "TECHCONF_ADDR": ":5678", "PORT": "9999"},
			wantAddr: ":1234", wantRole: "api", wantGrace: 20 * time.Second,
		},
		{
			name:     "environment used when flag absent",
			env:      map[string]string{"TECHCONF_ROLE": "web", "TECHCONF_SHUTDOWN_GRACE": "3s"},
			wantAddr: ":8080", wantRole: "web", wantGrace: 3 * time.Second,
		},
		{
			name:     "PORT sets addr",
			env:      map[string]string{"PORT": "9999"},
			wantAddr: ":9999", wantRole: "all", wantGrace: 20 * time.Second,
		},
		{
			name:     "empty PORT is ignored",
			env:      map[string]string{"PORT": ""},
			wantAddr: ":8080", wantRole: "all", wantGrace: 20 * time.Second,
		},
		{
			name:     "TECHCONF_ADDR wins over PORT",
			env:      map[string]string{"TECHCONF_ADDR": "127.0.0.1:7000", "PORT": "9999"},
			wantAddr: "127.0.0.1:7000", wantRole: "all", wantGrace: 20 * time.Second,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			addr := fs.String("addr", ":8080", "")
			role := fs.String("role", "all", "")
			grace := fs.Duration("shutdown-grace", 20*time.Second, "")
			if err := fs.Parse(tc.args); err != nil {
				t.Fatalf("Parse(%q): %v", tc.args, err)
			}
			if err := applyEnv(fs, envOf(tc.env)); err != nil {
				t.Fatalf("applyEnv: %v, want no error", err)
			}
			if *addr != tc.wantAddr {
				t.Errorf("addr = %q, want %q", *addr, tc.wantAddr)
			}
			if *role != tc.wantRole {
				t.Errorf("role = %q, want %q", *role, tc.wantRole)
			}
			if *grace != tc.wantGrace {
				t.Errorf("shutdown-grace = %v, want %v", *grace, tc.wantGrace)
			}
		})
	}

	t.Run("invalid value names the variable", func(t *testing.T) {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		fs.Duration("shutdown-grace", time.Second, "")
		err := applyEnv(fs, envOf(map[string]string{"TECHCONF_SHUTDOWN_GRACE": "soon"}))
		if err == nil || !strings.Contains(err.Error(), "$TECHCONF_SHUTDOWN_GRACE") {
			t.Errorf("applyEnv error = %v, want one naming $TECHCONF_SHUTDOWN_GRACE", err)
		}
	})
}

func TestEnvName(t *testing.T) {
	for _, tc := range []struct{ flag, want string }{
		{"addr", "TECHCONF_ADDR"},
		{"server-id", "TECHCONF_SERVER_ID"},
		{"shutdown-grace", "TECHCONF_SHUTDOWN_GRACE"},
	} {
		if got := envName(tc.flag); got != tc.want {
			t.Errorf("envName(%q) = %q, want %q", tc.flag, got, tc.want)
		}
	}
}

func TestDefaultServerID(t *testing.T) {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "techconf"
	}
	a, b := defaultServerID(), defaultServerID()
	if a == b {
		t.Errorf("defaultServerID() twice = %q and %q, want different ids", a, b)
	}
	for _, id := range []string{a, b} {
		if !strings.HasPrefix(id, host+"-") || len(id) <= len(host)+1 {
			t.Errorf("defaultServerID() = %q, want the hostname %q, a dash and a suffix", id, host)
		}
	}
}

func TestMigrate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.db")
	for _, attempt := range []string{"first", "again"} {
		r := runCommand(t, context.Background(), noEnv, "migrate", "--db", "sqlite:"+path)
		if r.code != 0 {
			t.Fatalf("migrate (%s): exit %d, want 0; stderr:\n%s", attempt, r.code, r.stderr)
		}
		if !strings.Contains(r.stdout, "up to date") {
			t.Errorf("migrate (%s): stdout = %q, want it to say the schema is up to date", attempt, r.stdout)
		}
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("migrate (%s): %v, want the database file created", attempt, err)
		}
	}
}

// startServe runs `techconf serve` in-process on a port of its own choice
// with a fresh SQLite database, and stops it when the test ends. Main's
// Run returns once the server listens and the store has answered: it is
// ready at once.
func startServe(tb testing.TB, extraArgs ...string) *proc {
	tb.Helper()
	p := startMain(tb, "sqlite:"+filepath.Join(tb.TempDir(), "likes.db"), nil, extraArgs...)
	resp, err := http.Get(p.URL + "/healthz/readiness")
	if err != nil {
		tb.Fatalf("GET /healthz/readiness: %v; stderr:\n%s", err, p.Logs.String())
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET /healthz/readiness: status %d, want 200; stderr:\n%s", resp.StatusCode, p.Logs.String())
	}
	return p
}

// noRedirects is a client that shows redirects instead of following them.
var noRedirects = &http.Client{
	Timeout:       5 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// exited waits up to within for the server to exit and returns its exit
// status as `techconf serve` would have; ok is false if it did not exit.
func exited(p *proc, within time.Duration) (code int, ok bool) {
	select {
	case err := <-p.Exited:
		p.Exited <- err // for Cleanup
		return exitStatus("serve", err, io.Discard), true
	case <-time.After(within):
		return 0, false
	}
}

func TestServe(t *testing.T) {
	catalog, err := conference.Load(content.Sample())
	if err != nil {
		t.Fatal(err)
	}
	wantTitle := catalog.Edition("2018").Session(1).Title.In("en")
	const grace = 5 * time.Second
	p := startServe(t, "--shutdown-grace", grace.String())

	t.Run("root redirects to the newest edition", func(t *testing.T) {
		resp, err := noRedirects.Get(p.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound {
			t.Errorf("GET /: status %d, want %d", resp.StatusCode, http.StatusFound)
		}
		if got, want := resp.Header.Get("Location"), "/2018/"; got != want {
			t.Errorf("GET /: Location = %q, want %q", got, want)
		}
	})

	t.Run("GraphQL session query", func(t *testing.T) {
		var got struct {
			Session *struct{ Title string } `json:"session"`
		}
		p.Client("2018").Do(t, "{ session(sessionId: 1) { title } }", nil).Decode(t, &got)
		if got.Session == nil {
			t.Fatal("session 1 = null, want the opening")
		}
		if got.Session.Title != wantTitle {
			t.Errorf("session 1 title = %q, want %q", got.Session.Title, wantTitle)
		}
	})

	// SIGTERM: run must stop cleanly within the grace period.
	noRedirects.CloseIdleConnections()
	http.DefaultClient.CloseIdleConnections()
	p.Stop()
	code, ok := exited(p, grace)
	if !ok {
		t.Fatalf("serve did not return within the grace period %v; stderr:\n%s", grace, p.Logs.String())
	}
	if code != 0 {
		t.Errorf("serve after cancel: exit %d, want 0; stderr:\n%s", code, p.Logs.String())
	}
	if resp, err := noRedirects.Get(p.URL + "/healthz/liveness"); err == nil {
		resp.Body.Close()
		t.Errorf("GET /healthz/liveness after shutdown: status %d, want the listener closed", resp.StatusCode)
	}
}

// While it drains (--shutdown-delay), a process reports not-ready but must
// still answer the requests the load balancer sends until it notices.
func TestServeDuringShutdownDelay(t *testing.T) {
	p := startServe(t, "--shutdown-delay", "1s", "--shutdown-grace", "5s")
	p.Stop()

	deadline := time.Now().Add(time.Second)
	for {
		resp, err := noRedirects.Get(p.URL + "/healthz/readiness")
		if err != nil {
			t.Fatalf("GET /healthz/readiness while draining: %v, want 503", err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusServiceUnavailable {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /healthz/readiness after SIGTERM: status %d, want 503", resp.StatusCode)
		}
		time.Sleep(10 * time.Millisecond)
	}

	body := `{"query":"{ session(sessionId: 1) { title } }"}`
	resp, err := noRedirects.Post(p.URL+"/2018/api/query", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST /2018/api/query while draining: %v, want an answer", err)
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(raw), `"title"`) {
		// Requests must not inherit the signal context: a cancelled one made
		// the API answer 200 with a null body.
		t.Errorf("POST /2018/api/query while draining: status %d, body %s; want 200 with session 1's title", resp.StatusCode, raw)
	}

	code, ok := exited(p, 5*time.Second)
	if !ok {
		t.Fatalf("serve did not return within 5s of the end of its shutdown delay")
	}
	if code != 0 {
		t.Errorf("serve after cancel: exit %d, want 0; stderr:\n%s", code, p.Logs.String())
	}
}
