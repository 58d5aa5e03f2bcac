package graphql

import (
	"context"
	"crypto/sha256"

	"github.com/99designs/gqlgen/graphql"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/techconf/techconf"
)

// fieldCount refuses a document that selects more than max fields, counted
// in its text (fragments once), before gqlgen validates it. Validation
// compares the fields of a level pair by pair to check that they can be
// merged, so its time grows faster than the document: 9,000 copies of
// __typename (99 KB, under the token limit) took 30 s of CPU. The bounds
// of queryLimits come after validation and cannot prevent that.
//
// Real documents select tens of fields (the standard introspection query
// about 70), so the default of 500 costs no client anything.
type fieldCount struct {
	max, tokens int
	verdicts    *lru.Cache[[32]byte, bool] // hash of the query text -> within the bound?
}

const defaultMaxFields = 500

func newFieldCount(max, tokens int) *fieldCount {
	verdicts, _ := lru.New[[32]byte, bool](1000) // fails only for a size <= 0
	return &fieldCount{max: max, tokens: tokens, verdicts: verdicts}
}

var (
	_ graphql.HandlerExtension          = (*fieldCount)(nil)
	_ graphql.OperationParameterMutator = (*fieldCount)(nil)
)

func (*fieldCount) ExtensionName() string                   { return "FieldCount" }
func (*fieldCount) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationParameters runs before parsing and validation (and after
// the persisted-query extension has filled in the query text). A document
// that does not parse is left to gqlgen, which reports why.
func (f *fieldCount) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if p.Query == "" {
		return nil
	}
	h := sha256.Sum256([]byte(p.Query))
	ok, known := f.verdicts.Get(h)
	if !known {
		doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, f.tokens)
		if err != nil {
			return nil
		}
		n := 0
		for _, op := range doc.Operations {
			n = countFields(op.SelectionSet, n, f.max)
		}
		for _, frag := range doc.Fragments {
			n = countFields(frag.SelectionSet, n, f.max)
		}
		ok = n <= f.max
		f.verdicts.Add(h, ok)
	}
	if !ok {
		err := gqlerror.Errorf("query selects more than %d fields", f.max)
		err.Extensions = map[string]any{"code": techconf.EFIELDS}
		return err
	}
	return nil
}

// countFields adds the fields of set to n, stopping once n passes stop.
func countFields(set ast.SelectionSet, n, stop int) int {
	for _, sel := range set {
		if n > stop {
			return n
		}
		switch s := sel.(type) {
		case *ast.Field:
			n = countFields(s.SelectionSet, n+1, stop)
		case *ast.InlineFragment:
			n = countFields(s.SelectionSet, n, stop)
		}
	}
	return n
}
