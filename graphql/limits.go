package graphql

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// depthLimit rejects operations nested deeper than max selection levels,
// following fragments. Complexity alone does not stop a narrow but very deep
// query (speaker { sessions { speakers { sessions ... } } }).
type depthLimit struct{ max int }

var (
	_ graphql.HandlerExtension        = depthLimit{}
	_ graphql.OperationContextMutator = depthLimit{}
)

func (d depthLimit) ExtensionName() string                          { return "DepthLimit" }
func (d depthLimit) Validate(schema graphql.ExecutableSchema) error { return nil }

func (d depthLimit) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if rc.Operation == nil {
		return nil
	}
	if depth := selectionDepth(rc.Operation.SelectionSet, d.max+1, map[string]bool{}); depth > d.max {
		err := gqlerror.Errorf("query is nested more than %d levels deep", d.max)
		err.Extensions = map[string]any{"code": "DEPTH_LIMIT_EXCEEDED"}
		return err
	}
	return nil
}

// selectionDepth returns the depth of set, stopping once it passes stop.
// visiting guards against fragment cycles, which validation also rejects.
func selectionDepth(set ast.SelectionSet, stop int, visiting map[string]bool) int {
	if stop <= 0 {
		return 0
	}
	deepest := 0
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if len(s.SelectionSet) == 0 {
				d = 1
			} else {
				d = 1 + selectionDepth(s.SelectionSet, stop-1, visiting)
			}
		case *ast.InlineFragment:
			d = selectionDepth(s.SelectionSet, stop, visiting)
		case *ast.FragmentSpread:
			if s.Definition == nil || visiting[s.Name] {
				continue
			}
			visiting[s.Name] = true
			d = selectionDepth(s.Definition.SelectionSet, stop, visiting)
			delete(visiting, s.Name)
		}
		deepest = max(deepest, d)
		if deepest > stop {
			return deepest
		}
	}
	return deepest
}

// setComplexity makes list fields cost what they may return: a connection
// costs its children times the page size asked for.
func setComplexity(c *ComplexityRoot) {
	pageSize := func(first *int) int {
		if first == nil || *first > MaxPageSize || *first < 1 {
			return MaxPageSize
		}
		return *first
	}
	c.Query.SessionList = func(child int, first *int, after *string, req *SessionListInput) int {
		return 1 + child*pageSize(first)
	}
	c.Query.ExhibisionList = func(child int, first *int, after *string, req *ExhibitionListInput) int {
		return 1 + child*pageSize(first)
	}
	c.Query.ExhibitionList = c.Query.ExhibisionList
	c.Query.NewsList = func(child int, first *int, after *string) int { return 1 + child*pageSize(first) }
	c.Query.SpeakerList = func(child int, first *int, after *string) int { return 1 + child*pageSize(first) }
	c.Query.Nodes = func(child int, ids []string) int { return 1 + child*max(len(ids), 1) }
	// A session has a handful of speakers and a speaker a handful of sessions.
	const fanout = 5
	c.Session.Speakers = func(child int) int { return 1 + child*fanout }
	c.Speaker.Sessions = func(child int) int { return 1 + child*fanout }
}
