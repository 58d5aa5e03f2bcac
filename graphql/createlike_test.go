package graphql_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/techconf/techconf/graphql"
	"github.com/techconf/techconf/like"
)

const createLikeWithKey = `mutation($input: CreateLikeInput!) { createLike(input: $input) { clientMutationId count like { id session { sessionId } } } }`

// TestCreateLikeRequestID: a createLike retried with the same requestId
// gets a byte-identical answer and stores nothing more; another key, or
// the same key from another client, stores new likes; a bad key is refused
// with INVALID_ARGUMENT and stores nothing.
func TestCreateLikeRequestID(t *testing.T) {
	api := mustOpenAPI(t, graphql.Options{})
	k := like.Key{Edition: "2018", SessionID: 5}
	input := func(client, key string, count int) map[string]any {
		return map[string]any{"input": map[string]any{"uuid": client, "sessionId": 5, "count": count, "requestId": key, "clientMutationId": "m1"}}
	}
	first := api.query(t, createLikeWithKey, input("c1", "burst-1", 3))
	if len(first.Errors) > 0 {
		t.Fatalf("first try: %s", first.Raw)
	}
	for i := 0; i < 3; i++ {
		again := api.query(t, createLikeWithKey, input("c1", "burst-1", 3))
		if !bytes.Equal(again.Raw, first.Raw) {
			t.Errorf("retry %d answered %s; want the first answer %s", i+1, again.Raw, first.Raw)
		}
	}
	if rows, err := api.Store.Count(context.Background(), k); err != nil || rows != 3 {
		t.Fatalf("after a request and 3 retries: %d rows (%v); want 3", rows, err)
	}
	for _, other := range []map[string]any{input("c1", "burst-2", 3), input("c2", "burst-1", 3)} {
		if r := api.query(t, createLikeWithKey, other); len(r.Errors) > 0 || bytes.Equal(r.Raw, first.Raw) {
			t.Errorf("%v answered %s; want new likes", other, r.Raw)
		}
	}
	for _, bad := range []string{"", "with space", strings.Repeat("k", 65), "tab\there"} {
		r := api.query(t, createLikeWithKey, input("c1", bad, 1))
		if r.Code() != "INVALID_ARGUMENT" {
			t.Errorf("requestId %q: answer %s; want INVALID_ARGUMENT", bad, r.Raw)
		}
	}
	if rows, err := api.Store.Count(context.Background(), k); err != nil || rows != 9 {
		t.Errorf("stored rows %d (%v); want 9", rows, err)
	}
}
