package schedule

import (
	"fmt"
	"hash/fnv"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/techconf/techconf/conference"
)

// ImportOptions say how a programme becomes an edition.
type ImportOptions struct {
	EditionID string
	// Lang is the language of the programme's texts; an imported edition
	// is in that one language. Empty: the existing edition's default, or
	// English.
	Lang string
	// Existing is the edition already in the content folder, if any: its
	// venue, tagline and about text are kept (they are in no schedule
	// format).
	Existing *conference.Edition
}

// Report lists what an import could not map, one line each, for the
// organiser to fix by hand.
type Report []string

func (r *Report) add(format string, args ...any) { *r = append(*r, fmt.Sprintf(format, args...)) }

// sessionTypes maps the event types of pretalx, frab, Sessionize and
// techconf's own exports to session types; anything else is a session.
var sessionTypes = map[string]string{
	"keynote": conference.TypeKeynote, "keynote talk": conference.TypeKeynote,
	"talk": conference.TypeSession, "lecture": conference.TypeSession, "session": conference.TypeSession,
	"workshop": conference.TypeSession, "panel": conference.TypeSession, "podium": conference.TypeSession,
	"discussion": conference.TypeSession, "meeting": conference.TypeSession, "hands-on": conference.TypeSession,
	"lightning talk": conference.TypeLightning, "lightning": conference.TypeLightning, "lightningtalk": conference.TypeLightning,
	"lightning talks": conference.TypeLightning,
	"opening":         conference.TypeOpening, "welcome": conference.TypeOpening,
	"closing": conference.TypeClosing,
	"lunch":   conference.TypeLunch, "break": conference.TypeBreak,
}

