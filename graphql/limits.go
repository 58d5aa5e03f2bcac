package graphql

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/techconf/techconf"
)

// queryLimits refuses an operation whose cost is too high before any
// resolver runs. Every bound is computed in one walk that is linear in the
// size of the document: a fragment is measured once and its measure reused
// at every spread, so a document whose fragments each spread the previous
// one twice (2^n fields after expansion from a few hundred bytes) costs
// microseconds to refuse rather than minutes to count.
//
// What is bounded, and why:
//   - depth of the selection outside introspection: complexity alone does
//     not stop a narrow but deep query (speaker { sessions { speakers ... }).
//     Introspection is exempt because every tool's standard introspection
//     query is deeper than any real data query (graphql-js nests ofType 9
//     times); it is bounded by the two limits below instead;
//   - ofType nesting: tools send at most 9; nothing in a schema nests deeper
//     than a few levels;
//   - complexity, introspection included: the answer's size. Introspection
//     fields cost what the schema really holds (the number of types, fields
//     per type...), so introspection aliased many times is refused;
//   - aliases and fragment spreads after expansion: each alias repeats work,
//     and spreads are what turns a small document into a huge one.
type queryLimits struct {
	maxDepth, maxComplexity, maxAliases, maxSpreads, maxOfType int
	// maxIntrospection bounds the introspection part of complexity on its
	// own: gqlgen builds introspection objects afresh for every request,
	// at several times the cost of a data object, so the whole complexity
	// budget spent on introspection would take several times as long as
	// a timetable.
	maxIntrospection int
	es               graphql.ExecutableSchema
	// introspection is what a list field of an introspection type costs per
	// child ("__Schema.types": the number of types), from the schema.
	introspection map[string]int
	// ofTypeLevels is how many ofType levels can be non-null in this schema.
	ofTypeLevels int
}

// Defaults of the bounds that have no Options field: well above what real
// clients send (GraphiQL, Apollo and Relay tooling, the 2018 apps).
const (
	defaultMaxAliases = 100
	defaultMaxSpreads = 1000
	defaultMaxOfType  = 16
	// The full standard introspection query costs about 9,300 (see
	// TestIntrospectionCost).
	defaultMaxIntrospection = 12000
)

var (
	_ graphql.HandlerExtension        = (*queryLimits)(nil)
	_ graphql.OperationContextMutator = (*queryLimits)(nil)
)

func (*queryLimits) ExtensionName() string { return "QueryLimits" }

// Validate keeps the schema, for the fields' costs, and measures it for the
// introspection costs.
func (l *queryLimits) Validate(es graphql.ExecutableSchema) error {
	l.es = es
	l.introspection = introspectionCosts(es.Schema())
	l.ofTypeLevels = maxWrapping(es.Schema()) + 1
	return nil
}

func (l *queryLimits) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	w := &costWalker{ctx: ctx, limits: l, schema: l.es.Schema(), vars: oc.Variables, fragments: map[string]*cost{}}
	c := w.selectionSet(oc.Operation.SelectionSet)
	refuse := func(code, format string, args ...any) *gqlerror.Error {
		err := gqlerror.Errorf(format, args...)
		err.Extensions = map[string]any{"code": code}
		return err
	}
	switch {
	case w.ofTypeExceeded:
		return refuse(techconf.EINTROSPECTION, "introspection nests ofType more than %d levels deep", l.maxOfType)
	case c.depth > l.maxDepth:
		return refuse(techconf.EDEPTH, "query is nested more than %d levels deep", l.maxDepth)
	case c.spreads > l.maxSpreads:
		return refuse(techconf.EFRAGMENTS, "query spreads fragments more than %d times (counting the spreads inside fragments each time)", l.maxSpreads)
	case c.aliases > l.maxAliases:
		return refuse(techconf.EALIASES, "query has more than %d aliased fields (counting those inside fragments at each spread)", l.maxAliases)
	case c.introspection > l.maxIntrospection:
		return refuse(techconf.ECOMPLEXITY, "introspection in this operation has complexity %s, which exceeds its limit of %d (the full standard introspection query fits)", complexityString(c.introspection), l.maxIntrospection)
	case c.complexity > l.maxComplexity:
		return refuse(techconf.ECOMPLEXITY, "operation has complexity %s, which exceeds the limit of %d", complexityString(c.complexity), l.maxComplexity)
	}
	return nil
}

