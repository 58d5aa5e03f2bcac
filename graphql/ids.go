package graphql

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/techconf/techconf"
	"github.com/techconf/techconf/conference"
	"github.com/techconf/techconf/like"
)

// Global ids have the 2018 form "Type:key": Session:12, Speaker:aiko-tanabe,
// Exhibition:3, News:<newsId>, Slide:1, Movie:1, and Like:<session>:<like
// id> (a like carries its session so that it resolves while it is still
// buffered, before the store has it). The 2018 apps build their share links
// by cutting "Session:" off an id, so this form is part of the API.
//
// An id is scoped by the edition endpoint that served it: Session:12 on
// /2017/api/query is 2017's session 12.
//
// Ids of the form base64url("Type:edition:key"), which this API handed out
// for a while, are still read, so that clients that kept one go on working.
const (
	typeSession    = "Session"
	typeSpeaker    = "Speaker"
	typeSlide      = "Slide"
	typeMovie      = "Movie"
	typeExhibition = "Exhibition"
	typeNews       = "News"
	typeLike       = "Like"
)

// maxIDLength bounds what is parsed and quoted back in errors.
const maxIDLength = 512

func globalID(typ, key string) string { return typ + ":" + key }

// parseGlobalID returns the parts of a global id. edition is "" for a 2018
// id (the endpoint's edition) and set for an older opaque id. A malformed
// id is an EINVALID error that does not echo a possibly huge input.
func parseGlobalID(id string) (typ, edition, key string, err error) {
	malformed := techconf.Errorf(techconf.EINVALID, "malformed id: ids look like Session:12 or Speaker:aiko-tanabe, as returned by this API")
	if len(id) == 0 || len(id) > maxIDLength {
		return "", "", "", malformed
	}
	if typ, key, ok := strings.Cut(id, ":"); ok {
		if typ == "" || key == "" {
			return "", "", "", malformed
		}
		return typ, "", key, nil
	}
	raw, decErr := base64.RawURLEncoding.DecodeString(strings.TrimRight(id, "="))
	if decErr != nil {
		return "", "", "", malformed
	}
	parts := strings.SplitN(string(raw), ":", 3)
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return "", "", "", malformed
	}
	return parts[0], parts[1], parts[2], nil
}

// intKey reads the integer key of a Session, Slide, Movie or Exhibition id
// in its one canonical form (so Session:012 is not a second id of 12). 0
// is a valid key: the 2018 data has a session 0.
func intKey(key string) (int, bool) {
	n, err := strconv.Atoi(key)
	return n, err == nil && n >= 0 && strconv.Itoa(n) == key
}

// MaxPageSize bounds `first` on every list.
const MaxPageSize = 100

// page is one page of a list, ready to become a connection.
type page[T any] struct {
	items   []T
	cursors []*string // the cursor of each item: its node id
	info    *PageInfo
}

// paginate cuts the page that first and after select from items. A cursor
// is what 2018 used: the node id of the edge (idOf). Cursors of the older
// opaque form ("cursor:kind:offset") are still read.
func paginate[T any](kind string, items []T, idOf func(T) string, first *int, after *string) (*page[T], error) {
	start := 0
	if after != nil {
		n, err := cursorPosition(kind, items, idOf, *after)
		if err != nil {
			return nil, err
		}
		start = n + 1
	}
	limit := MaxPageSize
	if first != nil {
		switch {
		case *first < 0:
			return nil, techconf.Errorf(techconf.EINVALID, "first must not be negative (got %d)", *first)
		case *first > MaxPageSize:
			return nil, techconf.Errorf(techconf.EINVALID, "first is %d; at most %d items can be asked for at once: page with after", *first, MaxPageSize)
		}
		limit = *first
	}
	end := min(start+limit, len(items))
	p := &page[T]{
		items: items[start:end],
		info:  &PageInfo{HasNextPage: end < len(items), HasPreviousPage: start > 0},
	}
	for _, it := range p.items {
		c := idOf(it)
		p.cursors = append(p.cursors, &c)
	}
	if len(p.items) > 0 {
		p.info.StartCursor = p.cursors[0]
		p.info.EndCursor = p.cursors[len(p.cursors)-1]
	}
	return p, nil
}

// cursorPosition finds the item a cursor names in the list. The lists are
// the edition's content (hundreds of items at most), so a scan is cheap.
func cursorPosition[T any](kind string, items []T, idOf func(T) string, c string) (int, error) {
	bad := techconf.Errorf(techconf.EINVALID, "invalid cursor for %s: pass an endCursor or an edge cursor returned by this list", kind)
	if len(c) == 0 || len(c) > maxIDLength {
		return 0, bad
	}
	if strings.Contains(c, ":") {
		for i, it := range items {
			if idOf(it) == c {
				return i, nil
			}
		}
		return 0, techconf.Errorf(techconf.EINVALID, "invalid cursor for %s: no such item in this list (with these filters)", kind)
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, bad
	}
	rest, ok := strings.CutPrefix(string(raw), "cursor:"+kind+":")
	if !ok {
		return 0, bad
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 {
		return 0, bad
	}
	if n >= len(items) {
		return 0, techconf.Errorf(techconf.EINVALID, "invalid cursor for %s: it points past the end of the list", kind)
	}
	return n, nil
}

// The global id of each node type, for the id resolvers and for cursors.
func sessionNodeID(s *conference.Session) string { return globalID(typeSession, strconv.Itoa(s.ID)) }
func speakerNodeID(s *conference.Speaker) string { return globalID(typeSpeaker, s.ID) }
func slideNodeID(s *conference.Slide) string     { return globalID(typeSlide, strconv.Itoa(s.ID)) }
func movieNodeID(m *conference.Movie) string     { return globalID(typeMovie, strconv.Itoa(m.ID)) }
func exhibitionNodeID(x *conference.Exhibition) string {
	return globalID(typeExhibition, strconv.Itoa(x.ID))
}
func newsNodeID(n *conference.News) string { return globalID(typeNews, n.ID) }
func likeNodeID(l *like.Like) string {
	return globalID(typeLike, strconv.Itoa(l.SessionID)+":"+l.ID)
}

// truncate shortens client input quoted in an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
