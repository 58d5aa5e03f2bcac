// Package schedule speaks the schedule formats that conference tools and
// attendees' apps share: the frab/pentabarf schedule.xml and its c3voc
// schedule.json twin, which pretalx and frab export and Giggity,
// EventFahrplan or ConfClerk read. It turns an edition into a Programme and
// a Programme into either format, and reads both back into a Programme, so
// that an export can be imported again unchanged.
package schedule

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/techconf/techconf/conference"
)

// Namespace is the UUID namespace of the GUIDs techconf derives (UUIDv5 of
// the edition id and the item's id), so that a talk or a room keeps its GUID
// on every export and every server, and apps keep their favourites.
var Namespace = uuid.MustParse("3f0c5e6a-8d2b-5c41-9a7e-1b6f4d2c8e90")

// Programme is a conference schedule in the terms both formats share.
type Programme struct {
	Title    string
	Acronym  string
	URL      string // the conference's pages
	BaseURL  string // the site's base URL
	Version  string
	TimeZone string         // IANA name
	Location *time.Location // TimeZone, loaded
	Days     []Day
	Rooms    []Room
	Tracks   []string
	Events   []*Event
}

// Day is one day of the programme, in the programme's time zone.
type Day struct {
	Index      int
	Date       string // YYYY-MM-DD
	Start, End time.Time
}

// Room is a room and its GUID.
type Room struct {
	Name string
	GUID string
}

// Event is one talk (or any other slot) in a room.
type Event struct {
	ID          int
	GUID        string
	Code        string // pretalx's submission code, when known
	Room        string
	Title       string
	Subtitle    string
	Type        string
	Track       string
	Tags        []string // more tags (Sessionize's other tracks); not exported
	Language    string
	Abstract    string
	Description string
	Start       time.Time
	Duration    time.Duration
	Slug        string
	URL         string
	Persons     []Person
	Links       []Link
}

// Person is a speaker of an event.
type Person struct {
	ID        int // frab's numeric id, when known
	Code      string
	GUID      string
	Name      string
	Biography string
	Avatar    string
	// Only Sessionize has these.
	Position  string
	Company   string
	TwitterID string
}

// Link is a URL attached to an event: slides, a recording, a related page.
type Link struct {
	Type  string // c3voc reference type: slides, media, web, ...
	URL   string
	Title string
}

// Event types techconf writes for its session types; import reads these
// and the usual names of other tools.
var typeNames = map[string]string{
	conference.TypeKeynote:   "keynote",
	conference.TypeSession:   "talk",
	conference.TypeLightning: "lightning talk",
	conference.TypeOpening:   "opening",
	conference.TypeClosing:   "closing",
	conference.TypeLunch:     "lunch",
	conference.TypeBreak:     "break",
}

// SessionGUID is the GUID of a session: its own (kept from an import) or
// one derived from the edition and session ids.
func SessionGUID(ed *conference.Edition, s *conference.Session) string {
	if s.GUID != "" {
		return s.GUID
	}
	return uuid.NewSHA1(Namespace, []byte(ed.ID+"/session/"+strconv.Itoa(s.ID))).String()
}

// RoomGUID is the GUID of a room: its own or one derived from its id.
func RoomGUID(ed *conference.Edition, r *conference.Room) string {
	if r.GUID != "" {
		return r.GUID
	}
	return uuid.NewSHA1(Namespace, []byte(ed.ID+"/room/"+r.ID())).String()
}

// SpeakerGUID is the GUID of a speaker: its own or one derived from its id.
func SpeakerGUID(ed *conference.Edition, sp *conference.Speaker) string {
	if sp.GUID != "" {
		return sp.GUID
	}
	return uuid.NewSHA1(Namespace, []byte(ed.ID+"/speaker/"+sp.ID)).String()
}

// Options choose what an export shows.
type Options struct {
	BaseURL string // absolute URLs of pages start with it (no trailing slash)
	Lang    string // the language of texts; empty: the edition's default
}

