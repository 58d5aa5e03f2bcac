package schedule

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// SchemaURL is the c3voc schema the JSON export follows.
const SchemaURL = "https://c3voc.de/schedule/schema.json"

// The c3voc schedule.json document. Decoding is lenient (pretalx and frab
// add fields of their own); encoding writes only what the schema allows.
type jsonDoc struct {
	Schema    string         `json:"$schema,omitempty"`
	Generator *jsonGenerator `json:"generator,omitempty"`
	Schedule  *jsonSchedule  `json:"schedule"`
}

type jsonGenerator struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

type jsonSchedule struct {
	Version    string          `json:"version"`
	BaseURL    string          `json:"base_url,omitempty"`
	URL        string          `json:"url,omitempty"`
	Conference *jsonConference `json:"conference"`
}

type jsonConference struct {
	Acronym          string      `json:"acronym"`
	Title            string      `json:"title"`
	Start            string      `json:"start"`
	End              string      `json:"end"`
	DaysCount        int         `json:"daysCount"`
	TimeslotDuration string      `json:"timeslot_duration"`
	TimeZoneName     string      `json:"time_zone_name,omitempty"`
	URL              string      `json:"url,omitempty"`
	Tracks           []jsonTrack `json:"tracks,omitempty"`
	Rooms            []jsonRoom  `json:"rooms,omitempty"`
	Days             []jsonDay   `json:"days"`
}

type jsonTrack struct {
	Name string `json:"name"`
}

type jsonRoom struct {
	Name string `json:"name"`
	GUID string `json:"guid,omitempty"`
}

type jsonDay struct {
	Index    int         `json:"index"`
	Date     string      `json:"date"`
	DayStart string      `json:"day_start"`
	DayEnd   string      `json:"day_end"`
	Rooms    roomsByName `json:"rooms"`
}

// roomsByName is a day's events by room name, a JSON object whose keys keep
// the rooms' order (Go maps would sort them). Read, it keeps each event's
// JSON, so that ReadJSON decodes it knowing where it is.
type roomsByName struct {
	names  []string
	events map[string][]jsonEvent
	raw    map[string][]json.RawMessage
}

func (r roomsByName) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, name := range r.names {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(name)
		b.Write(k)
		b.WriteByte(':')
		evs := r.events[name]
		if evs == nil {
			evs = []jsonEvent{}
		}
		v, err := json.Marshal(evs)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func (r *roomsByName) UnmarshalJSON(data []byte) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	t, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := t.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("rooms: want an object of room name to events")
	}
	r.raw = map[string][]json.RawMessage{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := t.(string)
		var evs []json.RawMessage
		if err := dec.Decode(&evs); err != nil {
			return fmt.Errorf("rooms[%q]: want a list of events", name)
		}
		if _, dup := r.raw[name]; !dup {
			r.names = append(r.names, name)
		}
		r.raw[name] = append(r.raw[name], evs...)
	}
	return nil
}

type jsonEvent struct {
	GUID        string       `json:"guid"`
	Code        string       `json:"code,omitempty"`
	ID          int          `json:"id"`
	Date        string       `json:"date"`
	Start       string       `json:"start"`
	End         string       `json:"end,omitempty"`
	Duration    string       `json:"duration"`
	Room        string       `json:"room"`
	Slug        string       `json:"slug"`
	URL         string       `json:"url"`
	Title       string       `json:"title"`
	Subtitle    *string      `json:"subtitle"`
	Track       *string      `json:"track"`
	Type        string       `json:"type"`
	Language    *string      `json:"language"`
	Abstract    *string      `json:"abstract"`
	Description *string      `json:"description"`
	Persons     []jsonPerson `json:"persons"`
	Links       []jsonLink   `json:"links"`
	Attachments []jsonLink   `json:"attachments,omitempty"`
}

type jsonPerson struct {
	ID         int     `json:"id,omitempty"`
	Code       string  `json:"code,omitempty"`
	GUID       string  `json:"guid,omitempty"`
	Name       string  `json:"name,omitempty"`
	PublicName string  `json:"public_name,omitempty"`
	Biography  *string `json:"biography,omitempty"`
	Avatar     *string `json:"avatar,omitempty"`
}

type jsonLink struct {
	Type  string `json:"type,omitempty"`
	URL   string `json:"url"`
	Title string `json:"title,omitempty"`
}

