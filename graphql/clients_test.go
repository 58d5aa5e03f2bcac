package graphql_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/techconf/techconf/conference"
	"github.com/techconf/techconf/content"
	"github.com/techconf/techconf/internal/testserver"
)

// These tests run client libraries that nobody here wrote, from npm, in
// real Node.js processes, against a real `techconf serve` process on a
// SQLite file: what the 2018 web and apps used (Apollo Client 2, the
// Flutter app's plain POST, subscriptions-transport-ws) and today's tools
// (Apollo Client 3, graphql-ws, graphql-http's audit of the GraphQL over
// HTTP spec, graphql-js's schema tools). The scripts and their pinned
// package-lock.json are in testdata/clients.

const clientsDir = "testdata/clients"

// clientsHelp says how to get what the client tests need.
const clientsHelp = "install Node.js 20 with npm, then: cd graphql/testdata/clients && npm ci"

func TestMain(m *testing.M) {
	code := testserver.Main(m)
	stopClientServer()
	os.Exit(code)
}

// skipOrFail skips the test for a missing real part, except under CI=true,
// where the part must be there.
func skipOrFail(tb testing.TB, msg string) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
}

// nodeClients returns the node binary once it has checked that the client
// libraries are installed as package-lock.json pins them.
func nodeClients(tb testing.TB) string {
	tb.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		skipOrFail(tb, "no node on PATH: "+clientsHelp)
	}
	want, err := lockedVersions(filepath.Join(clientsDir, "package-lock.json"))
	if err != nil {
		tb.Fatal(err)
	}
	got, err := lockedVersions(filepath.Join(clientsDir, "node_modules", ".package-lock.json"))
	if os.IsNotExist(err) {
		skipOrFail(tb, "the npm client libraries are not installed: "+clientsHelp)
	} else if err != nil {
		tb.Fatal(err)
	}
	for path, version := range want {
		if got[path] != version {
			skipOrFail(tb, fmt.Sprintf("%s is %q in node_modules, %q in package-lock.json: %s", path, got[path], version, clientsHelp))
		}
	}
	return node
}

// lockedVersions reads the package versions of an npm lock file (npm ci
// writes the same format to node_modules/.package-lock.json).
func lockedVersions(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var lock struct {
		Packages map[string]struct{ Version string } `json:"packages"`
	}
	if err := json.Unmarshal(data, &lock); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string]string{}
	for p, pkg := range lock.Packages {
		if p != "" {
			out[p] = pkg.Version
		}
	}
	return out, nil
}

// runNode runs a script of testdata/clients to its end and returns its
// standard output.
func runNode(tb testing.TB, node string, args ...string) []byte {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, args...)
	cmd.Dir = clientsDir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		tb.Fatalf("node %s: %v\nstderr:\n%s\nstdout:\n%s", strings.Join(args, " "), err, stderr.String(), stdout.String())
	}
	return stdout.Bytes()
}

// clientServer is one `techconf serve` process shared by the client tests
// (each test uses sessions of its own, so their likes do not mix),
// started by the harness on the first test that needs it.
var clientServer struct {
	once sync.Once
	dir  string
	p    *testserver.Process
	err  error
}

// mustStartClientServer starts `techconf serve` once, on a port of its
// own choice and a new SQLite file, and returns its base URL.
func mustStartClientServer(tb testing.TB) string {
	tb.Helper()
	s := &clientServer
	s.once.Do(func() {
		if s.dir, s.err = os.MkdirTemp("", "techconf-clients"); s.err != nil {
			return
		}
		s.p, s.err = testserver.Launch(testserver.Options{
			DB:   "sqlite:" + filepath.Join(s.dir, "likes.db"),
			Args: []string{"--like-poll-interval", "20ms", "--like-event-interval", "50ms"},
			Env:  []string{"TECHCONF_ALLOWED_ORIGINS=*"},
		})
	})
	if s.err != nil {
		tb.Fatal(s.err)
	}
	return s.p.URL
}

// stopClientServer ends the shared server (TestMain, after every test).
func stopClientServer() {
	if s := &clientServer; s.p != nil {
		s.p.Kill()
	}
	if clientServer.dir != "" {
		os.RemoveAll(clientServer.dir)
	}
}