func complexityString(n int) string {
	if n == math.MaxInt {
		return "beyond counting"
	}
	return fmt.Sprint(n)
}

// cost is the measure of a selection set. All counts saturate at
// math.MaxInt rather than overflow.
type cost struct {
	depth      int // levels of selection outside introspection
	complexity int
	// introspection is the part of complexity spent inside __schema and
	// __type.
	introspection int
	aliases       int // aliased fields, fragments expanded
	spreads       int // fragment spreads, fragments expanded
	ofType        int // longest chain of ofType fields starting here
	// plain: the set holds only leaves and ofType fields that hold only
	// the same (a type reference's kind, name and ofType chain); leaves is
	// how many leaves it selects directly.
	plain  bool
	leaves int
}

// costWalker measures an operation. One walker serves one operation: the
// fragments' measures depend on its variables (a page size may be one).
type costWalker struct {
	ctx            context.Context
	limits         *queryLimits
	schema         *ast.Schema
	vars           map[string]any
	fragments      map[string]*cost // measured fragments; nil while being measured
	ofTypeExceeded bool
}

func (w *costWalker) selectionSet(set ast.SelectionSet) cost {
	c := cost{plain: true}
	for _, sel := range set {
		var sc cost
		switch s := sel.(type) {
		case *ast.Field:
			sc = w.field(s)
		case *ast.InlineFragment:
			sc = w.selectionSet(s.SelectionSet)
		case *ast.FragmentSpread:
			sc = w.fragment(s)
			sc.spreads = add(sc.spreads, 1)
		}
		c.depth = max(c.depth, sc.depth)
		c.ofType = max(c.ofType, sc.ofType)
		c.complexity = add(c.complexity, sc.complexity)
		c.introspection = add(c.introspection, sc.introspection)
		c.aliases = add(c.aliases, sc.aliases)
		c.spreads = add(c.spreads, sc.spreads)
		c.plain = c.plain && sc.plain
		c.leaves = add(c.leaves, sc.leaves)
	}
	return c
}

// fragment measures a fragment once per operation. A fragment that is
// being measured (a cycle, which validation has already refused) counts as
// nothing.
func (w *costWalker) fragment(s *ast.FragmentSpread) cost {
	if c, seen := w.fragments[s.Name]; seen {
		if c == nil {
			return cost{plain: true}
		}
		return *c
	}
	if s.Definition == nil {
		return cost{plain: true}
	}
	w.fragments[s.Name] = nil
	c := w.selectionSet(s.Definition.SelectionSet)
	w.fragments[s.Name] = &c
	return c
}

func (w *costWalker) field(f *ast.Field) cost {
	child := w.selectionSet(f.SelectionSet)
	c := cost{aliases: child.aliases, spreads: child.spreads}
	if f.Alias != "" && f.Alias != f.Name {
		c.aliases = add(c.aliases, 1)
	}
	parent := ""
	if f.ObjectDefinition != nil {
		parent = f.ObjectDefinition.Name
	}
	if len(f.SelectionSet) == 0 {
		c.plain, c.leaves = true, 1
	}
	introspection := strings.HasPrefix(parent, "__") || f.Name == "__schema" || f.Name == "__type"
	if introspection {
		// Depth is not counted inside introspection; ofType chains are.
		c.depth = 1
		if f.Name == "ofType" && parent == "__Type" {
			c.ofType = child.ofType + 1
			if c.ofType > w.limits.maxOfType {
				w.ofTypeExceeded = true
			}
			if child.plain {
				// A type reference's chain (kind, name, ofType): its answer
				// is null past the schema's deepest wrapping ([Session!]!
				// is 3), so the levels tools add for other schemas cost
				// next to nothing.
				c.plain = true
				c.complexity = min(add(1, child.complexity), mul(w.limits.ofTypeLevels, 1+child.leaves))
				c.introspection = c.complexity
				return c
			}
		}
		per, ok := w.limits.introspection[parent+"."+f.Name]
		if !ok {
			per = 1
		}
		c.complexity = add(1, mul(child.complexity, per))
		c.introspection = c.complexity
		return c
	}
	c.depth = child.depth + 1
	c.complexity = w.fieldComplexity(f, child.complexity)
	c.introspection = child.introspection
	return c
}

