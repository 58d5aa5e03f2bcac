package graphql

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/techconf/techconf"
	"github.com/techconf/techconf/conference"
	"github.com/techconf/techconf/like"
)

// LikeService is what the API needs of the like pipeline.
type LikeService interface {
	// CreateOnce stores count likes; requestID, when not empty, is the
	// client's idempotency key.
	CreateOnce(ctx context.Context, k like.Key, userUUID, requestID string, count int) ([]like.Like, error)
	Total(k like.Key) int64
	Subscribe(ctx context.Context, k like.Key) (<-chan *like.Event, error)
	// SubscribeChanges is Subscribe without the event that gives the
	// starting total.
	SubscribeChanges(ctx context.Context, k like.Key) (<-chan *like.Event, error)
}

func (r *Resolver) session(id int) (*conference.Session, error) {
	s := r.Conf.Session(id)
	if s == nil {
		return nil, techconf.Errorf(techconf.ENOTFOUND, "session %d does not exist in edition %s", id, r.Conf.ID)
	}
	return s, nil
}

// likeableSession is session for createLike: lunches and breaks exist but
// cannot be liked.
func (r *Resolver) likeableSession(id int) (*conference.Session, error) {
	s, err := r.session(id)
	if err != nil {
		return nil, err
	}
	if !s.Likeable() {
		return nil, techconf.Errorf(techconf.EINVALID, "session %d is a %s; only talks can be liked", id, s.Type)
	}
	return s, nil
}

// node resolves a global id of any type.
func (r *Resolver) node(id string) (Node, error) {
	typ, edition, key, err := parseGlobalID(id)
	if err != nil {
		return nil, err
	}
	notFound := techconf.Errorf(techconf.ENOTFOUND, "no %s with id %q in edition %s", typ, truncate(id, 80), r.Conf.ID)
	if edition == "" {
		edition = r.Conf.ID // a 2018 id: scoped by the endpoint
	}
	if edition != r.Conf.ID {
		return nil, techconf.Errorf(techconf.ENOTFOUND, "id %q belongs to edition %q; ask /%s/api/query", truncate(id, 80), truncate(edition, 32), truncate(edition, 32))
	}
	var n Node
	switch typ {
	case typeSession, typeSlide, typeMovie, typeExhibition:
		k, ok := intKey(key)
		if !ok {
			return nil, techconf.Errorf(techconf.EINVALID, "malformed id: the key of a %s id is an integer, as in %s:12", typ, typ)
		}
		switch typ {
		case typeSession:
			if s := r.Conf.Session(k); s != nil {
				n = s
			}
		case typeSlide:
			if s := r.Conf.Slide(k); s != nil {
				n = s
			}
		case typeMovie:
			if m := r.Conf.Movie(k); m != nil {
				n = m
			}
		case typeExhibition:
			if x := r.Conf.Exhibition(k); x != nil {
				n = x
			}
		}
	case typeSpeaker:
		if s := r.Conf.Speaker(key); s != nil {
			n = s
		}
	case typeNews:
		if x := r.Conf.NewsItem(key); x != nil {
			n = x
		}
	case typeLike:
		// A like's id carries its session, so it resolves without a read
		// of the store (which may not have it yet while it is buffered).
		sessionKey, likeID, ok := strings.Cut(key, ":")
		k, okInt := intKey(sessionKey)
		if !ok || !okInt || likeID == "" {
			return nil, techconf.Errorf(techconf.EINVALID, "malformed id: a Like id looks like Like:<session>:<like id>, as returned by createLike")
		}
		if r.Conf.Session(k) != nil {
			n = &like.Like{ID: likeID, Edition: edition, SessionID: k}
		}
	default:
		return nil, techconf.Errorf(techconf.EINVALID, "malformed id: unknown type %q; ids look like Session:12 or Speaker:aiko-tanabe", truncate(typ, 32))
	}
	if n == nil {
		return nil, notFound
	}
	return n, nil
}

// sessionFilter checks sessionList's filters against the edition, so that a
// typo is an error rather than an empty timetable.
func (r *Resolver) sessionFilter(req *SessionListInput) (conference.SessionFilter, error) {
	var f conference.SessionFilter
	if req == nil {
		return f, nil
	}
	if req.Room != nil {
		if r.Conf.Room(*req.Room) == nil {
			names := make([]string, len(r.Conf.Rooms))
			for i, room := range r.Conf.Rooms {
				names[i] = room.ID()
			}
			return f, techconf.Errorf(techconf.EINVALID, "unknown room %q (rooms: %s)", *req.Room, strings.Join(names, ", "))
		}
		f.Room = *req.Room
	}
	if req.Tag != nil {
		f.Tag = *req.Tag
	}
	if req.Day != nil {
		if _, err := time.Parse("2006-01-02", *req.Day); err != nil {
			return f, techconf.Errorf(techconf.EINVALID, "day %q is not a date in the form YYYY-MM-DD", *req.Day)
		}
		f.Day = conference.Day(*req.Day)
	}
	if req.Lang != nil {
		if langs := r.Conf.TalkLanguages(); !slices.Contains(langs, *req.Lang) {
			return f, techconf.Errorf(techconf.EINVALID, "lang %q is not a language of this edition's talks (%s)", *req.Lang, strings.Join(langs, ", "))
		}
		f.Lang = *req.Lang
	}
	if req.Type != nil {
		if !conference.KnownType(*req.Type) {
			return f, techconf.Errorf(techconf.EINVALID, "type %q is not one of %s", *req.Type, strings.Join(conference.SessionTypes, ", "))
		}
		f.Type = *req.Type
	}
	return f, nil
}

type baseURLKey struct{}

// withBaseURL records the scheme and host the client used, so that URLs the
// API returns (speaker icons) are absolute for mobile apps too.
func withBaseURL(ctx context.Context, base string) context.Context {
	return context.WithValue(ctx, baseURLKey{}, base)
}

func baseURL(ctx context.Context) string {
	s, _ := ctx.Value(baseURLKey{}).(string)
	return s
}

type connLimitKey struct{}

// connLimit counts the open subscriptions of one WebSocket connection.
type connLimit struct {
	max  int
	open atomic.Int64
}

func withConnLimit(ctx context.Context, max int) context.Context {
	return context.WithValue(ctx, connLimitKey{}, &connLimit{max: max})
}

// acquireSubscription takes one of the connection's subscription slots
// until ctx is done. Requests that are not WebSockets (SSE) hold one
// subscription each and have no limit here.
func acquireSubscription(ctx context.Context) error {
	l, _ := ctx.Value(connLimitKey{}).(*connLimit)
	if l == nil {
		return acquireProcessSubscription(ctx)
	}
	if l.open.Add(1) > int64(l.max) {
		l.open.Add(-1)
		return techconf.Errorf(techconf.EINVALID, "too many subscriptions on this connection (at most %d); close some or open another connection", l.max)
	}
	if err := acquireProcessSubscription(ctx); err != nil {
		l.open.Add(-1)
		return err
	}
	context.AfterFunc(ctx, func() { l.open.Add(-1) })
	return nil
}