// Edition turns the programme into an edition for the content folder. Ids
// are stable across imports of later versions of the same programme:
// sessions keep the source's numeric id (or one derived from its GUID),
// speakers an id derived from their name, so likes stay with their talk.
func (p *Programme) Edition(opts ImportOptions) (*conference.Edition, Report, error) {
	var rep Report
	lang := opts.Lang
	if lang == "" {
		lang = conference.LangEnglish
		if opts.Existing != nil {
			lang = opts.Existing.DefaultLanguage()
		}
	}
	if !conference.ValidLanguage(lang) {
		return nil, nil, fmt.Errorf("language %q is not a language code such as en, ja or de", lang)
	}
	text := func(s string) conference.Text {
		return conference.NewText(lang, map[string]string{lang: strings.TrimSpace(s)})
	}
	ed := &conference.Edition{ID: opts.EditionID, Languages: []string{lang}, Name: text(p.Title), Timezone: p.TimeZone}
	if ed.Timezone == "UTC" {
		ed.Timezone = ""
	}
	if p.Title == "" && opts.Existing != nil {
		ed.Name = text(opts.Existing.Name.Default())
	} else if p.Title == "" {
		ed.Name = text(opts.EditionID)
		rep.add("edition.yaml: name: the source has no conference title; the edition id stands in")
	}
	if ex := opts.Existing; ex != nil {
		ed.Tagline, ed.About = text(ex.Tagline.Default()), text(ex.About.Default())
		ed.Venue = conference.Venue{Name: text(ex.Venue.Name.Default()), Address: text(ex.Venue.Address.Default()),
			MapURL: ex.Venue.MapURL, Access: text(ex.Venue.Access.Default())}
	} else {
		ed.Venue = conference.Venue{Name: text("To be announced"), Address: text("To be announced"),
			MapURL: "https://www.openstreetmap.org/", Access: text("To be announced")}
		rep.add("edition.yaml: venue: no schedule format has one; fill in name, address, mapUrl and access")
	}

	// Rooms in the programme's order.
	for _, r := range p.Rooms {
		ed.Rooms = append(ed.Rooms, conference.Room{Name: text(r.Name), GUID: validGUID(r.GUID)})
	}

	// Days: the programme's, and every day an event starts on.
	days := map[string]bool{}
	for _, d := range p.Days {
		days[d.Date] = true
	}
	for _, ev := range p.Events {
		days[ev.Start.In(p.Location).Format("2006-01-02")] = true
	}
	for d := range days {
		ed.Days = append(ed.Days, conference.Day(d))
	}
	sort.Slice(ed.Days, func(i, j int) bool { return ed.Days[i] < ed.Days[j] })

	// Speakers, once each: the same person in several events is known by
	// GUID, code, numeric id or, failing those, name.
	speakerOf := map[string]*conference.Speaker{}
	usedIDs := map[string]bool{}
	personKey := func(ps Person) string {
		switch {
		case ps.GUID != "":
			return "guid:" + ps.GUID
		case ps.Code != "":
			return "code:" + ps.Code
		case ps.ID > 0:
			return fmt.Sprintf("id:%d", ps.ID)
		}
		return "name:" + ps.Name
	}
	speaker := func(ps Person) *conference.Speaker {
		key := personKey(ps)
		if sp := speakerOf[key]; sp != nil {
			if sp.Profile.IsZero() && ps.Biography != "" {
				sp.Profile = text(ps.Biography)
			}
			return sp
		}
		id := slugify(ps.Name, "-")
		if len(id) > 48 {
			id = strings.TrimRight(id[:48], "-")
		}
		if id == "" || usedIDs[id] {
			h := fnv.New32a()
			h.Write([]byte(key))
			id = strings.TrimLeft(id+fmt.Sprintf("-%06x", h.Sum32()&0xffffff), "-")
		}
		usedIDs[id] = true
		name := ps.Name
		if strings.TrimSpace(name) == "" {
			name = id
			rep.add("speakers.yaml: speaker %q: the source gives no name", id)
		}
		sp := &conference.Speaker{ID: id, GUID: validGUID(ps.GUID), Name: text(name), Profile: text(ps.Biography),
			Position: text(ps.Position), Company: ps.Company, TwitterID: ps.TwitterID}
		if u, err := url.Parse(ps.Avatar); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
			sp.IconURL = ps.Avatar
		}
		speakerOf[key] = sp
		ed.Speakers = append(ed.Speakers, sp)
		return sp
	}

	// Sessions.
	ids := map[int]*Event{}
	unknownTypes := map[string]int{}
	var noAbstract, subtitles, otherLinks []string
	for _, ev := range p.Events {
		id := ev.ID
		if id <= 0 || ids[id] != nil {
			id = derivedID(ev)
			for ids[id] != nil {
				id = id%2147483646 + 1
			}
		}
		ids[id] = ev
		typ, ok := sessionTypes[strings.ToLower(strings.TrimSpace(ev.Type))]
		if !ok {
			typ = conference.TypeSession
			unknownTypes[ev.Type]++
		}
		s := &conference.Session{ID: id, GUID: validGUID(ev.GUID), Type: typ, Place: ev.Room,
			StartTime: ev.Start.In(p.Location), EndTime: ev.Start.Add(ev.Duration).In(p.Location),
			Title: text(ev.Title), Tags: []string{}}
		if typ == conference.TypeLunch || typ == conference.TypeBreak {
			s.Place = "" // they take every room
		}
		outline := strings.TrimSpace(ev.Abstract)
		if d := strings.TrimSpace(ev.Description); d != "" && d != outline {
			outline = strings.TrimSpace(outline + "\n\n" + d)
		}
		if outline == "" && conference.IsTalkType(typ) {
			outline = ev.Title
			noAbstract = append(noAbstract, fmt.Sprint(id))
		}
		s.Outline = text(outline)
		if ev.Subtitle != "" {
			subtitles = append(subtitles, fmt.Sprint(id))
		}
		var known bool
		if s.Lang, known = talkLanguage(ev.Language, lang); !known && ev.Language != "" {
			rep.add("sessions.yaml: session %d: lang: %q is not a language code; %s stands in", id, ev.Language, lang)
		}
		for _, t := range append([]string{ev.Track}, ev.Tags...) {
			if t = strings.TrimSpace(t); t != "" && !containsString(s.Tags, t) {
				s.Tags = append(s.Tags, t)
			}
		}
		for _, ps := range ev.Persons {
			sp := speaker(ps)
			if !containsString(s.SpeakerIDs, sp.ID) {
				s.SpeakerIDs = append(s.SpeakerIDs, sp.ID)
			}
		}
		for _, l := range ev.Links {
			if !httpURL(l.URL) {
				otherLinks = append(otherLinks, fmt.Sprintf("session %d: %q is not an http(s) URL", id, l.URL))
				continue
			}
			kind := strings.ToLower(l.Type)
			if kind == "" {
				// frab's links have no type: go by the title.
				switch t := strings.ToLower(l.Title); {
				case strings.Contains(t, "slide"):
					kind = "slides"
				case strings.Contains(t, "video") || strings.Contains(t, "recording"):
					kind = "media"
				}
			}
			if kind != "slides" && kind != "media" && kind != "recording" && kind != "video" {
				otherLinks = append(otherLinks, fmt.Sprintf("session %d: %s link %s", id, orNone(l.Type), l.URL))
				continue
			}
			if len(s.SpeakerIDs) == 0 {
				otherLinks = append(otherLinks, fmt.Sprintf("session %d: %s %s (slides and recordings belong to a speaker; the session has none)", id, kind, l.URL))
				continue
			}
			// The speaker named in the link's title, else the first.
			spID := s.SpeakerIDs[0]
			for _, ps := range ev.Persons {
				if ps.Name != "" && strings.Contains(l.Title, ps.Name) {
					spID = speakerOf[personKey(ps)].ID
					break
				}
			}
			if kind == "slides" {
				ed.Slides = append(ed.Slides, &conference.Slide{ID: len(ed.Slides) + 1, SessionID: id, SpeakerID: spID, Lang: s.Lang, URL: l.URL})
			} else {
				ed.Movies = append(ed.Movies, &conference.Movie{ID: len(ed.Movies) + 1, SessionID: id, SpeakerID: spID, URL: l.URL})
			}
		}
		ed.Sessions = append(ed.Sessions, s)
	}
	for _, t := range sortedKeys(unknownTypes) {
		rep.add("sessions.yaml: %d event(s) of type %q imported as type session", unknownTypes[t], t)
	}
	if len(noAbstract) > 0 {
		rep.add("sessions.yaml: sessions %s have no abstract; their title stands in as outline", strings.Join(noAbstract, ", "))
	}
	if len(subtitles) > 0 {
		rep.add("sessions.yaml: the subtitles of sessions %s have no place and were left out", strings.Join(subtitles, ", "))
	}
	for _, l := range otherLinks {
		rep.add("links not imported: %s", l)
	}
	return ed, rep, nil
}