func strPtr(s string) *string { return &s }

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// WriteJSON writes the programme as c3voc schedule.json; url is where the
// document itself is served.
func (p *Programme) WriteJSON(w io.Writer, url string) error {
	conf := &jsonConference{
		Acronym:          p.Acronym,
		Title:            p.Title,
		DaysCount:        len(p.Days),
		TimeslotDuration: "00:05",
		TimeZoneName:     p.TimeZone,
		URL:              p.URL,
	}
	if len(p.Days) > 0 {
		conf.Start = p.Days[0].Date
		conf.End = p.Days[len(p.Days)-1].Date
	}
	for _, t := range p.Tracks {
		conf.Tracks = append(conf.Tracks, jsonTrack{Name: t})
	}
	roomNames := make([]string, len(p.Rooms))
	for i, r := range p.Rooms {
		conf.Rooms = append(conf.Rooms, jsonRoom(r))
		roomNames[i] = r.Name
	}
	for _, d := range p.Days {
		jd := jsonDay{Index: d.Index, Date: d.Date, DayStart: d.Start.Format(time.RFC3339), DayEnd: d.End.Format(time.RFC3339),
			Rooms: roomsByName{names: roomNames, events: map[string][]jsonEvent{}}}
		for _, ev := range p.Events {
			if ev.Start.Format("2006-01-02") != d.Date {
				continue
			}
			je := jsonEvent{
				GUID: ev.GUID, Code: ev.Code, ID: ev.ID,
				Date:     ev.Start.Format(time.RFC3339),
				Start:    ev.Start.Format("15:04"),
				End:      ev.Start.Add(ev.Duration).Format(time.RFC3339),
				Duration: hhmm(ev.Duration),
				Room:     ev.Room, Slug: ev.Slug, URL: ev.URL, Title: ev.Title,
				Subtitle: strPtr(ev.Subtitle), Type: ev.Type,
				Abstract: strPtr(ev.Abstract), Description: strPtr(ev.Description),
				Persons: []jsonPerson{}, Links: []jsonLink{},
			}
			if ev.Track != "" {
				je.Track = strPtr(ev.Track)
			}
			if ev.Language != "" {
				je.Language = strPtr(ev.Language)
			}
			for _, ps := range ev.Persons {
				jp := jsonPerson{GUID: ps.GUID, Code: ps.Code, Name: ps.Name}
				if ps.Biography != "" {
					jp.Biography = strPtr(ps.Biography)
				}
				if ps.Avatar != "" {
					jp.Avatar = strPtr(ps.Avatar)
				}
				je.Persons = append(je.Persons, jp)
			}
			for _, l := range ev.Links {
				je.Links = append(je.Links, jsonLink(l))
			}
			jd.Rooms.events[ev.Room] = append(jd.Rooms.events[ev.Room], je)
		}
		conf.Days = append(conf.Days, jd)
	}
	doc := jsonDoc{
		Schema:    SchemaURL,
		Generator: &jsonGenerator{Name: "techconf"},
		Schedule:  &jsonSchedule{Version: p.Version, BaseURL: p.BaseURL, URL: url, Conference: conf},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}

// jsonErrorPlace names where in the document a JSON error is, from the
// decoder's offset.
func jsonErrorPlace(data []byte, err error) error {
	var off int64 = -1
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off = syn.Offset
	case errors.As(err, &typ):
		off = typ.Offset
		if typ.Field != "" {
			err = fmt.Errorf("%s: %s is not a %s", typ.Field, typ.Value, typ.Type)
		}
	}
	if off < 0 {
		return err
	}
	line, col := lineCol(data, off)
	return fmt.Errorf("line %d, column %d: %w", line, col, err)
}

// lineCol turns a byte offset into a 1-based line and column.
func lineCol(data []byte, off int64) (int, int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// ReadJSON reads a c3voc schedule.json (as pretalx, frab or techconf write
// it). Errors name the place in the document.
func ReadJSON(data []byte) (*Programme, error) {
	var doc jsonDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, jsonErrorPlace(data, err)
	}
	if doc.Schedule == nil || doc.Schedule.Conference == nil {
		return nil, fmt.Errorf("not a schedule.json: no schedule.conference object")
	}
	c := doc.Schedule.Conference
	p := &Programme{Title: c.Title, Acronym: c.Acronym, URL: c.URL, BaseURL: doc.Schedule.BaseURL,
		Version: doc.Schedule.Version, TimeZone: c.TimeZoneName}
	if err := p.loadLocation(); err != nil {
		return nil, fmt.Errorf("schedule.conference.time_zone_name: %w", err)
	}
	for _, r := range c.Rooms {
		p.Rooms = append(p.Rooms, Room(r))
	}
	for _, t := range c.Tracks {
		p.Tracks = append(p.Tracks, t.Name)
	}
	for di, d := range c.Days {
		where := fmt.Sprintf("schedule.conference.days[%d]", di)
		day := Day{Index: d.Index, Date: d.Date}
		if _, err := time.Parse("2006-01-02", d.Date); err != nil {
			return nil, fmt.Errorf("%s.date: %q is not a date (YYYY-MM-DD)", where, d.Date)
		}
		day.Start, _ = time.Parse(time.RFC3339, d.DayStart)
		day.End, _ = time.Parse(time.RFC3339, d.DayEnd)
		p.Days = append(p.Days, day)
		for _, room := range d.Rooms.names {
			p.addRoom(room, "")
			for ei, raw := range d.Rooms.raw[room] {
				var je jsonEvent
				if err := json.Unmarshal(raw, &je); err != nil {
					var typ *json.UnmarshalTypeError
					if errors.As(err, &typ) {
						err = fmt.Errorf("%s: %s is not a %s", typ.Field, typ.Value, typ.Type)
					}
					return nil, fmt.Errorf("%s.rooms[%q][%d]: %w", where, room, ei, err)
				}
				ev, err := p.jsonEvent(je, room)
				if err != nil {
					return nil, fmt.Errorf("%s.rooms[%q][%d] (event %d %q): %w", where, room, ei, je.ID, je.Title, err)
				}
				p.Events = append(p.Events, ev)
			}
		}
	}
	return p, nil
}

