package graphql

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// selectsTotal says whether the subscription field being resolved selects
// LikeEvent.total, through fragments and aliases too.
func selectsTotal(ctx context.Context) bool {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Field.Field == nil || !graphql.HasOperationContext(ctx) {
		return true
	}
	for _, f := range graphql.CollectFields(graphql.GetOperationContext(ctx), fc.Field.Selections, []string{"LikeEvent"}) {
		if f.Name == "total" {
			return true
		}
	}
	return false
}