// derivedID is a stable positive id for an event without a usable numeric
// one: a hash of its GUID, code, or title and start.
func derivedID(ev *Event) int {
	key := ev.GUID
	if key == "" {
		key = ev.Code
	}
	if key == "" {
		key = ev.Title + "\x00" + ev.Start.UTC().Format(time.RFC3339)
	}
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32()%2000000000) + 1
}

// talkLanguage reads a talk's language ("en", "de-DE", "English") as a
// language code; def when it cannot (and false).
func talkLanguage(raw, def string) (string, bool) {
	l := strings.ToLower(strings.TrimSpace(raw))
	if i := strings.IndexAny(l, "-_"); i > 0 {
		l = l[:i]
	}
	if conference.ValidLanguage(l) {
		return l, true
	}
	for code, name := range map[string]string{"en": "english", "ja": "japanese", "de": "german", "fr": "french", "es": "spanish", "hi": "hindi", "zh": "chinese", "ko": "korean", "pt": "portuguese", "it": "italian"} {
		if l == name {
			return code, true
		}
	}
	return def, false
}

var guidRE = regexp.MustCompile(`^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$`)

func validGUID(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if guidRE.MatchString(s) {
		return s
	}
	return ""
}

func httpURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func orNone(s string) string {
	if s == "" {
		return "untyped"
	}
	return s
}
