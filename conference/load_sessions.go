package conference

import (
	"fmt"
	"sort"
	"strings"
)

// sessionFile is one item of sessions.yaml.
type sessionFile struct {
	ID        *int      `yaml:"id"`
	Type      string    `yaml:"type"`
	Place     string    `yaml:"place"`
	StartTime string    `yaml:"startTime"`
	EndTime   string    `yaml:"endTime"`
	GUID      string    `yaml:"guid"`
	Title     string    `yaml:"title"`
	Outline   string    `yaml:"outline"`
	Lang      string    `yaml:"lang"`
	Tags      []string  `yaml:"tags"`
	Speakers  []string  `yaml:"speakers"`
	Other     otherKeys `yaml:",inline"`
}

// sessions reads sessions.yaml: each session's type, room, times, language,
// tags and speakers, and sorts them into the timetable's order.
func (l *editionLoader) sessions(fss string, sessions []sessionFile) {
	tx, e := l.tx, l.e
	days, roomOrder := l.days, l.roomOrder
	for i, sf := range sessions {
		item := fmt.Sprintf("session #%d", i+1)
		if sf.ID != nil {
			item = fmt.Sprintf("session %d", *sf.ID)
		}
		if sf.ID == nil {
			l.problem(fss, item, "id", "is required")
			continue
		}
		if *sf.ID < 0 {
			// 0 is a valid id: the 2018 timetable starts with session 0.
			l.problem(fss, item, "id", "must not be negative")
			continue
		}
		if e.sessionByID[*sf.ID] != nil {
			l.problem(fss, item, "id", "duplicate session id")
			continue
		}
		talk := IsTalkType(sf.Type)
		s := &Session{
			ID: *sf.ID, GUID: strings.ToLower(sf.GUID), Type: sf.Type, Place: sf.Place,
			Title:   tx.text(fss, item, "title", sf.Title, sf.Other, true),
			Outline: tx.text(fss, item, "outline", sf.Outline, sf.Other, talk),
			Lang:    sf.Lang, Tags: sf.Tags, SpeakerIDs: sf.Speakers,
		}
		tx.unknown(fss, item, sf.Other, "title", "outline")
		l.guid(fss, item, sf.GUID)
		if s.Tags == nil {
			s.Tags = []string{}
		}
		switch {
		case s.Type == "":
			l.problem(fss, item, "type", "is required")
		case !KnownType(s.Type):
			l.problem(fss, item, "type", "unknown type %q (want %s)", s.Type, SessionTypeList())
		}
		if s.Place == "" {
			if s.Type != TypeLunch && s.Type != TypeBreak {
				l.problem(fss, item, "place", "is required (only lunch and break may leave it empty)")
			}
		} else if _, ok := roomOrder[s.Place]; !ok {
			l.problem(fss, item, "place", "unknown room %q", s.Place)
		}
		var startOK, endOK bool
		s.StartTime, startOK = l.time(fss, item, "startTime", sf.StartTime)
		s.EndTime, endOK = l.time(fss, item, "endTime", sf.EndTime)
		if startOK && endOK && !s.EndTime.After(s.StartTime) {
			l.problem(fss, item, "endTime", "%s is not after startTime %s", sf.EndTime, sf.StartTime)
		}
		if startOK && len(days) > 0 && !days[s.Day()] {
			l.problem(fss, item, "startTime", "%s is not on one of the edition's days", sf.StartTime)
		}
		switch {
		case s.Lang == "":
			l.problem(fss, item, "lang", "is required (a language code such as en, ja or de)")
		case !ValidLanguage(s.Lang):
			l.problem(fss, item, "lang", "unknown language %q (want a language code such as en, ja or de)", s.Lang)
		}
		for _, t := range s.Tags {
			if strings.TrimSpace(t) == "" {
				l.problem(fss, item, "tags", "a tag is empty")
			}
		}
		seen := map[string]bool{}
		for _, id := range s.SpeakerIDs {
			sp := e.speakerByID[id]
			if sp == nil {
				l.problem(fss, item, "speakers", "unknown speaker %q", id)
				continue
			}
			if seen[id] {
				l.problem(fss, item, "speakers", "speaker %q is listed twice", id)
				continue
			}
			seen[id] = true
			s.Speakers = append(s.Speakers, sp)
			sp.Sessions = append(sp.Sessions, s)
		}
		if s.Speakers == nil {
			s.Speakers = []*Speaker{}
		}
		e.Sessions = append(e.Sessions, s)
		e.sessionByID[s.ID] = s
	}
	sort.SliceStable(e.Sessions, func(i, j int) bool {
		a, b := e.Sessions[i], e.Sessions[j]
		if !a.StartTime.Equal(b.StartTime) {
			return a.StartTime.Before(b.StartTime)
		}
		return roomOrder[a.Place] < roomOrder[b.Place]
	})
	l.overlaps(fss, e)
}
