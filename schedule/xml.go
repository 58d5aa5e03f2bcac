package schedule

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// The frab/pentabarf schedule.xml document, in the element order of the
// c3voc XSD.
type xmlSchedule struct {
	XMLName    xml.Name      `xml:"schedule"`
	Generator  *xmlGenerator `xml:"generator"`
	URL        string        `xml:"url,omitempty"`
	Version    string        `xml:"version"`
	Conference xmlConference `xml:"conference"`
	Days       []xmlDay      `xml:"day"`
}

type xmlGenerator struct {
	Name    string `xml:"name,attr"`
	Version string `xml:"version,attr,omitempty"`
}

type xmlConference struct {
	Title            string     `xml:"title"`
	Acronym          string     `xml:"acronym"`
	Start            string     `xml:"start,omitempty"`
	End              string     `xml:"end,omitempty"`
	Days             int        `xml:"days,omitempty"`
	TimeslotDuration string     `xml:"timeslot_duration,omitempty"`
	BaseURL          string     `xml:"base_url,omitempty"`
	URL              string     `xml:"url,omitempty"`
	TimeZoneName     string     `xml:"time_zone_name,omitempty"`
	Tracks           []xmlTrack `xml:"track"`
}

type xmlTrack struct {
	Name string `xml:"name,attr"`
}

type xmlDay struct {
	Index int       `xml:"index,attr"`
	Date  string    `xml:"date,attr"`
	Start string    `xml:"start,attr"`
	End   string    `xml:"end,attr"`
	Rooms []xmlRoom `xml:"room"`
}

type xmlRoom struct {
	Name   string     `xml:"name,attr"`
	GUID   string     `xml:"guid,attr,omitempty"`
	Events []xmlEvent `xml:"event"`
}

type xmlEvent struct {
	GUID        string      `xml:"guid,attr"`
	ID          int         `xml:"id,attr"`
	Code        string      `xml:"code,attr,omitempty"`
	Room        string      `xml:"room"`
	Title       string      `xml:"title"`
	Subtitle    string      `xml:"subtitle"`
	Type        string      `xml:"type"`
	Date        string      `xml:"date"`
	Start       string      `xml:"start"`
	Duration    string      `xml:"duration"`
	Abstract    string      `xml:"abstract"`
	Slug        string      `xml:"slug,omitempty"`
	Track       string      `xml:"track"`
	Persons     *xmlPersons `xml:"persons"`
	Language    string      `xml:"language,omitempty"`
	Description string      `xml:"description"`
	Links       *xmlLinks   `xml:"links"`
	Attachments *xmlLinks   `xml:"attachments"`
	URL         string      `xml:"url,omitempty"`
}

type xmlPersons struct {
	Persons []xmlPerson `xml:"person"`
}

type xmlPerson struct {
	ID   int    `xml:"id,attr,omitempty"`
	GUID string `xml:"guid,attr,omitempty"`
	Name string `xml:",chardata"`
}

type xmlLinks struct {
	Links []xmlLink `xml:"link"`
	// attachments hold <attachment> elements of the same shape.
	Attachments []xmlLink `xml:"attachment"`
}

type xmlLink struct {
	Href  string `xml:"href,attr"`
	Type  string `xml:"type,attr,omitempty"`
	Title string `xml:",chardata"`
}

