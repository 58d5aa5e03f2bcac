package graphql_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/techconf/techconf/graphql"
)

// TestHTTPTransport checks the GraphQL over HTTP rules a client relies on:
// which bodies are read, which media type answers, and which status goes
// with which outcome. The graphql-http audit suite (npm) runs the same
// rules from a real client in the clients' tests; this one needs no node.
func TestHTTPTransport(t *testing.T) {
	api := mustOpenAPI(t, graphql.Options{})
	const ok = `{"query":"{ session(sessionId: 1) { sessionId } }"}`
	for _, tc := range []struct {
		name        string
		method      string
		query       string // URL query for GET
		headers     map[string]string
		body        string
		wantStatus  int
		wantType    string // prefix of the answer's Content-Type
		wantCode    string // extensions.code of the first error; "" for none
		wantData    bool   // whether a data entry is present
		wantAllowed string // the Allow header
	}{
		{name: "JSON", method: "POST", headers: map[string]string{"Content-Type": "application/json"}, body: ok,
			wantStatus: 200, wantType: "application/json", wantData: true},
		{name: "JSONWithCharset", method: "POST", headers: map[string]string{"Content-Type": "application/json; charset=utf-8"}, body: ok,
			wantStatus: 200, wantType: "application/json", wantData: true},
		{name: "DartTextPlain", method: "POST", headers: map[string]string{"Content-Type": "text/plain; charset=utf-8"}, body: ok,
			wantStatus: 200, wantType: "application/json", wantData: true},
		{name: "TextPlainOtherCharset", method: "POST", headers: map[string]string{"Content-Type": "text/plain; charset=ISO-8859-1"}, body: ok,
			wantStatus: 200, wantType: "application/json", wantData: true},
		{name: "GraphQLResponseBody", method: "POST", headers: map[string]string{"Content-Type": "application/graphql-response+json"}, body: ok,
			wantStatus: 200, wantType: "application/json", wantData: true},
		{name: "TextPlainFromBrowser", method: "POST", headers: map[string]string{"Content-Type": "text/plain", "Origin": "https://evil.example"}, body: ok,
			wantStatus: 415, wantType: "application/json", wantCode: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "TextPlainFromFetch", method: "POST", headers: map[string]string{"Content-Type": "text/plain;charset=UTF-8", "Sec-Fetch-Mode": "cors"}, body: ok,
			wantStatus: 415, wantType: "application/json", wantCode: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "NoContentType", method: "POST", body: ok,
			wantStatus: 415, wantType: "application/json", wantCode: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "FormBody", method: "POST", headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, body: "query=%7B__typename%7D",
			wantStatus: 415, wantType: "application/json", wantCode: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "GarbageContentType", method: "POST", headers: map[string]string{"Content-Type": ";;;"}, body: ok,
			wantStatus: 415, wantType: "application/json", wantCode: "UNSUPPORTED_MEDIA_TYPE"},
		{name: "AcceptGraphQLResponse", method: "POST", headers: map[string]string{"Content-Type": "application/json", "Accept": "application/graphql-response+json"}, body: ok,
			wantStatus: 200, wantType: "application/graphql-response+json", wantData: true},
		{name: "AcceptBothPrefersQ", method: "POST", headers: map[string]string{"Content-Type": "application/json", "Accept": "application/graphql-response+json;q=0.5, application/json"}, body: ok,
			wantStatus: 200, wantType: "application/json", wantData: true},
		{name: "AcceptAny", method: "POST", headers: map[string]string{"Content-Type": "application/json", "Accept": "*/*"}, body: ok,
			wantStatus: 200, wantType: "application/json", wantData: true},
		{name: "ValidationErrorLegacy", method: "POST", headers: map[string]string{"Content-Type": "application/json"}, body: `{"query":"{ nope }"}`,
			wantStatus: 200, wantType: "application/json", wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "ValidationErrorGraphQLResponse", method: "POST", headers: map[string]string{"Content-Type": "application/json", "Accept": "application/graphql-response+json"}, body: `{"query":"{ nope }"}`,
			wantStatus: 400, wantType: "application/graphql-response+json", wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "ParseErrorGraphQLResponse", method: "POST", headers: map[string]string{"Content-Type": "application/json", "Accept": "application/graphql-response+json"}, body: `{"query":"{"}`,
			wantStatus: 400, wantType: "application/graphql-response+json", wantCode: "GRAPHQL_PARSE_FAILED"},
		{name: "VariableCoercionGraphQLResponse", method: "POST", headers: map[string]string{"Content-Type": "application/json", "Accept": "application/graphql-response+json"},
			body:       `{"query":"query($id: Int!) { session(sessionId: $id) { title } }","variables":{"id":"x"}}`,
			wantStatus: 400, wantType: "application/graphql-response+json", wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "ResolverErrorGraphQLResponse", method: "POST", headers: map[string]string{"Content-Type": "application/json", "Accept": "application/graphql-response+json"},
			body:       `{"query":"{ sessionList(first: 1000) { nodes { title } } }"}`,
			wantStatus: 200, wantType: "application/graphql-response+json", wantCode: "INVALID_ARGUMENT", wantData: true},
		{name: "QueryNotString", method: "POST", headers: map[string]string{"Content-Type": "application/json"}, body: `{"query":{"obj":"ect"}}`,
			wantStatus: 400, wantType: "application/json", wantCode: "BAD_REQUEST"},
		{name: "NoQuery", method: "POST", headers: map[string]string{"Content-Type": "application/json"}, body: `{"qeury":"{ __typename }"}`,
			wantStatus: 400, wantType: "application/json", wantCode: "BAD_REQUEST"},
		{name: "VariablesNotObject", method: "POST", headers: map[string]string{"Content-Type": "application/json"}, body: `{"query":"{ __typename }","variables":"{}"}`,
			wantStatus: 400, wantType: "application/json", wantCode: "BAD_REQUEST"},
		{name: "BatchArray", method: "POST", headers: map[string]string{"Content-Type": "application/json"}, body: `[` + ok + `]`,
			wantStatus: 400, wantType: "application/json", wantCode: "BAD_REQUEST"},
		{name: "EmptyBody", method: "POST", headers: map[string]string{"Content-Type": "application/json"},
			wantStatus: 400, wantType: "application/json", wantCode: "BAD_REQUEST"},
		{name: "NullsAllowed", method: "POST", headers: map[string]string{"Content-Type": "application/json"}, body: `{"query":"{ __typename }","variables":null,"operationName":null,"extensions":null}`,
			wantStatus: 200, wantType: "application/json", wantData: true},
		{name: "GET", method: "GET", query: "query=" + url.QueryEscape(`query($id: Int!) { session(sessionId: $id) { title } }`) + "&variables=" + url.QueryEscape(`{"id": 1}`),
			wantStatus: 200, wantType: "application/json", wantData: true},
		{name: "GETMutation", method: "GET", query: "query=" + url.QueryEscape(`mutation { createLike(input: {uuid: "u", sessionId: 1}) { count } }`),
			headers:    map[string]string{"Accept": "application/graphql-response+json"},
			wantStatus: 405, wantType: "application/graphql-response+json", wantCode: "METHOD_NOT_ALLOWED", wantAllowed: "POST"},
		{name: "SubscriptionOverPlainPOST", method: "POST", headers: map[string]string{"Content-Type": "application/json"}, body: `{"query":"subscription { likeAdded(sessionId: 1) { likes } }"}`,
			wantStatus: 200, wantType: "application/json", wantCode: "TRANSPORT_NOT_SUPPORTED"},
		{name: "PUT", method: "PUT", headers: map[string]string{"Content-Type": "application/json"}, body: ok,
			wantStatus: 405, wantType: "application/json", wantCode: "METHOD_NOT_ALLOWED", wantAllowed: "GET, POST, OPTIONS"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := api.URL
			if tc.query != "" {
				u += "?" + tc.query
			}
			req, err := http.NewRequest(tc.method, u, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d; want %d: %s", resp.StatusCode, tc.wantStatus, raw)
			}
			if got := resp.Header.Get("Content-Type"); !strings.HasPrefix(got, tc.wantType) {
				t.Errorf("Content-Type %q; want %s", got, tc.wantType)
			}
			if got := resp.Header.Get("Allow"); got != tc.wantAllowed {
				t.Errorf("Allow %q; want %q", got, tc.wantAllowed)
			}
			var body map[string]json.RawMessage
			if err := json.Unmarshal(raw, &body); err != nil {
				t.Fatalf("answer is not a JSON object: %s", raw)
			}
			if _, got := body["data"]; got != tc.wantData {
				t.Errorf("data entry present = %v; want %v: %s", got, tc.wantData, raw)
			}
			var errs []struct {
				Extensions struct{ Code string } `json:"extensions"`
			}
			_ = json.Unmarshal(body["errors"], &errs)
			code := ""
			if len(errs) > 0 {
				code = errs[0].Extensions.Code
			}
			if code != tc.wantCode {
				t.Errorf("error code %q; want %q: %s", code, tc.wantCode, raw)
			}
		})
	}
}
