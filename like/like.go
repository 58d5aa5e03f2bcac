// Package like is the domain of the "Like" button: attendees like a session
// as often as they want, every like is stored, and everyone sees everyone's
// likes live, however many servers run.
//
// The pipeline: Service.Create puts likes in a bounded in-memory Buffer; a
// flusher writes them in batches, each batch together with its per-second
// Summaries in one transaction; an Observer reads the committed summaries
// in commit order and turns them into increments exactly once; a Broker
// fans the increments out to subscribers. The store is an interface; the
// sqlite and spanner packages implement it.
package like

import (
	"context"
	"crypto/sha1"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/techconf/techconf"
)

// Limits of createLike's input, part of the API's documented contract.
const (
	MaxUUIDLength      = 64
	MaxRequestIDLength = 64
	MaxCount           = 100
)

// Key names one session of one edition: session ids are only unique within
// an edition.
type Key struct {
	Edition   string
	SessionID int
}

// Like is one tap on the button. Its ID is fixed when the like is accepted,
// so that a retried write stores it once; when the client sent an
// idempotency key, the ID is derived from it (see LikeID), so that a retried
// request, on any server, names the same likes.
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

// Batch is a set of likes written in one transaction. Its ID and its likes
// never change once it is formed, so a retry writes exactly the same rows.
type Batch struct {
	ID    string
	Likes []Like
}

// Fresh returns the batch with only the likes that isNew reports, each ID
// at most once (a request retried before its first try was written puts the
// same IDs twice in one batch). Stores use it to summarise only the likes
// that a write really adds.
func (b Batch) Fresh(isNew func(id string) bool) Batch {
	out := Batch{ID: b.ID, Likes: make([]Like, 0, len(b.Likes))}
	seen := make(map[string]bool, len(b.Likes))
	for _, l := range b.Likes {
		if !seen[l.ID] && isNew(l.ID) {
			seen[l.ID] = true
			out.Likes = append(out.Likes, l)
		}
	}
	return out
}

// Summary counts the likes of one batch for one session, server and second
// (of the likes' CreatedAt). Summaries are written in the same transaction
// as the likes they count, so the two can never disagree.
type Summary struct {
	BatchID   string
	Edition   string
	SessionID int
	ServerID  string
	Second    int64 // Unix seconds
	Likes     int64
}

// Key returns the session the summary counts.
func (s Summary) Key() Key { return Key{Edition: s.Edition, SessionID: s.SessionID} }

// Summaries returns the per-second, per-session summaries of a batch, in a
// stable order.
func (b Batch) Summaries() []Summary {
	type k struct {
		edition string
		session int
		server  string
		second  int64
	}
	index := map[k]int{}
	var out []Summary
	for _, l := range b.Likes {
		key := k{l.Edition, l.SessionID, l.ServerID, l.CreatedAt.Unix()}
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, Summary{BatchID: b.ID, Edition: l.Edition, SessionID: l.SessionID, ServerID: l.ServerID, Second: key.second})
		}
		out[i].Likes++
	}
	return out
}

// Event tells a subscriber of a session about new likes: how many arrived
// since its previous event, and the session's total after them.
type Event struct {
	SessionID int
	Likes     int
	Total     int
}

// Position is a point in a store's commit order, opaque to everyone but the
// store that made it (a sequence number on SQLite, a timestamp on Spanner).
type Position string

// Store keeps likes and their summaries.
type Store interface {
	// WriteBatch stores, in one transaction, the batch's likes whose IDs are
	// not stored yet and the summaries of exactly those likes. So it is
	// idempotent (writing a batch again after an ambiguous failure changes
	// nothing), and a like that another batch, on any server, has stored
	// already (a retried request) is neither stored nor counted twice. A
	// store may rely on a like with a RandomID being carried by no other
	// batch: it only has to recognise a rewrite of the like's own batch.
	WriteBatch(ctx context.Context, b Batch) error
	// MaxBatchLikes is the most likes one WriteBatch may carry (Spanner's
	// mutation limit); 0 means no limit of the store's own.
	MaxBatchLikes() int
	// Totals returns the stored total of every session that has likes, and
	// the position they are exact at.
	Totals(ctx context.Context) (map[Key]int64, Position, error)
	// Changes returns the summaries committed after from, and the position
	// up to which they are complete: the totals at from plus these
	// summaries are exactly the totals at the returned position.
	Changes(ctx context.Context, from Position) ([]Summary, Position, error)
	// Ping reports whether the store answers.
	Ping(ctx context.Context) error
}