func (p *Programme) jsonEvent(je jsonEvent, room string) (*Event, error) {
	ev := &Event{ID: je.ID, GUID: strings.ToLower(je.GUID), Code: je.Code, Room: room, Title: je.Title,
		Subtitle: deref(je.Subtitle), Type: je.Type, Track: deref(je.Track), Language: deref(je.Language),
		Abstract: deref(je.Abstract), Description: deref(je.Description), Slug: je.Slug, URL: je.URL}
	if je.Room != "" && je.Room != room {
		return nil, fmt.Errorf("room: %q, but filed under room %q", je.Room, room)
	}
	start, err := time.Parse(time.RFC3339, je.Date)
	if err != nil {
		return nil, fmt.Errorf("date: %q is not a date and time with offset (RFC 3339)", je.Date)
	}
	ev.Start = start.In(p.Location)
	if je.End != "" {
		end, err := time.Parse(time.RFC3339, je.End)
		if err != nil {
			return nil, fmt.Errorf("end: %q is not a date and time with offset (RFC 3339)", je.End)
		}
		ev.Duration = end.Sub(start)
	} else if ev.Duration, err = parseDuration(je.Duration); err != nil {
		return nil, fmt.Errorf("duration: %w", err)
	}
	if ev.Duration <= 0 {
		return nil, fmt.Errorf("duration: %q, want a positive duration", je.Duration)
	}
	for _, jp := range je.Persons {
		name := jp.Name
		if name == "" {
			name = jp.PublicName
		}
		ev.Persons = append(ev.Persons, Person{ID: jp.ID, Code: jp.Code, GUID: strings.ToLower(jp.GUID), Name: name,
			Biography: deref(jp.Biography), Avatar: deref(jp.Avatar)})
	}
	for _, l := range append(append([]jsonLink(nil), je.Links...), je.Attachments...) {
		ev.Links = append(ev.Links, Link(l))
	}
	return ev, nil
}

// addRoom adds a room the first time its name appears.
func (p *Programme) addRoom(name, guid string) {
	for _, r := range p.Rooms {
		if r.Name == name {
			return
		}
	}
	p.Rooms = append(p.Rooms, Room{Name: name, GUID: guid})
}

func (p *Programme) loadLocation() error {
	if p.TimeZone == "" {
		p.Location = time.UTC
		return nil
	}
	loc, err := time.LoadLocation(p.TimeZone)
	if err != nil {
		return fmt.Errorf("unknown time zone %q", p.TimeZone)
	}
	p.Location = loc
	return nil
}

// parseDuration reads "hh:mm" or "hh:mm:ss", or frab's "d:hh:mm" for more
// than a day.
func parseDuration(s string) (time.Duration, error) {
	parts := strings.Split(s, ":")
	var n [3]int
	if len(parts) < 2 || len(parts) > 3 {
		return 0, fmt.Errorf("%q is not hh:mm", s)
	}
	for i, part := range parts {
		if _, err := fmt.Sscanf(part, "%d", &n[i]); err != nil || n[i] < 0 {
			return 0, fmt.Errorf("%q is not hh:mm", s)
		}
	}
	if len(parts) == 2 {
		return time.Duration(n[0])*time.Hour + time.Duration(n[1])*time.Minute, nil
	}
	return time.Duration(n[0])*time.Hour + time.Duration(n[1])*time.Minute + time.Duration(n[2])*time.Second, nil
}
