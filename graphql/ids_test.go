package graphql_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/techconf/techconf/graphql"
)

// TestIDs2018 checks the 2018 id form that the apps rely on: a session's
// id is "Session:" + its sessionId (the Flutter app builds share links by
// cutting the prefix off), every type's id resolves through node, and ids
// are scoped by the edition endpoint.
func TestIDs2018(t *testing.T) {
	api := mustOpenAPI(t, graphql.Options{})
	resp := api.query(t, `{ session(sessionId: 12) { id sessionId speakers { id speakerId } slides { id } } exhibitionList(first: 1) { nodes { id exhibitionId } } }`, nil)
	if len(resp.Errors) > 0 {
		t.Fatal(resp.Errors)
	}
	s := resp.Data["session"].(map[string]any)
	if got := s["id"]; got != "Session:12" {
		t.Errorf("session 12's id = %v; want Session:12", got)
	}
	for _, sp := range s["speakers"].([]any) {
		sp := sp.(map[string]any)
		if want := "Speaker:" + sp["speakerId"].(string); sp["id"] != want {
			t.Errorf("speaker id = %v; want %s", sp["id"], want)
		}
	}
	x := resp.Data["exhibitionList"].(map[string]any)["nodes"].([]any)[0].(map[string]any)
	if want := fmt.Sprintf("Exhibition:%v", x["exhibitionId"]); x["id"] != want {
		t.Errorf("exhibition id = %v; want %s", x["id"], want)
	}
	// Every id handed out resolves back to its object.
	ids := []string{"Session:12", x["id"].(string)}
	for _, sp := range s["speakers"].([]any) {
		ids = append(ids, sp.(map[string]any)["id"].(string))
	}
	for _, sl := range s["slides"].([]any) {
		ids = append(ids, sl.(map[string]any)["id"].(string))
	}
	resp = api.query(t, `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Node { id } } }`, map[string]any{"ids": ids})
	if len(resp.Errors) > 0 {
		t.Fatal(resp.Errors)
	}
	for i, n := range resp.Data["nodes"].([]any) {
		if got := n.(map[string]any)["id"]; got != ids[i] {
			t.Errorf("nodes[%d].id = %v; want %s", i, got, ids[i])
		}
	}
	// A like's id is Like:..., and resolves to its session.
	resp = api.query(t, `mutation { createLike(input: {uuid: "5f0c3d9e-1111-4a4a-9b9b-00000000abcd", sessionId: 12}) { like { id } } }`, nil)
	if len(resp.Errors) > 0 {
		t.Fatal(resp.Errors)
	}
	likeID := resp.Data["createLike"].(map[string]any)["like"].(map[string]any)["id"].(string)
	if !strings.HasPrefix(likeID, "Like:") {
		t.Errorf("like id = %q; want Like:...", likeID)
	}
	resp = api.query(t, `query($id: ID!) { node(id: $id) { id ... on Like { session { id } } } }`, map[string]any{"id": likeID})
	if len(resp.Errors) > 0 || !strings.Contains(string(resp.Raw), `"session":{"id":"Session:12"}`) {
		t.Errorf("node(%s) = %s; want the like of Session:12", likeID, resp.Raw)
	}
}

// TestCursors pages through every list with endCursor and checks that the
// pages join up to the whole list, with no item twice, and that a cursor
// is the node id of its edge.
func TestCursors(t *testing.T) {
	api := mustOpenAPI(t, graphql.Options{})
	for _, list := range []struct{ field, args, key string }{
		{"sessionList", "", "sessionId"},
		{"sessionList", `req: {lang: "en"}`, "sessionId"},
		{"speakerList", "", "speakerId"},
		{"newsList", "", "newsId"},
		{"exhibitionList", "", "exhibitionId"},
		{"exhibisionList", "", "exhibitionId"},
	} {
		t.Run(list.field+list.args, func(t *testing.T) {
			q := fmt.Sprintf(`query($after: String) { %s(first: 3, after: $after %s) {
				pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id %s } } } }`,
				list.field, strings.Replace(list.args, "req", ", req", 1), list.key)
			all := api.query(t, fmt.Sprintf(`{ %s(first: 100 %s) { nodes { %s } } }`, list.field, strings.Replace(list.args, "req", ", req", 1), list.key), nil)
			if len(all.Errors) > 0 {
				t.Fatal(all.Errors)
			}
			var want []string
			for _, n := range all.Data[list.field].(map[string]any)["nodes"].([]any) {
				want = append(want, fmt.Sprint(n.(map[string]any)[list.key]))
			}
			var got []string
			var after any
			for pages := 0; ; pages++ {
				if pages > 100 {
					t.Fatal("more than 100 pages: endCursor does not advance")
				}
				resp := api.query(t, q, map[string]any{"after": after})
				if len(resp.Errors) > 0 {
					t.Fatal(resp.Errors)
				}
				conn := resp.Data[list.field].(map[string]any)
				info := conn["pageInfo"].(map[string]any)
				if got := info["hasPreviousPage"]; got != (pages > 0) {
					t.Errorf("page %d: hasPreviousPage = %v", pages, got)
				}
				edges := conn["edges"].([]any)
				for i, e := range edges {
					e := e.(map[string]any)
					node := e["node"].(map[string]any)
					if e["cursor"] != node["id"] {
						t.Errorf("edge cursor %v; want its node id %v", e["cursor"], node["id"])
					}
					if i == len(edges)-1 && info["endCursor"] != e["cursor"] {
						t.Errorf("endCursor %v; want the last edge's cursor %v", info["endCursor"], e["cursor"])
					}
					got = append(got, fmt.Sprint(node[list.key]))
				}
				if info["hasNextPage"] != true {
					break
				}
				after = info["endCursor"]
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("pages joined = %v; want %v", got, want)
			}
		})
	}
}
