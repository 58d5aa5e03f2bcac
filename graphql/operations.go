package graphql

import (
	"context"
	"regexp"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// OperationFunc is told about every GraphQL operation: its name (bounded:
// see operationNames), its type (query, mutation, subscription), its
// outcome ("ok", or the code of its first error) and how long it took.
type OperationFunc func(name, kind, outcome string, took time.Duration)

// operationMetrics reports operations to an OperationFunc.
type operationMetrics struct {
	report OperationFunc
	names  *operationNames
}

var (
	_ graphql.HandlerExtension    = operationMetrics{}
	_ graphql.ResponseInterceptor = operationMetrics{}
)

func (operationMetrics) ExtensionName() string                          { return "OperationMetrics" }
func (operationMetrics) Validate(schema graphql.ExecutableSchema) error { return nil }

func (m operationMetrics) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	start := time.Now()
	resp := next(ctx)
	if !graphql.HasOperationContext(ctx) {
		return resp
	}
	oc := graphql.GetOperationContext(ctx)
	kind, name := "unknown", oc.OperationName
	if oc.Operation != nil {
		kind = string(oc.Operation.Operation)
		if name == "" {
			name = oc.Operation.Name
		}
	}
	if kind == string(ast.Subscription) {
		return resp // each event passes here; subscriptions are counted by the like metrics
	}
	outcome := "ok"
	if resp != nil && len(resp.Errors) > 0 {
		outcome = "error"
		if code, ok := resp.Errors[0].Extensions["code"].(string); ok && code != "" {
			outcome = code
		}
	}
	m.report(m.names.name(name), kind, outcome, time.Since(start))
	return resp
}

// operationNames bounds the names used as metric labels: clients choose
// them, and an unbounded label would let any client grow the server's
// memory. The first maxOperationNames well-formed names are kept; the rest
// are "other".
type operationNames struct {
	mu   sync.Mutex
	seen map[string]bool
}

const maxOperationNames = 100

var operationNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

func (n *operationNames) name(s string) string {
	if s == "" {
		return "anonymous"
	}
	if !operationNamePattern.MatchString(s) {
		return "other"
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.seen[s] {
		return s
	}
	if len(n.seen) >= maxOperationNames {
		return "other"
	}
	n.seen[s] = true
	return s
}
