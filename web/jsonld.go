package web

import (
	"encoding/json"
	"html/template"
	"strconv"
	"time"

	"github.com/techconf/techconf/conference"
)

// schema.org data, so that search engines can show the conference and its
// talks as events: the edition is an Event, each talk a subEvent with its
// room, times and speakers.

type ldPlace struct {
	Type    string `json:"@type"`
	Name    string `json:"name"`
	Address string `json:"address,omitempty"`
}

type ldPerson struct {
	Type string `json:"@type"`
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

type ldEvent struct {
	Context      string     `json:"@context,omitempty"`
	Type         string     `json:"@type"`
	Name         string     `json:"name"`
	Description  string     `json:"description,omitempty"`
	URL          string     `json:"url"`
	StartDate    string     `json:"startDate"`
	EndDate      string     `json:"endDate"`
	InLanguage   string     `json:"inLanguage,omitempty"`
	Status       string     `json:"eventStatus,omitempty"`
	Attendance   string     `json:"eventAttendanceMode,omitempty"`
	Location     ldPlace    `json:"location"`
	Performer    []ldPerson `json:"performer,omitempty"`
	SubEvents    []ldEvent  `json:"subEvent,omitempty"`
	SuperEventID string     `json:"superEvent,omitempty"`
}

func ldTime(t time.Time) string { return t.Format(time.RFC3339) }

// talkEvent describes one talk; venue is the building, which holds the room.
func talkEvent(p page, base string, s *conference.Session) ldEvent {
	ed := p.Edition
	ev := ldEvent{
		Type: "Event", Name: p.L(s.Title), URL: base + "/" + ed.ID + "/sessions/" + strconv.Itoa(s.ID),
		StartDate: ldTime(s.StartTime), EndDate: ldTime(s.EndTime), InLanguage: s.Lang,
		Location: ldPlace{Type: "Place", Name: p.RoomName(s.Place) + ", " + p.L(ed.Venue.Name), Address: p.L(ed.Venue.Address)},
	}
	for _, sp := range s.Speakers {
		ev.Performer = append(ev.Performer, ldPerson{Type: "Person", Name: p.L(sp.Name), URL: base + "/" + ed.ID + "/speakers/" + sp.ID})
	}
	return ev
}

// editionJSONLD is the landing page's data: the conference with every talk.
func editionJSONLD(p page, base string) template.JS {
	ed := p.Edition
	if len(ed.Sessions) == 0 {
		return ""
	}
	ev := ldEvent{
		Context: "https://schema.org", Type: "Event", Name: p.L(ed.Name), Description: p.L(ed.Tagline),
		URL: base + "/" + ed.ID + "/", StartDate: ldTime(ed.Sessions[0].StartTime), EndDate: ldTime(ed.Sessions[len(ed.Sessions)-1].EndTime),
		Status: "https://schema.org/EventScheduled", Attendance: "https://schema.org/OfflineEventAttendanceMode",
		Location: ldPlace{Type: "Place", Name: p.L(ed.Venue.Name), Address: p.L(ed.Venue.Address)},
	}
	for _, s := range ed.Sessions {
		if isTalk(s) {
			ev.SubEvents = append(ev.SubEvents, talkEvent(p, base, s))
		}
	}
	return marshalJS(ev)
}

// sessionJSONLD is a session page's data: the talk, within the conference.
func sessionJSONLD(p page, base string, s *conference.Session) template.JS {
	ev := talkEvent(p, base, s)
	ev.Context = "https://schema.org"
	ev.SuperEventID = base + "/" + p.Edition.ID + "/"
	return marshalJS(ev)
}

// marshalJS encodes v for a <script type="application/ld+json"> block;
// encoding/json escapes <, > and &, so the text cannot end the element.
func marshalJS(v any) template.JS {
	b, err := json.Marshal(v)
	if err != nil {
		return "" // plain structs of strings always encode
	}
	return template.JS(b)
}
