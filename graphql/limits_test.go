package graphql_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/techconf/techconf/graphql"
)

// introspectionOptions are the options of graphql-js 16's
// getIntrospectionQuery, which GraphiQL 4 and 5, Apollo and Relay tooling
// and the codegens send in one combination or another.
type introspectionOptions struct {
	descriptions, specifiedByURL, directiveIsRepeatable, schemaDescription, inputValueDeprecation, oneOf bool
	typeDepth                                                                                            int // ofType levels: 9 in graphql-js 16.9+, 7 before
}

// introspectionQuery builds the standard introspection query with the
// shape graphql-js documents for these options.
func introspectionQuery(o introspectionOptions) string {
	opt := func(on bool, s string) string {
		if on {
			return s
		}
		return ""
	}
	desc := opt(o.descriptions, "description")
	inputDep := opt(o.inputValueDeprecation, "(includeDeprecated: true)")
	var typeRef strings.Builder
	typeRef.WriteString("kind name")
	for range o.typeDepth {
		typeRef.WriteString(" ofType { kind name")
	}
	typeRef.WriteString(strings.Repeat(" }", o.typeDepth))
	return fmt.Sprintf(`query IntrospectionQuery {
  __schema {
    %s
    queryType { name kind }
    mutationType { name kind }
    subscriptionType { name kind }
    types { ...FullType }
    directives { name %s %s locations args%s { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name %s %s %s
  fields(includeDeprecated: true) {
    name %s
    args%s { ...InputValue }
    type { ...TypeRef }
    isDeprecated deprecationReason
  }
  inputFields%s { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name %s isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name %s
  type { ...TypeRef }
  defaultValue
  %s
}
fragment TypeRef on __Type { %s }
`,
		opt(o.schemaDescription && o.descriptions, "description"),
		desc, opt(o.directiveIsRepeatable, "isRepeatable"), inputDep,
		desc, opt(o.specifiedByURL, "specifiedByURL"), opt(o.oneOf, "isOneOf"),
		desc, inputDep, inputDep, desc, desc,
		opt(o.inputValueDeprecation, "isDeprecated deprecationReason"),
		typeRef.String())
}

// TestIntrospection sends the standard introspection query in every
// option combination of graphql-js 16 (what GraphiQL 4/5 and the tools
// send) and checks that each is answered in full.
func TestIntrospection(t *testing.T) {
	api := mustOpenAPI(t, graphql.Options{})
	for mask := range 64 {
		for _, depth := range []int{7, 9} {
			o := introspectionOptions{
				descriptions: mask&1 != 0, specifiedByURL: mask&2 != 0, directiveIsRepeatable: mask&4 != 0,
				schemaDescription: mask&8 != 0, inputValueDeprecation: mask&16 != 0, oneOf: mask&32 != 0, typeDepth: depth,
			}
			resp := api.query(t, introspectionQuery(o), nil)
			if resp.Status != http.StatusOK || len(resp.Errors) > 0 {
				t.Fatalf("%+v: status %d, errors %v; want the schema", o, resp.Status, resp.Errors)
			}
			types, _ := resp.Data["__schema"].(map[string]any)["types"].([]any)
			if len(types) < 20 {
				t.Fatalf("%+v: %d types; want the whole schema", o, len(types))
			}
		}
	}
}

var complexityPattern = regexp.MustCompile(`complexity (\d+)`)

// TestIntrospectionCost checks that introspection counts in the
// complexity (so that it cannot be aliased many times), and that the
// largest standard query still leaves room under the default limit.
func TestIntrospectionCost(t *testing.T) {
	full := introspectionQuery(introspectionOptions{true, true, true, true, true, true, 9})
	// With a limit of 1 the error says what the query costs.
	measure := mustOpenAPI(t, graphql.Options{ComplexityLimit: 1})
	resp := measure.query(t, full, nil)
	m := complexityPattern.FindStringSubmatch(resp.Errors[0].Message)
	if m == nil {
		t.Fatalf("error %q; want one that gives the complexity", resp.Errors[0].Message)
	}
	cost, _ := strconv.Atoi(m[1])
	t.Logf("the full standard introspection query costs %d", cost)
	const introspectionLimit = 12000 // the default
	if cost > introspectionLimit*9/10 || cost < 1000 {
		t.Errorf("full introspection costs %d; want between 1000 (it is a large answer) and %d (room under the default introspection limit; if the schema has grown, raise the limit)", cost, introspectionLimit*9/10)
	}

	api := mustOpenAPI(t, graphql.Options{})
	for _, tc := range []struct {
		name, selection string
		copies          int
	}{
		{"Full", "types { ...FullType }", 2},
		{"TypesAndFields", "types { name fields { name args { name type { name } } type { name ofType { name } } } }", 10},
	} {
		var aliased strings.Builder
		aliased.WriteString("query IntrospectionQuery {")
		for i := range tc.copies {
			fmt.Fprintf(&aliased, " s%d: __schema { %s }", i, tc.selection)
		}
		aliased.WriteString(" __schema { types { name } } }")
		if strings.Contains(tc.selection, "FullType") {
			aliased.WriteString(full[strings.Index(full, "fragment FullType"):])
		}
		resp = api.query(t, aliased.String(), nil)
		if got := resp.Code(); got != "COMPLEXITY_LIMIT_EXCEEDED" {
			t.Errorf("%s introspection aliased %d times: error code %q; want COMPLEXITY_LIMIT_EXCEEDED (answer %.200s)", tc.name, tc.copies, got, resp.Raw)
		}
	}
}

