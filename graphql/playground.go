package graphql

import (
	"net/http"

	"github.com/techconf/techconf/conference"
	"github.com/techconf/techconf/graphql/graphiql"
)

// NewPlayground returns GraphiQL for the edition's API at endpoint, served
// at base (the page) and under base + "/" (its files, embedded in the
// binary, so that it needs no other host).
func NewPlayground(ed *conference.Edition, base, endpoint string) http.Handler {
	return graphiql.Handler(ed.Name.Default()+" API", base, endpoint)
}
