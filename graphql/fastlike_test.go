package graphql_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/techconf/techconf/graphql"
	"github.com/techconf/techconf/internal/testserver"
	"github.com/techconf/techconf/like"
)

// comparedAPI is one API of the comparison: its own database, like
// service (rate-limited, on a clock that does not move) and operation log.
type comparedAPI struct {
	url   string
	likes *like.Service
	mu    sync.Mutex
	ops   []string
}

func openComparedAPI(t *testing.T, disableFast bool) *comparedAPI {
	t.Helper()
	now := time.Date(2018, 10, 6, 10, 0, 0, 0, time.UTC)
	api := &comparedAPI{}
	site := testserver.Start(t, testserver.Config{ServerID: "s",
		Like: like.Config{Now: func() time.Time { return now }, RateLimit: 1, RateBurst: 150,
			Buffer: like.BufferConfig{FlushInterval: 5 * time.Millisecond}, PollInterval: 5 * time.Millisecond},
		Handler: func(s *testserver.Site) http.Handler {
			return graphql.NewHandler(s.Edition, s.Likes, graphql.Options{PublicURL: "https://conf.example.com", DisableFastPath: disableFast,
				OnOperation: func(name, kind, outcome string, _ time.Duration) {
					api.mu.Lock()
					api.ops = append(api.ops, name+" "+kind+" "+outcome)
					api.mu.Unlock()
				}})
		}})
	api.url, api.likes = site.URL, site.Likes
	return api
}

type answer struct {
	status      int
	contentType string
	body        string
}

func (api *comparedAPI) send(t *testing.T, contentType, accept, body string) answer {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, api.url, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header.Get("Content-Type"), string(raw)}
}

