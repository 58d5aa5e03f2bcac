package graphql

import (
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/techconf/techconf"
)

// WriteError answers a request with err alone, in the GraphQL error shape
// that every client parses whatever went wrong: the status is
// techconf.ErrorStatus of its code, extensions.code is the code, and only a
// techconf.Error's message reaches the client. media is the Content-Type;
// "" means application/json. The server writes its own refusals (no such
// edition, over a limit) with it too: one error writer for the site.
func WriteError(w http.ResponseWriter, media string, err error) {
	if media == "" {
		media = mediaJSON
	}
	code := techconf.ErrorCode(err)
	// An error is about this request only: no cache may keep it.
	w.Header().Set("Cache-Control", "no-store")
	writeResponse(w, media, techconf.ErrorStatus(code), &graphql.Response{Errors: gqlerror.List{{
		Message: techconf.ErrorMessage(err), Extensions: map[string]any{"code": code}}}})
}

// requestError is a request that is not a well-formed GraphQL request; its
// status is a 4xx whatever the Accept header says.
type requestError struct {
	err   *techconf.Error
	allow string // the Allow header of a 405
}

func badRequest(message string) *requestError {
	return &requestError{err: &techconf.Error{Code: techconf.EBADREQUEST, Message: message}}
}

func (e *requestError) write(w http.ResponseWriter, media string) {
	if e.allow != "" {
		w.Header().Set("Allow", e.allow)
	}
	WriteError(w, media, e.err)
}
