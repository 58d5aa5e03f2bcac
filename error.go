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
)

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
