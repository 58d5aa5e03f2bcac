package deploy_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/techconf/techconf/conference"
	"github.com/techconf/techconf/content"
	"github.com/techconf/techconf/internal/testserver"
)

// server is the image's binary started as a manifest starts it, by the
// test harness.
type server struct {
	*testserver.Process
	admin string // base URL of --admin-addr
}

// startAsManifest starts the image's binary with a container's args and
// environment, as the kubelet would, plus extra arguments. Only the
// addresses (loopback ports the server chooses and the harness reads
// back) and the database (a fresh SQLite file, instead of Spanner) are
// overridden, by flags, which win over the environment. It waits until
// the readiness probe answers 200.
func startAsManifest(tb testing.TB, m *manifests, c corev1.Container, owner string, extra ...string) *server {
	tb.Helper()
	p := m.process(tb, c, owner)
	args := append(append(c.Args, "--addr=127.0.0.1:0",
		"--db=sqlite:"+filepath.Join(tb.TempDir(), "likes.db")), extra...)
	if _, ok := p.Env["TECHCONF_ADMIN_ADDR"]; ok || p.Flags["admin-addr"] != "" {
		// The manifest's port, moved to a loopback one like --addr.
		args = append(args, "--admin-addr=127.0.0.1:0")
	}
	env := []string{}
	for k, v := range p.Env {
		env = append(env, k+"="+v)
	}
	tb.Logf("%s: techconf %s", owner, strings.Join(args, " "))
	proc := testserver.StartProcess(tb, testserver.Options{Binary: imageBinary(tb), Argv: args, Env: env, CleanEnv: true,
		Ready: c.ReadinessProbe.HTTPGet.Path})
	return &server{Process: proc, admin: proc.AdminURL()}
}

var noRedirect = &http.Client{
	Timeout:       5 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// get returns the status and body of GET path (0 if the request failed).
func (s *server) get(tb testing.TB, path string) (int, string) {
	return s.getURL(tb, s.URL+path)
}

// getURL is get for a full URL (the admin port).
func (s *server) getURL(tb testing.TB, url string) (int, string) {
	resp, err := noRedirect.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// post sends a GraphQL request and returns the status and body.
func (s *server) post(tb testing.TB, path, query string) (int, string) {
	tb.Helper()
	body, _ := json.Marshal(map[string]string{"query": query})
	resp, err := noRedirect.Post(s.URL+path, "application/json", bytes.NewReader(body))
	if err != nil {
		tb.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out)
}

// terminate sends SIGTERM, as the kubelet does, and returns how long the
// server took to exit.
func (s *server) terminate(tb testing.TB, limit time.Duration) time.Duration {
	tb.Helper()
	start := time.Now()
	s.Stop()
	select {
	case err := <-s.Exited:
		if err != nil {
			tb.Errorf("after SIGTERM: %v; want exit status 0", err)
		}
		return time.Since(start)
	case <-time.After(limit):
		tb.Errorf("still running %s after SIGTERM", limit)
		return limit
	}
}

// servedPaths are requests that the role of each Deployment must answer
// (a status below 400), by role.
func servedPaths(tb testing.TB) map[string][]string {
	tb.Helper()
	catalog, err := conference.Load(content.Sample())
	if err != nil {
		tb.Fatal(err)
	}
	paths := map[string][]string{"web": {"/"}}
	for _, ed := range catalog.Editions {
		paths["api"] = append(paths["api"], "/"+ed.ID+"/api/query?query=%7B__typename%7D", "/"+ed.ID+"/api/playground")
		paths["web"] = append(paths["web"], "/"+ed.ID+"/")
		if len(ed.Sessions) > 0 {
			paths["web"] = append(paths["web"], fmt.Sprintf("/%s/sessions/%d", ed.ID, ed.Sessions[0].ID))
		}
	}
	return paths
}

// TestManifestsAgreeWithServer starts every Deployment of every overlay
// and the migration Job as the manifests say, and checks that the server
// answers the probes, serves the paths the Ingress sends it (and not the
// others'), and stops within the termination grace period.
func TestManifestsAgreeWithServer(t *testing.T) {
	serve, _ := flagsOf(t)
	served := servedPaths(t)
	type running struct {
		owner string
		s     *server
		grace time.Duration
	}
	var all []running
	for _, dir := range deployedOverlays {
		m := render(t, dir)
		for _, name := range keys(m.Deployments) {
			d := m.Deployments[name]
			owner := dir + ": Deployment/" + name
			c := container(t, d.Spec.Template.Spec, owner)
			role := m.process(t, c, owner).value(serve, "role")
			s := startAsManifest(t, m, c, owner)
			for _, probe := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe} {
				if code, body := s.get(t, probe.HTTPGet.Path); code != http.StatusOK {
					t.Errorf("%s: probe GET %s = %d %s; want 200", owner, probe.HTTPGet.Path, code, body)
				}
			}
			if code, _ := s.getURL(t, s.admin+"/metrics"); code != http.StatusOK {
				t.Errorf("%s: GET /metrics on the admin port = %d; want 200 (the PodMonitoring scrapes it)", owner, code)
			}
			// The public port, the only one a Service exposes and so the
			// only one the Ingress can route to, serves neither.
			for _, path := range []string{"/metrics", "/debug/pprof/", "/debug/pprof/heap"} {
				if code, _ := s.get(t, path); code != http.StatusNotFound {
					t.Errorf("%s: GET %s on the public port = %d; want 404 (admin port only)", owner, path, code)
				}
			}
			for r, paths := range served {
				for _, path := range paths {
					code, body := s.get(t, path)
					switch {
					case r == role && (code == 0 || code >= 400):
						t.Errorf("%s (--role=%s): GET %s = %d; want it served, since the Ingress sends it here\n%.300s", owner, role, path, code, body)
					case r != role && path != "/" && code != http.StatusNotFound:
						t.Errorf("%s (--role=%s): GET %s = %d; want 404, since the Ingress sends it to role %s", owner, role, path, code, r)
					}
				}
			}
			all = append(all, running{owner, s, time.Duration(*d.Spec.Template.Spec.TerminationGracePeriodSeconds) * time.Second})
		}
		for _, name := range keys(m.Jobs) {
			owner := dir + ": Job/" + name
			c := container(t, m.Jobs[name].Spec.Template.Spec, owner)
			p := m.process(t, c, owner)
			args := append(c.Args, "--db=sqlite:"+filepath.Join(t.TempDir(), "likes.db"))
			cmd := exec.Command(imageBinary(t), args...)
			cmd.Env = []string{}
			for k, v := range p.Env {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s: techconf %s: %v\n%s", owner, strings.Join(args, " "), err, out)
			}
		}
	}
	// SIGTERM to all at once, as in a rollout: each must be gone before
	// the kubelet's terminationGracePeriodSeconds runs out.
	var wg sync.WaitGroup
	for _, r := range all {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if took := r.s.terminate(t, r.grace); took >= r.grace {
				t.Errorf("%s: exit took %s after SIGTERM; want less than terminationGracePeriodSeconds (%s)", r.owner, took, r.grace)
			}
		}()
	}
	wg.Wait()
}