// WriteXML writes the programme as frab schedule.xml; url is where the
// document itself is served. Person biographies have no place in it.
func (p *Programme) WriteXML(w io.Writer, url string) error {
	doc := xmlSchedule{
		Generator: &xmlGenerator{Name: "techconf"},
		URL:       url,
		Version:   p.Version,
		Conference: xmlConference{
			Title: p.Title, Acronym: p.Acronym, Days: len(p.Days), TimeslotDuration: "00:05",
			BaseURL: p.BaseURL, URL: p.URL, TimeZoneName: p.TimeZone,
		},
	}
	if len(p.Days) > 0 {
		doc.Conference.Start = p.Days[0].Date
		doc.Conference.End = p.Days[len(p.Days)-1].Date
	}
	for _, t := range p.Tracks {
		doc.Conference.Tracks = append(doc.Conference.Tracks, xmlTrack{Name: t})
	}
	for _, d := range p.Days {
		xd := xmlDay{Index: d.Index, Date: d.Date, Start: d.Start.Format(time.RFC3339), End: d.End.Format(time.RFC3339)}
		for _, r := range p.Rooms {
			xr := xmlRoom{Name: r.Name, GUID: r.GUID}
			for _, ev := range p.Events {
				if ev.Room != r.Name || ev.Start.Format("2006-01-02") != d.Date {
					continue
				}
				xe := xmlEvent{
					GUID: ev.GUID, ID: ev.ID, Code: ev.Code, Room: ev.Room, Title: ev.Title, Subtitle: ev.Subtitle,
					Type: ev.Type, Date: ev.Start.Format(time.RFC3339), Start: ev.Start.Format("15:04"),
					Duration: hhmm(ev.Duration), Abstract: ev.Abstract, Slug: ev.Slug, Track: ev.Track,
					Language: ev.Language, Description: ev.Description, URL: ev.URL,
					Persons: &xmlPersons{}, Links: &xmlLinks{},
				}
				for _, ps := range ev.Persons {
					xe.Persons.Persons = append(xe.Persons.Persons, xmlPerson{ID: ps.ID, GUID: ps.GUID, Name: ps.Name})
				}
				for _, l := range ev.Links {
					xe.Links.Links = append(xe.Links.Links, xmlLink{Href: l.URL, Type: l.Type, Title: l.Title})
				}
				xr.Events = append(xr.Events, xe)
			}
			xd.Rooms = append(xd.Rooms, xr)
		}
		doc.Days = append(doc.Days, xd)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// ReadXML reads a frab schedule.xml (as pretalx, frab or techconf write
// it). Older files give local times without an offset and may name no time
// zone; zone (an IANA name, or empty for UTC) is then theirs. Errors name
// the place in the document.
func ReadXML(data []byte, zone string) (*Programme, error) {
	var doc xmlSchedule
	dec := xml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		var syn *xml.SyntaxError
		if errors.As(err, &syn) {
			return nil, fmt.Errorf("line %d: %s", syn.Line, syn.Msg)
		}
		line, col := lineCol(data, dec.InputOffset())
		return nil, fmt.Errorf("line %d, column %d: %w", line, col, err)
	}
	c := doc.Conference
	p := &Programme{Title: strings.TrimSpace(c.Title), Acronym: strings.TrimSpace(c.Acronym), URL: c.URL,
		BaseURL: c.BaseURL, Version: doc.Version, TimeZone: strings.TrimSpace(c.TimeZoneName)}
	if p.TimeZone == "" {
		p.TimeZone = zone
	}
	if err := p.loadLocation(); err != nil {
		return nil, fmt.Errorf("conference/time_zone_name: %w", err)
	}
	for _, t := range c.Tracks {
		p.Tracks = append(p.Tracks, t.Name)
	}
	for di, d := range doc.Days {
		where := fmt.Sprintf("day %d (index %d, date %s)", di+1, d.Index, d.Date)
		midnight, err := time.ParseInLocation("2006-01-02", d.Date, p.Location)
		if err != nil {
			return nil, fmt.Errorf("%s: date: %q is not a date (YYYY-MM-DD)", where, d.Date)
		}
		day := Day{Index: d.Index, Date: d.Date}
		day.Start, _ = time.Parse(time.RFC3339, d.Start)
		day.End, _ = time.Parse(time.RFC3339, d.End)
		p.Days = append(p.Days, day)
		for _, r := range d.Rooms {
			p.addRoom(r.Name, strings.ToLower(r.GUID))
			for ei, xe := range r.Events {
				ev, err := p.xmlEvent(xe, r.Name, midnight, day.Start)
				if err != nil {
					return nil, fmt.Errorf("%s, room %q, event %d (id %d, %q): %w", where, r.Name, ei+1, xe.ID, strings.TrimSpace(xe.Title), err)
				}
				p.Events = append(p.Events, ev)
			}
		}
	}
	return p, nil
}

func (p *Programme) xmlEvent(xe xmlEvent, room string, midnight, dayStart time.Time) (*Event, error) {
	ev := &Event{ID: xe.ID, GUID: strings.ToLower(strings.TrimSpace(xe.GUID)), Code: xe.Code, Room: room,
		Title: strings.TrimSpace(xe.Title), Subtitle: strings.TrimSpace(xe.Subtitle), Type: strings.TrimSpace(xe.Type),
		Track: strings.TrimSpace(xe.Track), Language: strings.TrimSpace(xe.Language), Abstract: strings.TrimSpace(xe.Abstract),
		Description: strings.TrimSpace(xe.Description), Slug: strings.TrimSpace(xe.Slug), URL: strings.TrimSpace(xe.URL)}
	if r := strings.TrimSpace(xe.Room); r != "" && r != room {
		return nil, fmt.Errorf("room: %q, but filed under room %q", r, room)
	}
	if date := strings.TrimSpace(xe.Date); date != "" {
		t, err := time.Parse(time.RFC3339, date)
		if err != nil {
			return nil, fmt.Errorf("date: %q is not a date and time with offset (RFC 3339)", date)
		}
		ev.Start = t.In(p.Location)
	} else {
		// Old frab files give only the start time: on the day's date, or
		// the next one when it is earlier than the day's start (after
		// midnight).
		hm, err := parseDuration(strings.TrimSpace(xe.Start))
		if err != nil {
			return nil, fmt.Errorf("start: %w", err)
		}
		// Compare clock times (the day's start in its own offset), so that
		// a file whose zone is unknown still puts 00:15 after 10:00.
		day := midnight
		if !dayStart.IsZero() && hm < time.Duration(dayStart.Hour())*time.Hour+time.Duration(dayStart.Minute())*time.Minute {
			day = midnight.AddDate(0, 0, 1)
		}
		// Wall-clock time on that date, right across a DST change too.
		ev.Start = time.Date(day.Year(), day.Month(), day.Day(), int(hm/time.Hour), int(hm%time.Hour/time.Minute), int(hm%time.Minute/time.Second), 0, p.Location)
	}
	d, err := parseDuration(strings.TrimSpace(xe.Duration))
	if err != nil {
		return nil, fmt.Errorf("duration: %w", err)
	}
	if d <= 0 {
		return nil, fmt.Errorf("duration: %q, want a positive duration", xe.Duration)
	}
	ev.Duration = d
	if xe.Persons != nil {
		for _, xp := range xe.Persons.Persons {
			ev.Persons = append(ev.Persons, Person{ID: xp.ID, GUID: strings.ToLower(xp.GUID), Name: strings.TrimSpace(xp.Name)})
		}
	}
	for _, ls := range []*xmlLinks{xe.Links, xe.Attachments} {
		if ls == nil {
			continue
		}
		for _, l := range append(ls.Links, ls.Attachments...) {
			ev.Links = append(ev.Links, Link{Type: l.Type, URL: strings.TrimSpace(l.Href), Title: strings.TrimSpace(l.Title)})
		}
	}
	return ev, nil
}