func sampleEdition(tb testing.TB, id string) *conference.Edition {
	tb.Helper()
	catalog, err := conference.Load(content.Sample())
	if err != nil {
		tb.Fatal(err)
	}
	ed := catalog.Edition(id)
	if ed == nil {
		tb.Fatalf("the sample has no edition %s", id)
	}
	return ed
}

// apolloResult is what apollo.js prints.
type apolloResult struct {
	Timetable struct {
		PageInfo struct{ HasNextPage bool }
		Nodes    []struct {
			ID        string
			SessionID int
			Title     string
			Speakers  []struct{ ID, SpeakerID, Name string }
		}
	}
	Session struct {
		ID        string
		SessionID int
		Title     string
		Liked     int
		Speakers  []struct{ ID, SpeakerID, Name string }
	}
	CreateLike struct {
		ClientMutationID string
		Like             struct {
			ID      string
			Session struct {
				ID        string
				SessionID int
				Liked     int
			}
		}
	}
	CachedLiked int
}

// TestClientApollo runs the 2018 web's timetable, session and like requests
// with Apollo Client 2 (what the 2018 web shipped) and 3.
func TestClientApollo(t *testing.T) {
	node := nodeClients(t)
	base := mustStartClientServer(t)
	ed := sampleEdition(t, "2018")
	for _, tc := range []struct {
		name, version string
		sessionID     int
	}{
		{"apollo-client 2", "2", 5},
		{"@apollo/client 3", "3", 6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := runNode(t, node, "apollo.js", tc.version, base+"/2018/api/query", fmt.Sprint(tc.sessionID), fmt.Sprintf("00000000-0000-4000-8000-00000000000%s", tc.version))
			var got apolloResult
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("apollo.js printed %q: %v", out, err)
			}

			if len(got.Timetable.Nodes) != len(ed.Sessions) || got.Timetable.PageInfo.HasNextPage {
				t.Errorf("timetable: %d sessions, hasNextPage %v; want all %d on one page", len(got.Timetable.Nodes), got.Timetable.PageInfo.HasNextPage, len(ed.Sessions))
			}
			var badIDs []string // the first few, not one error per session
			for _, n := range got.Timetable.Nodes {
				s := ed.Session(n.SessionID)
				if s == nil {
					t.Errorf("timetable: session %d is not in the content", n.SessionID)
					continue
				}
				if n.Title != s.Title.Default() {
					t.Errorf("timetable: session %d title %q; want %q", n.SessionID, n.Title, s.Title.Default())
				}
				if want := fmt.Sprintf("Session:%d", s.ID); n.ID != want {
					badIDs = append(badIDs, fmt.Sprintf("%q, want %q", n.ID, want))
				}
				for _, sp := range n.Speakers {
					if want := "Speaker:" + sp.SpeakerID; sp.ID != want {
						badIDs = append(badIDs, fmt.Sprintf("%q, want %q", sp.ID, want))
					}
				}
			}
			if len(badIDs) > 0 {
				t.Errorf("timetable: %d ids not in the 2018 form Type:key, e.g. %s", len(badIDs), strings.Join(badIDs[:min(3, len(badIDs))], "; "))
			}

			want := ed.Session(tc.sessionID)
			if got.Session.SessionID != want.ID || got.Session.Title != want.Title.Default() || len(got.Session.Speakers) != len(want.Speakers) {
				t.Errorf("session(%d) = %d %q with %d speakers; want %d %q with %d", tc.sessionID,
					got.Session.SessionID, got.Session.Title, len(got.Session.Speakers), want.ID, want.Title.Default(), len(want.Speakers))
			}

			like := got.CreateLike
			if like.ClientMutationID != "apollo-"+tc.version {
				t.Errorf("createLike clientMutationId %q; want it echoed: %q", like.ClientMutationID, "apollo-"+tc.version)
			}
			if !strings.HasPrefix(like.Like.ID, "Like:") {
				t.Errorf("createLike like.id %q; want the 2018 form Like:<like id>", like.Like.ID)
			}
			if like.Like.Session.SessionID != tc.sessionID || like.Like.Session.Liked != got.Session.Liked+1 {
				t.Errorf("createLike: session %d liked %d; want session %d liked %d (one more than before)",
					like.Like.Session.SessionID, like.Like.Session.Liked, tc.sessionID, got.Session.Liked+1)
			}
			if like.Like.Session.ID != got.Session.ID || got.CachedLiked != like.Like.Session.Liked {
				t.Errorf("Apollo's cache: session %q liked %d after the mutation; want %q liked %d (same id, so the cache updates)",
					got.Session.ID, got.CachedLiked, like.Like.Session.ID, like.Like.Session.Liked)
			}
		})
	}
}