// HistoryStore is a Store that can also say how many likes were made per
// minute (Unix minutes) since a time, as of a position, so that a server
// that starts can draw the recent past without counting anything twice.
type HistoryStore interface {
	PerMinute(ctx context.Context, at Position, since time.Time) (map[int64]int64, error)
}

// Checkpointer is a store with upkeep to do between writes (SQLite's WAL
// checkpoint). The buffer calls AfterWrite from its flusher after each
// successful write, once the write's likes are acknowledged and before
// the next write: the upkeep is on no client's acknowledgement path, and
// no write of this buffer runs beside it.
type Checkpointer interface {
	AfterWrite(ctx context.Context)
}

// ValidateRequest checks createLike's input that does not depend on the
// content (the session's existence is checked by the caller). requestID
// may be empty: the request then has no idempotency key.
func ValidateRequest(userUUID, requestID string, count int) error {
	if userUUID == "" {
		return techconf.Errorf(techconf.EINVALID, "uuid is required")
	}
	if err := validateToken("uuid", userUUID, MaxUUIDLength); err != nil {
		return err
	}
	if requestID != "" {
		if err := validateToken("requestId", requestID, MaxRequestIDLength); err != nil {
			return err
		}
	}
	if count < 1 || count > MaxCount {
		return techconf.Errorf(techconf.EINVALID, "count is %d; it must be between 1 and %d", count, MaxCount)
	}
	return nil
}

// validateToken checks a client-chosen identifier: short, printable, no
// spaces. Its value is never echoed, as it may be hostile.
func validateToken(field, v string, maxLen int) error {
	if !utf8.ValidString(v) {
		return techconf.Errorf(techconf.EINVALID, "%s is not valid UTF-8", field)
	}
	if n := utf8.RuneCountInString(v); n > maxLen {
		return techconf.Errorf(techconf.EINVALID, "%s is %d characters long; at most %d are allowed", field, n, maxLen)
	}
	for _, r := range v {
		if unicode.IsControl(r) || unicode.IsSpace(r) {
			return techconf.Errorf(techconf.EINVALID, "%s must not contain spaces or control characters", field)
		}
	}
	return nil
}

// likeIDSpace is the name space of derived like IDs (RFC 9562 name-based
// UUIDs); it is fixed forever, or retries across a deployment would get
// new IDs.
var likeIDSpace = uuid.MustParse("6f1c5e1a-8d0b-4f7e-9a35-2b7c0d9e4a61")

// LikeID is the ID of the index-th like of a request with an idempotency
// key: a name-based UUID (version 5) of (edition, client UUID, key, index).
// A retry of the request, on any server, derives the same IDs, so the
// store keeps each like once. It is a hash, so no key starts with an
// ever-growing value. The parts cannot run into each other: the client's
// UUID and key contain no control characters, and NUL separates them.
//
// It computes what uuid.NewSHA1(likeIDSpace, name) does, with the name on
// the stack and one hash by value: NewSHA1's hash object, name and sum
// were four of a createLike's allocations (TestLikeIDIsNameBased compares
// the two).
func LikeID(edition, userUUID, requestID string, index int) string {
	var buf [192]byte // the name space and a name of the usual lengths
	name := append(buf[:0], likeIDSpace[:]...)
	name = append(name, edition...)
	name = append(name, 0)
	name = append(name, userUUID...)
	name = append(name, 0)
	name = append(name, requestID...)
	name = append(name, 0)
	name = strconv.AppendInt(name, int64(index), 10)
	sum := sha1.Sum(name)
	var id uuid.UUID
	copy(id[:], sum[:])
	id[6] = id[6]&0x0f | 0x50 // version 5
	id[8] = id[8]&0x3f | 0x80 // RFC 9562 variant
	return id.String()
}

// NewID returns the ID of a like that came without an idempotency key: a
// random (version 4) UUID, so no key starts with an ever-growing value.
func NewID() string { return uuid.NewString() }

// RandomID reports whether id is a random like ID (NewID's). No request
// but the one that drew it can carry it, and that request's likes go into
// one batch, so a store recognises it again only in a rewrite of that
// batch, by the batch's ID, without looking the like up. Any other ID,
// LikeID's above all (version 5), may come again in another batch, from a
// retried request on any server.
func RandomID(id string) bool {
	if len(id) != 36 {
		return false
	}
	u, err := uuid.Parse(id)
	return err == nil && u.Version() == 4 && u.Variant() == uuid.RFC4122
}
