// Package conference holds the domain of a conference website: editions and
// their sessions, speakers, slides, movies, exhibitions and news, loaded from
// readable content files and validated before anything is served.
package conference

import (
	"slices"
	"sort"
	"strings"
	"time"
)

// Session types known to the timetable. Keynotes, openings and closings span
// every room; lunches and breaks belong to no room.
const (
	TypeKeynote   = "keynote"
	TypeSession   = "session"
	TypeLightning = "lightning"
	TypeOpening   = "opening"
	TypeClosing   = "closing"
	TypeLunch     = "lunch"
	TypeBreak     = "break"
)

// SessionTypes is every session type, in the order the content checker,
// the API and the pages name them: the one list of what a session can be.
var SessionTypes = []string{TypeKeynote, TypeSession, TypeLightning, TypeOpening, TypeClosing, TypeLunch, TypeBreak}

// SessionTypeList names the types for a message: "keynote, session, ...,
// lunch or break".
func SessionTypeList() string {
	n := len(SessionTypes)
	return strings.Join(SessionTypes[:n-1], ", ") + " or " + SessionTypes[n-1]
}

// KnownType reports whether typ is one of SessionTypes.
func KnownType(typ string) bool { return slices.Contains(SessionTypes, typ) }

// IsTalkType reports whether sessions of type typ are talks someone gives
// with an outline of their own: keynotes, sessions and lightning talks.
func IsTalkType(typ string) bool {
	return typ == TypeKeynote || typ == TypeSession || typ == TypeLightning
}

// LikeableType reports whether attendees can like sessions of type typ:
// talks of every kind (keynote, session, lightning, opening, closing) can;
// lunches and breaks cannot, since nobody gives them. The API refuses their
// likes, and the pages show them no like button and no ranking place.
func LikeableType(typ string) bool { return typ != TypeLunch && typ != TypeBreak }

// The languages of the sample content, and of every edition that declares
// none. Talks and texts may be in any language an edition declares.
const (
	LangEnglish  = "en"
	LangJapanese = "ja"
)

// Catalog is every edition the server knows, newest first.
type Catalog struct {
	Editions []*Edition
	byID     map[string]*Edition
}

// NewCatalog indexes editions and sorts them newest first (by first day).
func NewCatalog(editions []*Edition) *Catalog {
	c := &Catalog{Editions: editions, byID: make(map[string]*Edition, len(editions))}
	sort.SliceStable(c.Editions, func(i, j int) bool {
		return c.Editions[i].Start().After(c.Editions[j].Start())
	})
	for _, e := range editions {
		c.byID[e.ID] = e
	}
	return c
}

// Edition returns the edition with the given id, or nil.
func (c *Catalog) Edition(id string) *Edition { return c.byID[id] }

// Newest returns the most recent edition, or nil if there is none.
func (c *Catalog) Newest() *Edition {
	if len(c.Editions) == 0 {
		return nil
	}
	return c.Editions[0]
}

// Edition is one year of the conference with everything it shows.
type Edition struct {
	ID string // the folder name, e.g. "2018"; also the first path segment
	// Languages are the languages every text of the edition is written in,
	// the default first (DefaultLanguages when edition.yaml declares none).
	Languages []string
	Name      Text
	Tagline   Text
	About     Text
	Timezone  string
	Location  *time.Location // Timezone, loaded; UTC when none is given
	Days      []Day
	Venue     Venue
	Rooms     []Room

	Sessions    []*Session    // by start time, then room order
	Speakers    []*Speaker    // in content order
	Slides      []*Slide      // by id
	Movies      []*Movie      // by id
	Exhibitions []*Exhibition // by id
	News        []*News       // newest first

	sessionByID    map[int]*Session
	speakerByID    map[string]*Speaker
	slideByID      map[int]*Slide
	movieByID      map[int]*Movie
	exhibitionByID map[int]*Exhibition
	newsByID       map[string]*News
}

// Day is one calendar day of an edition, as YYYY-MM-DD.
type Day string

// Venue is where an edition takes place.
type Venue struct {
	Name    Text
	Address Text
	MapURL  string
	Access  Text
}

// Room is a track of the timetable; sessions name it as their place.
type Room struct {
	Name Text
	GUID string // kept from an imported schedule; empty: exports derive one
}

// ID is the room's name in the edition's default language: the key that
// sessions give as their place, and that filters and exports use.
func (r Room) ID() string { return r.Name.Default() }

// Session is one slot of the timetable: a talk, a keynote, or a break.
type Session struct {
	ID         int
	Type       string
	Place      string // a room name; empty for lunches and breaks
	StartTime  time.Time
	EndTime    time.Time
	GUID       string // kept from an imported schedule; empty: exports derive one
	Title      Text
	Outline    Text
	Lang       string // the language the talk is given in (any language code)
	Tags       []string
	SpeakerIDs []string

	Speakers []*Speaker
	Slides   []*Slide
	Movies   []*Movie
}

