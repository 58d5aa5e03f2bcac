// Package like is the domain of the "Like" button: attendees like a session
// as often as they want, every like is stored, and everyone sees everyone's
// likes live. The store is an interface; sqlite and spanner implement it.
package like

import (
	"context"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/techconf/techconf"
)

// Limits of createLike's input, part of the API's documented contract.
const (
	MaxUUIDLength = 64
	MaxCount      = 100
)

// Key names one session of one edition: session ids are only unique within
// an edition.
type Key struct {
	Edition   string
	SessionID int
}

// Like is one tap on the button. Its ID is fixed when the like is accepted,
// so that a retried write stores it once.
type Like struct {
	ID        string
	Edition   string
	SessionID int
	UserUUID  string
	CreatedAt time.Time
	ServerID  string
}

// Key returns the session the like belongs to.
func (l Like) Key() Key { return Key{Edition: l.Edition, SessionID: l.SessionID} }

// Event tells a subscriber of a session about new likes: how many arrived
// since its previous event, and the session's total after them.
type Event struct {
	SessionID int
	Likes     int
	Total     int
}

// Store keeps likes. Add must be idempotent by like ID: a retry after an
// ambiguous failure must not store a like twice.
type Store interface {
	Add(ctx context.Context, likes []Like) error
	// Totals returns the stored number of likes of every session that has any.
	Totals(ctx context.Context) (map[Key]int64, error)
	// Ping reports whether the store answers.
	Ping(ctx context.Context) error
}

// ValidateRequest checks createLike's input that does not depend on the
// content (the session's existence is checked by the caller).
func ValidateRequest(userUUID string, count int) error {
	if userUUID == "" {
		return techconf.Errorf(techconf.EINVALID, "uuid is required")
	}
	if n := utf8.RuneCountInString(userUUID); n > MaxUUIDLength {
		return techconf.Errorf(techconf.EINVALID, "uuid is %d characters long; at most %d are allowed", n, MaxUUIDLength)
	}
	if !utf8.ValidString(userUUID) {
		return techconf.Errorf(techconf.EINVALID, "uuid is not valid UTF-8")
	}
	for _, r := range userUUID {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return techconf.Errorf(techconf.EINVALID, "uuid must not contain spaces or control characters")
		}
	}
	if count < 1 || count > MaxCount {
		return techconf.Errorf(techconf.EINVALID, "count is %d; it must be between 1 and %d", count, MaxCount)
	}
	return nil
}