// TestFastPathMatchesGqlgen sends the same requests, in the same order, to
// an API with the createLike fast path and to one without, and requires
// the same status, Content-Type, body (byte for byte) and operation
// metrics, for answers and for every error: invalid input of each kind,
// unknown sessions, rate limiting, shutting down, and the requests the
// fast path must leave to gqlgen.
func TestFastPathMatchesGqlgen(t *testing.T) {
	fast, slow := openComparedAPI(t, false), openComparedAPI(t, true)
	const (
		docCount = `mutation($input: CreateLikeInput!) { createLike(input: $input) { count } }`
		docRelay = `mutation($input: CreateLikeInput!) { createLike(input: $input) { clientMutationId count } }`
		docID    = `mutation($input: CreateLikeInput!) { createLike(input: $input) { count like { id } } }`
	)
	body := func(doc, vars string) string { return fmt.Sprintf(`{"query":%q,"variables":%s}`, doc, vars) }
	type tc struct {
		name, contentType, accept, body string
		fast                            bool // the fast path must answer it
	}
	var cases []tc
	add := func(name, b string, isFast bool) {
		cases = append(cases, tc{name: name, contentType: "application/json", body: b, fast: isFast})
	}
	for i, doc := range []string{docCount, docRelay, docID} {
		add(fmt.Sprint("Plain", i), body(doc, `{"input":{"uuid":"u1","sessionId":5,"requestId":"k`+fmt.Sprint(i)+`"}}`), true)
		add(fmt.Sprint("Count100_", i), body(doc, `{"input":{"uuid":"u2","sessionId":6,"count":100,"requestId":"big`+fmt.Sprint(i)+`"}}`), true)
		add(fmt.Sprint("Retry", i), body(doc, `{"input":{"uuid":"u1","sessionId":5,"requestId":"k`+fmt.Sprint(i)+`"}}`), true)
		add(fmt.Sprint("Relay", i), body(doc, `{"input":{"clientMutationId":"<&>\"\\ いいね \u2028","uuid":"u3","sessionId":5,"count":3,"requestId":"r`+fmt.Sprint(i)+`"}}`), true)
		add(fmt.Sprint("CountNull", i), body(doc, `{"input":{"uuid":"u3","sessionId":5,"count":null,"requestId":"n`+fmt.Sprint(i)+`","clientMutationId":null}}`), true)
		// Every error the resolver and the like service give.
		for _, e := range []struct{ name, input string }{
			{"CountZero", `{"uuid":"u4","sessionId":5,"count":0}`},
			{"CountNegative", `{"uuid":"u4","sessionId":5,"count":-3}`},
			{"CountTooLarge", `{"uuid":"u4","sessionId":5,"count":101}`},
			{"CountHuge", `{"uuid":"u4","sessionId":5,"count":999999999}`},
			{"UnknownSession", `{"uuid":"u4","sessionId":999}`},
			{"SessionZero", `{"uuid":"u4","sessionId":0}`},
			{"SessionNegative", `{"uuid":"u4","sessionId":-5}`},
			{"EmptyUUID", `{"uuid":"","sessionId":5}`},
			{"LongUUID", `{"uuid":"` + strings.Repeat("x", 65) + `","sessionId":5}`},
			{"UUIDWithSpace", `{"uuid":"a b","sessionId":5}`},
			{"UUIDControl", `{"uuid":"a\u0000b","sessionId":5}`},
			{"UUIDLoneSurrogate", `{"uuid":"\ud800","sessionId":5,"requestId":"s1"}`},
			{"EmptyRequestID", `{"uuid":"u4","sessionId":5,"requestId":""}`},
			{"LongRequestID", `{"uuid":"u4","sessionId":5,"requestId":"` + strings.Repeat("k", 65) + `"}`},
			{"RequestIDTab", `{"uuid":"u4","sessionId":5,"requestId":"a\tb"}`},
		} {
			add(fmt.Sprint(e.name, i), body(doc, `{"input":`+e.input+`}`), true)
		}
	}
	// Rate limiting: a burst of 150 on a clock that does not move.
	for i := 0; i < 3; i++ {
		add(fmt.Sprint("Hog", i), body(docCount, `{"input":{"uuid":"hog","sessionId":5,"count":60,"requestId":"h`+fmt.Sprint(i)+`"}}`), true)
	}
	// The same documents written differently still take the fast path.
	add("Reformatted", body("mutation ( $input : CreateLikeInput! ) {\n  createLike ( input : $input ) {\n    count,\n  }\n}\n", `{"input":{"uuid":"u5","sessionId":5,"requestId":"f1"}}`), true)
	for i, nl := range []string{"\n", "\r\n", "\r", "\n\t,\r\n  "} {
		doc := "mutation($input: CreateLikeInput!)" + nl + "{" + nl + "\t createLike(input: $input) {" + nl + "count } }"
		add(fmt.Sprint("ErrorLocation", i), body(doc, `{"input":{"uuid":"u5","sessionId":5,"count":0}}`), true)
	}
	add("ExtensionsNull", `{"query":"`+docCount+`","variables":{"input":{"uuid":"u5","sessionId":5,"requestId":"f2"}},"extensions":null}`, true)
	cases = append(cases, tc{"CharsetAndAccept", "application/json; charset=utf-8", "application/json, */*", body(docCount, `{"input":{"uuid":"u5","sessionId":5,"requestId":"f3"}}`), true})
	cases = append(cases, tc{"AcceptAny", "application/json", "*/*", body(docCount, `{"input":{"uuid":"u5","sessionId":5,"requestId":"f4"}}`), true})
	// What the fast path leaves to gqlgen: its answers must not change.
	for _, c := range []struct{ name, vars string }{
		{"SessionString", `{"input":{"uuid":"u6","sessionId":"5"}}`},
		{"SessionTooBig", `{"input":{"uuid":"u6","sessionId":2147483648}}`},
		{"SessionFloat", `{"input":{"uuid":"u6","sessionId":5.0}}`},
		{"CountExponent", `{"input":{"uuid":"u6","sessionId":5,"count":1e2}}`},
		{"CountString", `{"input":{"uuid":"u6","sessionId":5,"count":"3"}}`},
		{"UUIDMissing", `{"input":{"sessionId":5}}`},
		{"UUIDNull", `{"input":{"uuid":null,"sessionId":5}}`},
		{"UUIDNumber", `{"input":{"uuid":5,"sessionId":5}}`},
		{"SessionMissing", `{"input":{"uuid":"u6"}}`},
		{"UnknownInputField", `{"input":{"uuid":"u6","sessionId":5,"color":"red"}}`},
		{"InputNull", `{"input":null}`},
		{"InputMissing", `{}`},
		{"VariablesNull", `null`},
		{"ExtraVariable", `{"input":{"uuid":"u6","sessionId":5,"requestId":"x1"},"other":1}`},
	} {
		add(c.name, body(docCount, c.vars), false)
	}
	// Names are compared exactly, as gqlgen compares variables and input
	// fields: a name in another case is gqlgen's to refuse.
	for _, c := range []struct{ name, vars string }{
		{"VariableCase", `{"Input":{"uuid":"u6","sessionId":5,"requestId":"c1"}}`},
		{"UUIDCase", `{"input":{"UUID":"u6","sessionId":5,"requestId":"c2"}}`},
		{"SessionIDCase", `{"input":{"uuid":"u6","sessionID":5,"requestId":"c3"}}`},
		{"RequestIDCase", `{"input":{"uuid":"u6","sessionId":5,"requestID":"c4"}}`},
		{"CountCase", `{"input":{"uuid":"u6","sessionId":5,"Count":2,"requestId":"c5"}}`},
		{"KeyEscaped", `{"\u0069nput":{"uuid":"u6","sessionId":5,"requestId":"c6"}}`},
		{"DuplicateUUID", `{"input":{"uuid":"u6","uuid":"u7","sessionId":5,"requestId":"c7"}}`},
		{"DuplicateInput", `{"input":{"uuid":"u6","sessionId":5,"requestId":"c8"},"input":{"uuid":"u7","sessionId":5,"requestId":"c9"}}`},
	} {
		add(c.name, body(docCount, c.vars), false)
	}
	add("TopLevelCase", `{"Query":"`+docCount+`","Variables":{"input":{"uuid":"u6","sessionId":5,"requestId":"c10"}}}`, false)
	add("TopLevelDuplicate", `{"query":"`+docCount+`","query":"`+docRelay+`","variables":{"input":{"uuid":"u6","sessionId":5,"requestId":"c11"}}}`, false)
	// Persisted queries (APQ): the hash of a document the fast path knows,
	// alone (pinned: known before any client sent it) or with its text.
	apq := func(doc, hash, vars string) string {
		q := ""
		if doc != "" {
			q = fmt.Sprintf(`"query":%q,`, doc)
		}
		return `{` + q + `"variables":` + vars + `,"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + hash + `"}}}`
	}
	hash := func(doc string) string { sum := sha256.Sum256([]byte(doc)); return hex.EncodeToString(sum[:]) }
	reformatted := "mutation ($input: CreateLikeInput!) {\n  createLike(input: $input) {\n    count\n  }\n}"
	for i, doc := range []string{docCount, docRelay, docID} {
		add(fmt.Sprint("PersistedPinned", i), apq("", hash(doc), `{"input":{"uuid":"p1","sessionId":5,"requestId":"p`+fmt.Sprint(i)+`"}}`), true)
		add(fmt.Sprint("PersistedPinnedError", i), apq("", hash(doc), `{"input":{"uuid":"p1","sessionId":999}}`), true)
		add(fmt.Sprint("PersistedWithText", i), apq(doc, hash(doc), `{"input":{"uuid":"p2","sessionId":5,"requestId":"q`+fmt.Sprint(i)+`"}}`), true)
	}
	add("PersistedUnknownHash", apq("", hash(reformatted), `{"input":{"uuid":"p3","sessionId":5,"requestId":"p10"}}`), false)
	add("PersistedRegister", apq(reformatted, hash(reformatted), `{"input":{"uuid":"p3","sessionId":5,"requestId":"p11"}}`), true)
	add("PersistedRegistered", apq("", hash(reformatted), `{"input":{"uuid":"p3","sessionId":5,"requestId":"p12"}}`), true)
	add("PersistedRegisteredError", apq("", hash(reformatted), `{"input":{"uuid":"p3","sessionId":5,"count":0}}`), true)
	add("PersistedHashMismatch", apq(docCount, hash(docRelay), `{"input":{"uuid":"p4","sessionId":5,"requestId":"p13"}}`), false)
	add("PersistedVersion2", strings.Replace(apq("", hash(docCount), `{"input":{"uuid":"p4","sessionId":5,"requestId":"p14"}}`), `"version":1`, `"version":2`, 1), false)
	add("PersistedHashUpperCase", apq("", strings.ToUpper(hash(docCount)), `{"input":{"uuid":"p4","sessionId":5,"requestId":"p15"}}`), false)
	otherDoc := `query { session(sessionId: 5) { title } }`
	add("PersistedOtherDocument", apq(otherDoc, hash(otherDoc), `{"input":{"uuid":"p4","sessionId":5}}`), false)
	add("PersistedOtherDocumentHash", apq("", hash(otherDoc), `{"input":{"uuid":"p4","sessionId":5}}`), false)
	add("OperationName", `{"query":"mutation Like($input: CreateLikeInput!) { createLike(input: $input) { count } }","operationName":"Like","variables":{"input":{"uuid":"u7","sessionId":5,"requestId":"o1"}}}`, false)
	add("WrongOperationName", `{"query":"`+docCount+`","operationName":"Nope","variables":{"input":{"uuid":"u7","sessionId":5}}}`, false)
	add("OtherSelection", body(`mutation($input: CreateLikeInput!) { createLike(input: $input) { count like { id session { sessionId } } } }`, `{"input":{"uuid":"u7","sessionId":5,"requestId":"o2"}}`), false)
	add("Comment", body("mutation($input: CreateLikeInput!) { # like\n createLike(input: $input) { count } }", `{"input":{"uuid":"u7","sessionId":5,"requestId":"o3"}}`), false)
	add("InlineInput", `{"query":"mutation { createLike(input: {uuid: \"u7\", sessionId: 5, requestId: \"o4\"}) { count } }"}`, false)
	add("PersistedQuery", `{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"0000"}}}`, false)
	add("TrailingGarbage", body(docCount, `{"input":{"uuid":"u7","sessionId":5}}`)+` {}`, false)
	cases = append(cases, tc{"AcceptGraphQLResponse", "application/json", "application/graphql-response+json", body(docCount, `{"input":{"uuid":"u8","sessionId":5,"requestId":"a1"}}`), false})
	// An Accept the server cannot meet is answered with application/json
	// (the GraphQL over HTTP spec allows it for legacy clients), so the
	// fast path may take it too.
	cases = append(cases, tc{"AcceptHTML", "application/json", "text/html", body(docCount, `{"input":{"uuid":"u8","sessionId":5,"requestId":"a2"}}`), true})
	cases = append(cases, tc{"TextPlain", "text/plain", "", body(docCount, `{"input":{"uuid":"u8","sessionId":5,"requestId":"a3"}}`), false})

	for _, c := range cases {
		before := graphql.FastServed.Load()
		got := fast.send(t, c.contentType, c.accept, c.body)
		tookFast := graphql.FastServed.Load() > before
		want := slow.send(t, c.contentType, c.accept, c.body)
		if got != want {
			t.Errorf("%s: fast path answered %d %q %s; gqlgen %d %q %s", c.name, got.status, got.contentType, got.body, want.status, want.contentType, want.body)
		}
		if tookFast != c.fast {
			t.Errorf("%s: fast path taken = %v; want %v (answer %s)", c.name, tookFast, c.fast, got.body)
		}
	}
	// Every error code appears, so the comparison covered each.
	all := ""
	for _, op := range slow.ops {
		all += op + "\n"
	}
	for _, code := range []string{"ok", "INVALID_ARGUMENT", "NOT_FOUND", "RATE_LIMITED"} {
		if !strings.Contains(all, "anonymous mutation "+code) {
			t.Errorf("no request ended with %s; the comparison misses it:\n%s", code, all)
		}
	}
	// Shutting down: UNAVAILABLE on both paths.
	fast.likes.Close(context.Background())
	slow.likes.Close(context.Background())
	b := body(docCount, `{"input":{"uuid":"u9","sessionId":5,"requestId":"late"}}`)
	got, want := fast.send(t, "application/json", "", b), slow.send(t, "application/json", "", b)
	if got != want || !strings.Contains(got.body, "UNAVAILABLE") {
		t.Errorf("after shutdown: fast path %s; gqlgen %s; want the same UNAVAILABLE answer", got.body, want.body)
	}
	fast.mu.Lock()
	slow.mu.Lock()
	if strings.Join(fast.ops, "\n") != strings.Join(slow.ops, "\n") {
		t.Errorf("operation metrics differ:\nfast path:\n%s\ngqlgen:\n%s", strings.Join(fast.ops, "\n"), strings.Join(slow.ops, "\n"))
	}
	fast.mu.Unlock()
	slow.mu.Unlock()
	if f, s := fast.likes.Total(like.Key{Edition: "2018", SessionID: 5}), slow.likes.Total(like.Key{Edition: "2018", SessionID: 5}); f != s || f == 0 {
		t.Errorf("stored totals: fast path %d, gqlgen %d; want the same, above 0", f, s)
	}
}
