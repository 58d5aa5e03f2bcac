package graphql_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/techconf/techconf/graphql"
	"github.com/techconf/techconf/like"
)

func gid(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// TestBadInput sends each kind of bad or hostile input and checks for a
// clear error with the expected code, a 4xx status at worst, and no change
// to the stored likes.
func TestBadInput(t *testing.T) {
	api := mustOpenAPI(t, graphql.Options{})
	long := strings.Repeat("x", like.MaxUUIDLength+1)
	for _, tc := range []struct {
		name     string
		query    string
		vars     map[string]any
		wantCode string
	}{
		{"MalformedNodeID", `{ node(id: "%%%not-base64") { id } }`, nil, "INVALID_ARGUMENT"},
		{"MalformedNodeIDShape", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": gid("nocolons")}, "INVALID_ARGUMENT"},
		{"UnknownNodeType", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": gid("Planet:2018:1")}, "INVALID_ARGUMENT"},
		{"UnknownSessionNode", `{ node(id: "Session:9999") { id } }`, nil, "NOT_FOUND"},
		{"UnknownSessionNodeOldForm", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": gid("Session:2018:9999")}, "NOT_FOUND"},
		{"UnknownSpeakerNode", `{ node(id: "Speaker:nobody") { id } }`, nil, "NOT_FOUND"},
		{"UnknownNodeType2018", `{ node(id: "Planet:1") { id } }`, nil, "INVALID_ARGUMENT"},
		{"NodeTypeOnly", `{ node(id: "Session:") { id } }`, nil, "INVALID_ARGUMENT"},
		{"NodeKeyOnly", `{ node(id: ":12") { id } }`, nil, "INVALID_ARGUMENT"},
		{"NonIntegerSessionKey", `{ node(id: "Session:twelve") { id } }`, nil, "INVALID_ARGUMENT"},
		{"NonCanonicalSessionKey", `{ node(id: "Session:012") { id } }`, nil, "INVALID_ARGUMENT"},
		{"MalformedLikeNode", `{ node(id: "Like:abc") { id } }`, nil, "INVALID_ARGUMENT"},
		{"CursorOfUnknownNode", `{ sessionList(after: "Session:9999") { nodes { sessionId } } }`, nil, "INVALID_ARGUMENT"},
		{"CursorOfOtherType", `{ sessionList(after: "Speaker:aiko-tanabe") { nodes { sessionId } } }`, nil, "INVALID_ARGUMENT"},
		{"CursorFilteredOut", `{ sessionList(after: "Session:1", req: {type: "keynote"}) { nodes { sessionId } } }`, nil, "INVALID_ARGUMENT"},
		{"NodeOfOtherEdition", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": gid("Session:2017:1")}, "NOT_FOUND"},
		{"HugeNodeID", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": strings.Repeat("A", 10000)}, "INVALID_ARGUMENT"},
		{"OneBadIDInNodes", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": []string{"Session:1", "bad!"}}, "INVALID_ARGUMENT"},
		{"TooManyNodes", `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": repeat(gid("Session:2018:1"), 101)}, "INVALID_ARGUMENT"},
		{"FirstTooLarge", `{ sessionList(first: 101) { nodes { sessionId } } }`, nil, "INVALID_ARGUMENT"},
		{"FirstNegative", `{ newsList(first: -1) { nodes { newsId } } }`, nil, "INVALID_ARGUMENT"},
		{"GarbageCursor", `{ sessionList(after: "garbage") { nodes { sessionId } } }`, nil, "INVALID_ARGUMENT"},
		{"CursorOfAnotherList", `query($c: String) { sessionList(after: $c) { nodes { sessionId } } }`, map[string]any{"c": gid("cursor:newsList:0")}, "INVALID_ARGUMENT"},
		{"CursorPastTheEnd", `query($c: String) { sessionList(after: $c) { nodes { sessionId } } }`, map[string]any{"c": gid("cursor:sessionList:5000")}, "INVALID_ARGUMENT"},
		{"UnknownRoom", `{ sessionList(req: {room: "Hall Z"}) { nodes { sessionId } } }`, nil, "INVALID_ARGUMENT"},
		{"UnknownLang", `{ sessionList(req: {lang: "fr"}) { nodes { sessionId } } }`, nil, "INVALID_ARGUMENT"},
		{"UnknownType", `{ sessionList(req: {type: "party"}) { nodes { sessionId } } }`, nil, "INVALID_ARGUMENT"},
		{"MalformedDay", `{ sessionList(req: {day: "6 Oct"}) { nodes { sessionId } } }`, nil, "INVALID_ARGUMENT"},
		{"LikeUnknownSession", `mutation { createLike(input: {uuid: "u1", sessionId: 9999}) { like { id } } }`, nil, "NOT_FOUND"},
		{"LikeEmptyUUID", `mutation { createLike(input: {uuid: "", sessionId: 1}) { like { id } } }`, nil, "INVALID_ARGUMENT"},
		{"LikeUUIDTooLong", `mutation($u: String!) { createLike(input: {uuid: $u, sessionId: 1}) { like { id } } }`, map[string]any{"u": long}, "INVALID_ARGUMENT"},
		{"LikeUUIDWithSpaces", `mutation { createLike(input: {uuid: "a b", sessionId: 1}) { like { id } } }`, nil, "INVALID_ARGUMENT"},
		{"LikeLunch", `mutation { createLike(input: {uuid: "u1", sessionId: 7}) { like { id } } }`, nil, "INVALID_ARGUMENT"},
		{"LikeBreak", `mutation { createLike(input: {uuid: "u1", sessionId: 4}) { like { id } } }`, nil, "INVALID_ARGUMENT"},
		{"IntAboveInt32", `query($n: Int!) { session(sessionId: $n) { title } }`, map[string]any{"n": 1 << 31}, "INVALID_ARGUMENT"},
		{"IntBelowInt32", `mutation($c: Int) { createLike(input: {uuid: "u1", sessionId: 5, count: $c}) { count } }`, map[string]any{"c": -(1 << 40)}, "INVALID_ARGUMENT"},
		{"LikeCountZero", `mutation { createLike(input: {uuid: "u1", sessionId: 1, count: 0}) { like { id } } }`, nil, "INVALID_ARGUMENT"},
		{"LikeCountTooLarge", `mutation { createLike(input: {uuid: "u1", sessionId: 1, count: 101}) { like { id } } }`, nil, "INVALID_ARGUMENT"},
		{"LikeMissingSessionID", `mutation { createLike(input: {uuid: "u1"}) { like { id } } }`, nil, "GRAPHQL_VALIDATION_FAILED"},
		{"LikeSessionIDWrongType", `mutation { createLike(input: {uuid: "u1", sessionId: "one"}) { like { id } } }`, nil, "GRAPHQL_VALIDATION_FAILED"},
		{"UnknownField", `{ sessionList { nodes { favouriteColour } } }`, nil, "GRAPHQL_VALIDATION_FAILED"},
		{"SyntaxError", `{ sessionList { nodes { `, nil, "GRAPHQL_PARSE_FAILED"},
		{"TooComplex", `{ sessionList { nodes { speakers { sessions { speakers { sessions { title speakers { name } } } } } } } }`, nil, "COMPLEXITY_LIMIT_EXCEEDED"},
		{"TooDeep", deepQuery(14), nil, "DEPTH_LIMIT_EXCEEDED"},
		{"DeepThroughFragments", `{ ...A } fragment A on Query { session(sessionId: 5) { ...B } } fragment B on Session { speakers { sessions { speakers { sessions { speakers { sessions { speakers { sessions { speakers { sessions { speakers { sessions { title } } } } } } } } } } } } }`, nil, "DEPTH_LIMIT_EXCEEDED"},
		{"TooManyTokens", "{ " + strings.Repeat("a: __typename ", 5000) + "}", nil, "GRAPHQL_PARSE_FAILED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := api.query(t, tc.query, tc.vars)
			if resp.Status >= 500 {
				t.Fatalf("status %d; want below 500: %s", resp.Status, resp.Raw)
			}
			if got := resp.Code(); got != tc.wantCode {
				t.Fatalf("error code %q; want %q (answer: %.300s)", got, tc.wantCode, resp.Raw)
			}
			if resp.Errors[0].Message == "" || resp.Errors[0].Message == "internal error" {
				t.Errorf("error message %q; want one that says what is wrong", resp.Errors[0].Message)
			}
		})
	}

	t.Run("NothingStored", func(t *testing.T) {
		totals, _, err := api.Store.Totals(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if len(totals) != 0 {
			t.Errorf("stored likes after bad input: %v; want none", totals)
		}
	})
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// deepQuery nests session -> speakers -> sessions ... to the given depth.
func deepQuery(depth int) string {
	var b strings.Builder
	b.WriteString("{ session(sessionId: 5) { ")
	for i := 1; i < depth; i++ {
		if i%2 == 1 {
			b.WriteString("speakers { ")
		} else {
			b.WriteString("sessions { ")
		}
	}
	b.WriteString("__typename ")
	b.WriteString(strings.Repeat("} ", depth))
	b.WriteString("}")
	return b.String()
}

// TestBadRequests covers what is wrong before GraphQL is even parsed.
func TestBadRequests(t *testing.T) {
	api := mustOpenAPI(t, graphql.Options{MaxBodyBytes: 64 << 10})
	for _, tc := range []struct {
		name       string
		body       []byte
		wantStatus int
		wantCode   string
	}{
		{"MalformedJSON", []byte(`{"query": "{ sessionList { nodes { id } } }"`), http.StatusBadRequest, "BAD_REQUEST"},
		{"NotJSON", []byte(`query=1`), http.StatusBadRequest, "BAD_REQUEST"},
		{"BodyTooLarge", []byte(`{"query": "` + strings.Repeat(" ", 65<<10) + `{ __typename }"}`), http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := api.post(t, "application/json", tc.body)
			if resp.Status != tc.wantStatus {
				t.Fatalf("status %d; want %d: %.300s", resp.Status, tc.wantStatus, resp.Raw)
			}
			if got := resp.Code(); got != tc.wantCode {
				t.Errorf("error code %q; want %q", got, tc.wantCode)
			}
		})
	}
	t.Run("StillServes", func(t *testing.T) {
		resp := api.query(t, `{ session(sessionId: 1) { sessionId } }`, nil)
		if resp.Status != http.StatusOK || len(resp.Errors) > 0 {
			t.Fatalf("status %d, errors %v; want a clean answer", resp.Status, resp.Errors)
		}
	})
}

// TestGET checks the GET transport that CDNs and simple clients use.
func TestGET(t *testing.T) {
	api := mustOpenAPI(t, graphql.Options{})
	resp, err := http.Get(api.URL + "?query=" + strings.ReplaceAll(`{session(sessionId:1){sessionId}}`, " ", "%20"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(buf.String(), `"sessionId":1`) {
		t.Fatalf("GET: status %d, body %s; want 200 with session 1", resp.StatusCode, buf.String())
	}
}

// TestCreateLike stores every tap of a burst as its own like and counts
// them in Session.liked.
func TestCreateLike(t *testing.T) {
	api := mustOpenAPI(t, graphql.Options{})
	const q = `mutation($n: Int) { createLike(input: {clientMutationId: "m1", uuid: "5f0c3d9e-1111-4a4a-9b9b-000000000001", sessionId: 5, count: $n}) {
		clientMutationId count like { id session { sessionId liked } } } }`
	var ids []string
	for _, n := range []int{1, 3, 100} {
		resp := api.query(t, q, map[string]any{"n": n})
		if len(resp.Errors) > 0 {
			t.Fatalf("createLike(count: %d): %v", n, resp.Errors)
		}
		payload := resp.Data["createLike"].(map[string]any)
		if got := payload["count"]; got != float64(n) {
			t.Errorf("count = %v; want %d", got, n)
		}
		if got := payload["clientMutationId"]; got != "m1" {
			t.Errorf("clientMutationId = %v; want m1", got)
		}
		ids = append(ids, payload["like"].(map[string]any)["id"].(string))
	}
	if ids[0] == ids[1] || ids[1] == ids[2] {
		t.Errorf("like ids repeat: %v", ids)
	}
	stored, err := api.Store.Count(context.Background(), like.Key{Edition: "2018", SessionID: 5})
	if err != nil {
		t.Fatal(err)
	}
	if stored != 104 {
		t.Errorf("stored likes = %d; want 104", stored)
	}
	resp := api.query(t, `{ session(sessionId: 5) { liked } other: session(sessionId: 6) { liked } }`, nil)
	if got := fmt.Sprint(resp.Data["session"].(map[string]any)["liked"]); got != "104" {
		t.Errorf("Session.liked = %s; want 104", got)
	}
	if got := fmt.Sprint(resp.Data["other"].(map[string]any)["liked"]); got != "0" {
		t.Errorf("other session's liked = %s; want 0", got)
	}
	// The like's id resolves as a node.
	resp = api.query(t, `query($id: ID!) { node(id: $id) { ... on Like { session { sessionId } } } }`, map[string]any{"id": ids[0]})
	if len(resp.Errors) > 0 || !strings.Contains(string(resp.Raw), `"sessionId":5`) {
		t.Errorf("node(like id) = %s; want its session 5", resp.Raw)
	}
}