// SpansRooms reports whether the session occupies every room at its time
// (keynotes, openings, closings, lunches and breaks).
func (s *Session) SpansRooms() bool {
	switch s.Type {
	case TypeKeynote, TypeOpening, TypeClosing, TypeLunch, TypeBreak:
		return true
	}
	return false
}

// Likeable reports whether attendees can like the session (LikeableType).
func (s *Session) Likeable() bool { return LikeableType(s.Type) }

// Day returns the calendar day the session starts on, in its own offset.
func (s *Session) Day() Day { return Day(s.StartTime.Format("2006-01-02")) }

// Speaker is a person who gives one or more sessions.
type Speaker struct {
	ID        string
	GUID      string // kept from an imported schedule; empty: exports derive one
	Name      Text
	Company   string
	Position  Text
	Profile   Text
	IconURL   string // empty: the server's generated avatar is used
	TwitterID string
	GithubID  string

	Sessions []*Session
	Slides   []*Slide
	Movies   []*Movie
}

// Slide is the deck a speaker used in a session.
type Slide struct {
	ID        int
	SessionID int
	SpeakerID string
	Lang      string
	URL       string

	Session *Session
	Speaker *Speaker
}

// Movie is the recording of a session.
type Movie struct {
	ID        int
	SessionID int
	SpeakerID string
	URL       string

	Session *Session
	Speaker *Speaker
}

// Exhibition is a sponsor's or community's booth.
type Exhibition struct {
	ID          int
	Place       string
	Title       Text
	Description Text
}

// News is an announcement on the landing page.
type News struct {
	ID      string
	Date    Day
	Message Text
	Link    string
}

// Start returns the first day of the edition at midnight UTC, for ordering.
func (e *Edition) Start() time.Time {
	if len(e.Days) == 0 {
		return time.Time{}
	}
	t, _ := time.Parse("2006-01-02", string(e.Days[0]))
	return t
}

// Session returns the session with the given id, or nil.
func (e *Edition) Session(id int) *Session { return e.sessionByID[id] }

// Speaker returns the speaker with the given id, or nil.
func (e *Edition) Speaker(id string) *Speaker { return e.speakerByID[id] }

// Slide returns the slide with the given id, or nil.
func (e *Edition) Slide(id int) *Slide { return e.slideByID[id] }

// Movie returns the movie with the given id, or nil.
func (e *Edition) Movie(id int) *Movie { return e.movieByID[id] }

// Exhibition returns the exhibition with the given id, or nil.
func (e *Edition) Exhibition(id int) *Exhibition { return e.exhibitionByID[id] }

// NewsItem returns the news item with the given id, or nil.
func (e *Edition) NewsItem(id string) *News { return e.newsByID[id] }

// DefaultLanguage returns the language of texts that have no translation
// in the language asked for.
func (e *Edition) DefaultLanguage() string { return e.Languages[0] }

// HasLanguage reports whether lang is one of the edition's languages.
func (e *Edition) HasLanguage(lang string) bool {
	for _, l := range e.Languages {
		if l == lang {
			return true
		}
	}
	return false
}

// Room returns the room with the given id (its default-language name), or nil.
func (e *Edition) Room(name string) *Room {
	for i := range e.Rooms {
		if e.Rooms[i].ID() == name {
			return &e.Rooms[i]
		}
	}
	return nil
}

// SessionFilter selects sessions; empty fields match everything.
type SessionFilter struct {
	Room string
	Tag  string
	Day  Day
	Lang string
	Type string
}

// FilterSessions returns the sessions that match f, in timetable order.
func (e *Edition) FilterSessions(f SessionFilter) []*Session {
	out := make([]*Session, 0, len(e.Sessions))
	for _, s := range e.Sessions {
		if f.Room != "" && s.Place != f.Room {
			continue
		}
		if f.Day != "" && s.Day() != f.Day {
			continue
		}
		if f.Lang != "" && s.Lang != f.Lang {
			continue
		}
		if f.Type != "" && s.Type != f.Type {
			continue
		}
		if f.Tag != "" && !hasTag(s.Tags, f.Tag) {
			continue
		}
		out = append(out, s)
	}
	return out
}

func hasTag(tags []string, tag string) bool {
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}

// Tags returns every tag used by the edition's sessions, sorted.
func (e *Edition) Tags() []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range e.Sessions {
		for _, t := range s.Tags {
			if !seen[t] {
				seen[t] = true
				out = append(out, t)
			}
		}
	}
	sort.Strings(out)
	return out
}

// TalkLanguages returns the languages the edition's talks are given in,
// the edition's own languages first (in their order), then any other.
func (e *Edition) TalkLanguages() []string {
	out := append([]string(nil), e.Languages...)
	for _, s := range e.Sessions {
		if s.Lang != "" && !hasTag(out, s.Lang) {
			out = append(out, s.Lang)
		}
	}
	return out
}
