// Package techconf holds what every part of the conference system shares:
// the error type that carries a code and a message meant for the user.
//
// The domain lives in the conference and like packages; each outside
// technology (SQLite, Spanner, GraphQL, HTTP) has a package of its own, and
// cmd/techconf wires them together.
package techconf

import (
	"errors"
	"fmt"
	"net/http"
)

// Error codes. They name what the caller can do about an error, not where it
// happened, so that the API layers can map them to GraphQL extension codes
// and HTTP statuses in one place.
const (
	EINVALID     = "INVALID_ARGUMENT" // the input is wrong; retrying will not help
	ENOTFOUND    = "NOT_FOUND"        // the thing asked for does not exist
	EUNAVAILABLE = "UNAVAILABLE"      // try again later: a buffer is full or the store is down
	ERATELIMITED = "RATE_LIMITED"     // too many requests from one client; slow down
	EINTERNAL    = "INTERNAL"         // a bug or an unexpected failure
	ECANCELLED   = "CANCELLED"        // the client went away or its deadline passed; nobody reads the answer

	// A request the API cannot read as GraphQL; nothing was executed.
	EBADREQUEST     = "BAD_REQUEST"             // the body or the URL is not a GraphQL request
	EMETHOD         = "METHOD_NOT_ALLOWED"      // wrong HTTP method (a mutation over GET)
	EMEDIATYPE      = "UNSUPPORTED_MEDIA_TYPE"  // the body is not sent as JSON
	ETOOLARGE       = "REQUEST_TOO_LARGE"       // the body is larger than the server reads
	ETRANSPORT      = "TRANSPORT_NOT_SUPPORTED" // a subscription over plain HTTP
	EANSWERTOOLARGE = "ANSWER_TOO_LARGE"        // the answer would be larger than the server sends
	EDEPTH          = "DEPTH_LIMIT_EXCEEDED"    // the query nests too deep
	EFIELDS         = "FIELD_LIMIT_EXCEEDED"    // the query selects too many fields
	EFRAGMENTS      = "FRAGMENT_LIMIT_EXCEEDED" // the query spreads fragments too often
	EALIASES        = "ALIAS_LIMIT_EXCEEDED"    // the query has too many aliases
	ECOMPLEXITY     = "COMPLEXITY_LIMIT_EXCEEDED"
	EINTROSPECTION  = "INTROSPECTION_LIMIT_EXCEEDED" // introspection nests ofType too deep
)

// ErrorStatus is the HTTP status of an answer that carries only an error
// with this code: the one mapping the API and the server use. (GraphQL
// errors in an application/json answer to a well-formed request are sent
// with 200, as the GraphQL over HTTP spec asks; the code then travels in
// extensions.code alone.)
func ErrorStatus(code string) int {
	switch code {
	case EINVALID, EBADREQUEST, EANSWERTOOLARGE, EDEPTH, EFIELDS, EFRAGMENTS, EALIASES, ECOMPLEXITY, EINTROSPECTION, ETRANSPORT:
		return http.StatusBadRequest
	case ENOTFOUND:
		return http.StatusNotFound
	case EMETHOD:
		return http.StatusMethodNotAllowed
	case EMEDIATYPE:
		return http.StatusUnsupportedMediaType
	case ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case ERATELIMITED:
		return http.StatusTooManyRequests
	case EUNAVAILABLE:
		return http.StatusServiceUnavailable
	case ECANCELLED:
		return http.StatusRequestTimeout
	default:
		return http.StatusInternalServerError
	}
}

// Error is an error whose message is safe and useful to show to a user.
type Error struct {
	Code    string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string {
	return fmt.Sprintf("techconf error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err if it is or wraps an *Error, and
// EINTERNAL for any other non-nil error.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err if it is or wraps an
// *Error, and a generic message otherwise, so internals never leak to users.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}