// fieldComplexity is what gqlgen's complexity functions say a field costs
// (setComplexity), 1 plus its children's cost by default. A field asked
// through an interface costs what its most expensive implementation does.
func (w *costWalker) fieldComplexity(f *ast.Field, child int) int {
	if f.ObjectDefinition == nil {
		return add(1, child)
	}
	types := []*ast.Definition{f.ObjectDefinition}
	if f.ObjectDefinition.Kind == ast.Interface || f.ObjectDefinition.Kind == ast.Union {
		types = w.schema.GetPossibleTypes(f.ObjectDefinition)
	}
	var args map[string]any
	best := add(1, child)
	for _, t := range types {
		if args == nil {
			args = f.ArgumentMap(w.vars)
		}
		if n, ok := w.limits.es.Complexity(w.ctx, t.Name, f.Name, child, args); ok && n > best {
			best = n
		}
	}
	return best
}

// add and mul saturate at math.MaxInt, so that no document can wrap a
// count around to a small number.
func add(a, b int) int {
	if a > math.MaxInt-b {
		return math.MaxInt
	}
	return a + b
}

func mul(a, b int) int {
	if a != 0 && b > math.MaxInt/a {
		return math.MaxInt
	}
	return a * b
}

// maxWrapping returns the most list and non-null wrappers around any type
// in the schema: 3 for [Session!]!.
func maxWrapping(s *ast.Schema) int {
	depth := func(t *ast.Type) int {
		n := 0
		for ; t != nil; t = t.Elem {
			if t.NonNull {
				n++
			}
			if t.Elem != nil {
				n++
			}
		}
		return n
	}
	deepest := 0
	for _, def := range s.Types {
		for _, f := range def.Fields {
			deepest = max(deepest, depth(f.Type))
			for _, a := range f.Arguments {
				deepest = max(deepest, depth(a.Type))
			}
		}
	}
	for _, d := range s.Directives {
		for _, a := range d.Arguments {
			deepest = max(deepest, depth(a.Type))
		}
	}
	return deepest
}

// introspectionCosts says what each list field of the introspection types
// costs per child: the schema's real counts, averaged over every type (or
// field), so that asking a list of every type for its fields costs about
// the number of fields there are. The standard introspection query then
// costs about what its answer holds.
func introspectionCosts(s *ast.Schema) map[string]int {
	avg := func(total, n int) int {
		if n == 0 {
			return 1
		}
		return max(1, (total+n-1)/n)
	}
	var fields, inputs, enums, ifaces, args, possible int
	for _, t := range s.Types {
		switch t.Kind {
		case ast.Object, ast.Interface:
			fields += len(t.Fields)
			for _, f := range t.Fields {
				args += len(f.Arguments)
			}
			ifaces += len(t.Interfaces)
		case ast.InputObject:
			inputs += len(t.Fields)
		case ast.Enum:
			enums += len(t.EnumValues)
		}
		if t.Kind == ast.Interface || t.Kind == ast.Union {
			possible += len(s.GetPossibleTypes(t))
		}
	}
	var directiveArgs int
	for _, d := range s.Directives {
		directiveArgs += len(d.Arguments)
	}
	types := len(s.Types)
	return map[string]int{
		"__Schema.types":       types,
		"__Schema.directives":  max(1, len(s.Directives)),
		"__Type.fields":        avg(fields, types),
		"__Type.inputFields":   avg(inputs, types),
		"__Type.enumValues":    avg(enums, types),
		"__Type.interfaces":    avg(ifaces, types),
		"__Type.possibleTypes": avg(possible, types),
		"__Field.args":         avg(args, fields),
		"__Directive.args":     avg(directiveArgs, len(s.Directives)),
	}
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
