package graphql

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/techconf/techconf"
)

// Global ids are Relay-style and opaque: base64url of "Type:edition:key".
// Clients must not parse them; carrying the edition lets the API say which
// edition an id belongs to instead of answering "not found" without reason.
const (
	typeSession    = "Session"
	typeSpeaker    = "Speaker"
	typeSlide      = "Slide"
	typeMovie      = "Movie"
	typeExhibition = "Exhibition"
	typeNews       = "News"
	typeLike       = "Like"
)

func globalID(typ, edition, key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + edition + ":" + key))
}

// parseGlobalID returns the parts of a global id, or an EINVALID error that
// says the id is malformed without echoing a possibly huge input.
func parseGlobalID(id string) (typ, edition, key string, err error) {
	malformed := techconf.Errorf(techconf.EINVALID, "malformed id: ids are opaque strings returned by this API")
	if len(id) == 0 || len(id) > 512 {
		return "", "", "", malformed
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

func intKey(key string) (int, bool) {
	n, err := strconv.Atoi(key)
	return n, err == nil && n > 0
}

// Cursors are opaque too: base64url of "kind:offset", where offset is the
// position of the edge in the (filtered) list.
func cursor(kind string, offset int) *string {
	s := base64.RawURLEncoding.EncodeToString([]byte("cursor:" + kind + ":" + strconv.Itoa(offset)))
	return &s
}

func parseCursor(kind, c string) (int, error) {
	bad := techconf.Errorf(techconf.EINVALID, "invalid cursor for %s: pass an endCursor or an edge cursor returned by this list", kind)
	if len(c) > 128 {
		return 0, bad
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
	return n, nil
}

// MaxPageSize bounds `first` on every list.
const MaxPageSize = 100

// page is one page of a list, ready to become a connection.
type page[T any] struct {
	items   []T
	offsets []int // offsets of items in the whole list, for their cursors
	info    *PageInfo
}

// paginate cuts the page that first and after select from items.
func paginate[T any](kind string, items []T, first *int, after *string) (*page[T], error) {
	start := 0
	if after != nil {
		n, err := parseCursor(kind, *after)
		if err != nil {
			return nil, err
		}
		if n >= len(items) {
			return nil, techconf.Errorf(techconf.EINVALID, "invalid cursor for %s: it points past the end of the list", kind)
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
	for i := start; i < end; i++ {
		p.offsets = append(p.offsets, i)
	}
	if len(p.items) > 0 {
		p.info.StartCursor = cursor(kind, start)
		p.info.EndCursor = cursor(kind, end-1)
	}
	return p, nil
}