// fanOut is a document of n fragments, each spreading the previous one
// twice: about 40 bytes a fragment, 2^n fields once expanded.
func fanOut(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{ session(sessionId: 1) { ...F%d } }\nfragment F0 on Session { title }\n", n)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "fragment F%d on Session { ...F%d ...F%d }\n", i, i-1, i-1)
	}
	return b.String()
}

// TestHostileQueries sends queries that cost far more than their size and
// checks that each is refused with a code that names the bound, before
// any resolver runs. The HTTP client's timeout is a bound on hanging (the
// unmemoised count of fanOut(29) takes minutes), not a speed assertion;
// the time taken is logged.
func TestHostileQueries(t *testing.T) {
	api := mustOpenAPI(t, graphql.Options{})
	client := &http.Client{Timeout: 30 * time.Second}
	ofType := "kind" + strings.Repeat(" ofType { kind", 20) + strings.Repeat(" }", 20)
	var aliases strings.Builder
	for i := range 101 {
		fmt.Fprintf(&aliases, " a%d: __typename", i)
	}
	for _, tc := range []struct {
		name, query, wantCode string
	}{
		{"FragmentFanOut22", fanOut(22), "FRAGMENT_LIMIT_EXCEEDED"},
		{"FragmentFanOut29", fanOut(29), "FRAGMENT_LIMIT_EXCEEDED"},
		{"FragmentFanOut64", fanOut(64), "FRAGMENT_LIMIT_EXCEEDED"},
		{"DeepOfType", `{ __schema { types { ` + ofType + ` } } }`, "INTROSPECTION_LIMIT_EXCEEDED"},
		{"NestedIntrospectionLists", `{ __type(name: "Query") { fields { type { fields { type { fields { type { fields { name } } } } } } } } }`, "GRAPHQL_VALIDATION_FAILED"},
		{"TooManyAliases", "{" + aliases.String() + " }", "ALIAS_LIMIT_EXCEEDED"},
		{"DeepBesideIntrospection", `{ __schema { types { name } } ` + strings.TrimPrefix(deepQuery(14), "{"), "DEPTH_LIMIT_EXCEEDED"},
		{"OneFieldManyTimes", "{" + strings.Repeat(" __typename", 9000) + " }", "FIELD_LIMIT_EXCEEDED"},
		{"NestedCopies", "{" + strings.Repeat(" session(sessionId: 1) {"+strings.Repeat(" title", 45)+" }", 45) + " }", "FIELD_LIMIT_EXCEEDED"},
		{"WideLists", `{ a: sessionList { nodes { speakers { sessions { speakers { name } } } } } b: sessionList { nodes { speakers { sessions { speakers { name } } } } } }`, "COMPLEXITY_LIMIT_EXCEEDED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body, _ := json.Marshal(map[string]any{"query": tc.query})
			req, _ := http.NewRequestWithContext(context.Background(), "POST", api.URL, strings.NewReader(string(body)))
			req.Header.Set("Content-Type", "application/json")
			start := time.Now()
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("%d-byte query: %v; want a quick refusal", len(tc.query), err)
			}
			defer resp.Body.Close()
			var out struct {
				Data   any `json:"data"`
				Errors []struct {
					Message    string
					Extensions struct{ Code string }
				}
			}
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
				t.Fatal(err)
			}
			t.Logf("%d-byte query refused in %v", len(tc.query), time.Since(start))
			if len(out.Errors) == 0 || out.Errors[0].Extensions.Code != tc.wantCode {
				t.Fatalf("errors %+v; want code %s", out.Errors, tc.wantCode)
			}
			if out.Data != nil {
				t.Errorf("data %v; want none: nothing may run", out.Data)
			}
		})
	}
}