// TestClientDartPost sends the Flutter app's timetable request byte for
// byte as Dart's http package (dart:io) does: a JSON body with the default
// Content-Type of a string body, text/plain; charset=utf-8, and no Accept.
func TestClientDartPost(t *testing.T) {
	base := mustStartClientServer(t)
	ed := sampleEdition(t, "2018")
	body := `{"query":"query { sessionList { nodes { id sessionId title startTime endTime place speakers { id name } } } }","variables":{}}`
	host := strings.TrimPrefix(base, "http://")
	request := "POST /2018/api/query HTTP/1.1\r\n" +
		"user-agent: Dart/2.0 (dart:io)\r\n" +
		"content-type: text/plain; charset=utf-8\r\n" +
		"accept-encoding: gzip\r\n" +
		fmt.Sprintf("content-length: %d\r\n", len(body)) +
		"host: " + host + "\r\n\r\n" + body
	conn, err := net.DialTimeout("tcp", host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("status %d, Content-Type %q; want 200 and application/json (the app reads nothing else); body: %s",
			resp.StatusCode, resp.Header.Get("Content-Type"), raw)
	}
	if resp.Header.Get("Content-Encoding") != "" {
		t.Fatalf("Content-Encoding %q: this test reads plain bodies only", resp.Header.Get("Content-Encoding"))
	}
	var got struct {
		Data struct {
			SessionList struct {
				Nodes []struct {
					ID        string
					SessionID int
					Title     string
				}
			}
		}
		Errors []any
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatalf("body %s: %v", raw, err)
	}
	if len(got.Errors) > 0 || len(got.Data.SessionList.Nodes) != len(ed.Sessions) {
		t.Fatalf("%d sessions, errors %v; want all %d sessions", len(got.Data.SessionList.Nodes), got.Errors, len(ed.Sessions))
	}
	for _, n := range got.Data.SessionList.Nodes {
		if want := fmt.Sprintf("Session:%d", n.SessionID); n.ID != want {
			t.Fatalf("session id %q; want %q (the app's share links cut %q off it)", n.ID, want, "Session:")
		}
	}
}

// subscriber is one subscribe.js process and what it printed.
type subscriber struct {
	stdin  io.WriteCloser
	lines  chan map[string]json.RawMessage
	stderr *bytes.Buffer
}

func startSubscriber(tb testing.TB, node, lib, wsURL string, sessionID int, mode string) *subscriber {
	tb.Helper()
	cmd := exec.Command(node, "subscribe.js", lib, wsURL, fmt.Sprint(sessionID), mode)
	cmd.Dir = clientsDir
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	s := &subscriber{stdin: stdin, lines: make(chan map[string]json.RawMessage, 1000), stderr: &bytes.Buffer{}}
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(s.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var line map[string]json.RawMessage
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				line = map[string]json.RawMessage{"error": json.RawMessage(fmt.Sprintf("%q", "not JSON: "+sc.Text()))}
			}
			s.lines <- line
		}
	}()
	tb.Cleanup(func() {
		stdin.Close()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
		cmd.Wait()
	})
	return s
}

// likeEvent is one likeAdded event; Total is nil when not selected.
type likeEvent struct {
	SessionID int  `json:"sessionId"`
	Likes     int  `json:"likes"`
	Total     *int `json:"total"`
}