// FromEdition returns an edition's programme. Sessions without a room
// (lunches and breaks) are left out: both formats file every event under a
// room. Texts are in opts.Lang, falling back to the default language.
func FromEdition(ed *conference.Edition, opts Options) *Programme {
	lang := opts.Lang
	if lang == "" {
		lang = ed.DefaultLanguage()
	}
	base := strings.TrimRight(opts.BaseURL, "/")
	p := &Programme{
		Title:    ed.Name.In(lang),
		Acronym:  Acronym(ed),
		URL:      base + "/" + ed.ID + "/",
		BaseURL:  base + "/",
		TimeZone: ed.Timezone,
		Location: ed.Location,
	}
	if p.TimeZone == "" {
		p.TimeZone = "UTC"
	}
	for i := range ed.Rooms {
		p.Rooms = append(p.Rooms, Room{Name: ed.Rooms[i].ID(), GUID: RoomGUID(ed, &ed.Rooms[i])})
	}
	tracks := map[string]bool{}
	for _, s := range ed.Sessions {
		if s.Place == "" {
			continue
		}
		ev := &Event{
			ID:       s.ID,
			GUID:     SessionGUID(ed, s),
			Room:     s.Place,
			Title:    s.Title.In(lang),
			Type:     typeNames[s.Type],
			Language: s.Lang,
			Abstract: s.Outline.In(lang),
			Start:    s.StartTime.In(ed.Location),
			Duration: s.EndTime.Sub(s.StartTime),
			URL:      fmt.Sprintf("%s/%s/sessions/%d", base, ed.ID, s.ID),
		}
		ev.Slug = eventSlug(p.Acronym, s.ID, ev.Title)
		if len(s.Tags) > 0 {
			// Both formats give an event one track: the first tag.
			ev.Track = s.Tags[0]
			if !tracks[ev.Track] {
				tracks[ev.Track] = true
				p.Tracks = append(p.Tracks, ev.Track)
			}
		}
		for _, sp := range s.Speakers {
			ev.Persons = append(ev.Persons, Person{GUID: SpeakerGUID(ed, sp), Name: sp.Name.In(lang), Biography: sp.Profile.In(lang)})
		}
		for _, sl := range s.Slides {
			ev.Links = append(ev.Links, Link{Type: "slides", URL: sl.URL, Title: "Slides (" + sl.Speaker.Name.In(lang) + ")"})
		}
		for _, m := range s.Movies {
			ev.Links = append(ev.Links, Link{Type: "media", URL: m.URL, Title: "Recording"})
		}
		p.Events = append(p.Events, ev)
	}
	for i, d := range ed.Days {
		// A day runs from its first event to the end of its last, which may
		// be after midnight; a day without events is the calendar day.
		midnight, _ := time.ParseInLocation("2006-01-02", string(d), ed.Location)
		day := Day{Index: i + 1, Date: string(d), Start: midnight, End: midnight.AddDate(0, 0, 1)}
		var seen bool
		for _, ev := range p.Events {
			if ev.Start.Format("2006-01-02") != day.Date {
				continue
			}
			end := ev.Start.Add(ev.Duration)
			if !seen || ev.Start.Before(day.Start) {
				day.Start = ev.Start
			}
			if !seen || end.After(day.End) {
				day.End = end
			}
			seen = true
		}
		p.Days = append(p.Days, day)
	}
	p.Version = p.digest()
	return p
}

// digest is the schedule's version: a hash of what apps show, so that it
// changes exactly when the programme does, the same on every server.
func (p *Programme) digest() string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%s\x00", p.Title, p.Acronym, p.TimeZone)
	for _, r := range p.Rooms {
		fmt.Fprintf(h, "r\x00%s\x00%s\x00", r.Name, r.GUID)
	}
	for _, ev := range p.Events {
		fmt.Fprintf(h, "e\x00%d\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%s\x00%d\x00", ev.ID, ev.GUID, ev.Room, ev.Title,
			ev.Type, ev.Track, ev.Language, ev.Abstract, ev.Start.Format(time.RFC3339), ev.Duration)
		for _, ps := range ev.Persons {
			// Not the biography: schedule.xml has none, and its version must
			// survive an import of it.
			fmt.Fprintf(h, "p\x00%s\x00%s\x00", ps.GUID, ps.Name)
		}
		for _, l := range ev.Links {
			fmt.Fprintf(h, "l\x00%s\x00%s\x00%s\x00", l.Type, l.URL, l.Title)
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:6])
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// slugify keeps ASCII letters and digits, joined by sep.
func slugify(s, sep string) string {
	return strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(s), sep), sep)
}

// Acronym is the edition's short name for apps: its name in the default
// language, in lowercase letters, digits and '_' (the c3voc schema's rule),
// or the edition id when the name has too few of those.
func Acronym(ed *conference.Edition) string {
	a := slugify(ed.Name.Default(), "_")
	if len(a) > 40 {
		a = strings.TrimRight(a[:40], "_")
	}
	if len(a) < 4 {
		a = "techconf_" + slugify(ed.ID, "_")
	}
	return a
}

// eventSlug follows the c3voc rule: acronym, '-', then at least four of
// [a-z0-9-_]: the session id and its title.
func eventSlug(acronym string, id int, title string) string {
	t := slugify(title, "-")
	if len(t) > 48 {
		t = strings.TrimRight(t[:48], "-")
	}
	if t == "" {
		t = "session"
	}
	return fmt.Sprintf("%s-%d-%s", acronym, id, t)
}

// hhmm formats a duration as the formats want it: hours and minutes.
func hhmm(d time.Duration) string {
	m := int(d.Round(time.Minute) / time.Minute)
	return fmt.Sprintf("%02d:%02d", m/60, m%60)
}