// next waits for the subscriber's next line that is not "ready"; ok is false
// when nothing came in time.
func (s *subscriber) next(tb testing.TB, within time.Duration) (ev likeEvent, ok bool) {
	tb.Helper()
	timer := time.NewTimer(within)
	defer timer.Stop()
	for {
		select {
		case line, open := <-s.lines:
			if !open {
				tb.Fatalf("the subscriber ended; its stderr:\n%s", s.stderr.String())
			}
			if _, ready := line["ready"]; ready {
				continue
			}
			raw, isEvent := line["event"]
			if !isEvent {
				tb.Fatalf("the subscriber got %s; want likeAdded events", mustJSON(line))
			}
			var fields map[string]json.RawMessage
			json.Unmarshal(raw, &fields)
			if err := json.Unmarshal(raw, &ev); err != nil {
				tb.Fatalf("event %s: %v", raw, err)
			}
			if _, has := fields["total"]; has && ev.Total == nil {
				tb.Fatalf("event %s has total null", raw)
			}
			return ev, true
		case <-timer.C:
			return likeEvent{}, false
		}
	}
}

// waitReady waits for the subscriber's connection to be acknowledged.
func (s *subscriber) waitReady(tb testing.TB) {
	tb.Helper()
	select {
	case line, open := <-s.lines:
		if !open {
			tb.Fatalf("the subscriber ended before it connected; its stderr:\n%s", s.stderr.String())
		}
		if _, ready := line["ready"]; !ready {
			tb.Fatalf("the subscriber's first line is %s; want {\"ready\":true}", mustJSON(line))
		}
	case <-time.After(20 * time.Second):
		tb.Fatalf("the subscriber did not connect within 20 s; its stderr:\n%s", s.stderr.String())
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// postLike sends createLike from another client (plain HTTP, 2018 input
// plus today's count) and fails the test if it is not acknowledged.
func postLike(tb testing.TB, endpoint string, sessionID, count int) {
	tb.Helper()
	r := (&testserver.Client{Endpoint: endpoint}).Do(tb, `mutation($input: CreateLikeInput!) { createLike(input: $input) { like { id } } }`,
		map[string]any{"input": map[string]any{"uuid": "11111111-2222-4333-8444-555555555555", "sessionId": sessionID, "count": count}})
	if r.Status != http.StatusOK || len(r.Errors) > 0 || !bytes.Contains(r.Raw, []byte(`"like"`)) {
		tb.Fatalf("createLike: status %d, body %s; want the like acknowledged", r.Status, r.Raw)
	}
}

// sessionLiked reads Session.liked.
func sessionLiked(tb testing.TB, endpoint string, sessionID int) int {
	tb.Helper()
	return (&testserver.Client{Endpoint: endpoint}).Liked(tb, sessionID)
}

// TestClientSubscriptions subscribes to likeAdded with graphql-ws and with
// subscriptions-transport-ws 0.9 (the 2018 apps) and 0.11, with and without
// total, and checks the events against likes sent by another client.
func TestClientSubscriptions(t *testing.T) {
	node := nodeClients(t)
	base := mustStartClientServer(t)
	endpoint := base + "/2018/api/query"
	wsURL := "ws" + strings.TrimPrefix(endpoint, "http")
	sessionID := 8 // talks 9 to 14, one per case (16 is a break, which cannot be liked)
	for _, lib := range []string{"graphql-ws", "subscriptions-transport-ws-0.9", "subscriptions-transport-ws-0.11"} {
		for _, mode := range []string{"with-total", "without-total"} {
			sessionID++
			sid := sessionID
			t.Run(lib+"/"+mode, func(t *testing.T) {
				// Likes from before the subscription: a subscriber with total
				// starts from them, one without never hears of them.
				// (Relative to what is there: with -count=N the server and its
				// likes are shared by the runs.)
				earlier := sessionLiked(t, endpoint, sid)
				postLike(t, endpoint, sid, 3)
				before := sessionLiked(t, endpoint, sid)
				if before != earlier+3 {
					t.Fatalf("Session.liked = %d after 3 likes; want %d", before, earlier+3)
				}
				sub := startSubscriber(t, node, lib, wsURL, sid, mode)
				sub.waitReady(t)

				received := 0 // likes the events carried after the first
				if mode == "with-total" {
					first, ok := sub.next(t, 10*time.Second)
					if !ok {
						t.Fatal("no first event within 10 s; want one at once with the current total")
					}
					if first.Total == nil || *first.Total != before || first.SessionID != sid {
						t.Fatalf("first event %+v; want session %d with total %d", first, sid, before)
					}
					postLike(t, endpoint, sid, 4)
				} else {
					// The server may register the subscription a moment after
					// the connection is acknowledged: like until the first
					// event arrives, then count from there.
					var first likeEvent
					ok := false
					for i := 0; i < 20 && !ok; i++ {
						postLike(t, endpoint, sid, 1)
						first, ok = sub.next(t, time.Second)
					}
					if !ok {
						t.Fatal("no event within 20 s of likes")
					}
					if first.Likes < 1 || first.Total != nil || first.SessionID != sid {
						t.Fatalf("first event %+v; want session %d, likes ≥ 1 (2018 clients get no likes: 0 event), no total", first, sid)
					}
					// Likes sent while waiting for the first event may still be
					// on their way: let them arrive before counting.
					for {
						if _, more := sub.next(t, 500*time.Millisecond); !more {
							break
						}
					}
					postLike(t, endpoint, sid, 4)
				}
				// Every like arrives once: the events after the first carry
				// exactly the likes sent after it.
				var last likeEvent
				for received < 4 {
					ev, ok := sub.next(t, 10*time.Second)
					if !ok {
						t.Fatalf("the events carried %d likes of the last 4 within 10 s", received)
					}
					if ev.Likes < 1 {
						t.Errorf("event %+v carries no likes", ev)
					}
					received += ev.Likes
					last = ev
				}
				if received != 4 {
					t.Errorf("the events carried %d likes; want 4", received)
				}
				stored := sessionLiked(t, endpoint, sid)
				if mode == "with-total" && (last.Total == nil || *last.Total != stored) {
					t.Errorf("last event %+v; want total %d (Session.liked)", last, stored)
				}
				if ev, ok := sub.next(t, 300*time.Millisecond); ok {
					t.Errorf("an extra event %+v after all likes arrived", ev)
				}
			})
		}
	}
}

// TestClientAudits runs graphql-http's serverAudits, the GraphQL over HTTP
// spec's conformance suite, on every edition's endpoint. Every audit must
// pass: warnings (SHOULD) and notices (MAY) fail too.
func TestClientAudits(t *testing.T) {
	node := nodeClients(t)
	base := mustStartClientServer(t)
	catalog, err := conference.Load(content.Sample())
	if err != nil {
		t.Fatal(err)
	}
	for _, ed := range catalog.Editions {
		t.Run(ed.ID, func(t *testing.T) {
			out := runNode(t, node, "audit.js", base+"/"+ed.ID+"/api/query")
			n := 0
			for _, line := range bytes.Split(bytes.TrimSpace(out), []byte("\n")) {
				var audit struct {
					ID, Name, Status, Reason string
					Response                 json.RawMessage
				}
				if err := json.Unmarshal(line, &audit); err != nil {
					t.Fatalf("audit.js printed %q: %v", line, err)
				}
				n++
				t.Run(audit.ID+" "+audit.Name, func(t *testing.T) {
					if audit.Status != "ok" {
						t.Errorf("%s: %s; response %s", audit.Status, audit.Reason, audit.Response)
					}
				})
			}
			if n < 50 {
				t.Errorf("%d audits ran; graphql-http has more than 50", n)
			}
		})
	}
}

// TestClientSchema builds the served schema with graphql-js from the
// standard introspection query and finds no breaking change from the 2018
// API.
func TestClientSchema(t *testing.T) {
	node := nodeClients(t)
	base := mustStartClientServer(t)
	out := runNode(t, node, "schema.js", base+"/2018/api/query", "../api2018.graphql")
	var got struct {
		Types     int
		Breaking  []struct{ Type, Description string }
		Dangerous []struct{ Type, Description string }
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("schema.js printed %q: %v", out, err)
	}
	if got.Types < 20 {
		t.Errorf("the built schema has %d types; want the whole API", got.Types)
	}
	for _, c := range got.Breaking {
		t.Errorf("breaking change from 2018: %s: %s", c.Type, c.Description)
	}
	for _, c := range got.Dangerous {
		t.Logf("dangerous change from 2018 (allowed): %s: %s", c.Type, c.Description)
	}
}
