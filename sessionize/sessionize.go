// Package sessionize reads Sessionize's API "All" JSON (sessions, speakers,
// categories and rooms of an event) into a schedule.Programme, which
// techconf imports like a pretalx or frab schedule. Sessionize writes local
// times without an offset, so the event's time zone must be given.
package sessionize

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/techconf/techconf/schedule"
)

type allDoc struct {
	Sessions   []session  `json:"sessions"`
	Speakers   []speaker  `json:"speakers"`
	Categories []category `json:"categories"`
	Rooms      []room     `json:"rooms"`
}

type session struct {
	ID               json.RawMessage `json:"id"` // a string, sometimes a number
	Title            string          `json:"title"`
	Description      *string         `json:"description"`
	StartsAt         *string         `json:"startsAt"`
	EndsAt           *string         `json:"endsAt"`
	IsServiceSession bool            `json:"isServiceSession"`
	IsPlenumSession  bool            `json:"isPlenumSession"`
	Speakers         []string        `json:"speakers"`
	CategoryItems    []int           `json:"categoryItems"`
	RoomID           *int            `json:"roomId"`
	RecordingURL     *string         `json:"recordingUrl"`
	Status           *string         `json:"status"`
}

type speaker struct {
	ID             string  `json:"id"`
	FirstName      string  `json:"firstName"`
	LastName       string  `json:"lastName"`
	FullName       string  `json:"fullName"`
	Bio            *string `json:"bio"`
	TagLine        string  `json:"tagLine"`
	ProfilePicture *string `json:"profilePicture"`
	Links          []struct {
		Title    string `json:"title"`
		URL      string `json:"url"`
		LinkType string `json:"linkType"`
	} `json:"links"`
}

type category struct {
	ID    int    `json:"id"`
	Title string `json:"title"`
	Items []struct {
		ID   int    `json:"id"`
		Name string `json:"name"`
	} `json:"items"`
}

type room struct {
	ID   int    `json:"id"`
	Name string `json:"name"`
	Sort int    `json:"sort"`
}

// Looks reports whether data looks like Sessionize "All" JSON, for format
// detection: an object with sessions, speakers and rooms lists.
func Looks(data []byte) bool {
	var probe struct {
		Sessions json.RawMessage `json:"sessions"`
		Speakers json.RawMessage `json:"speakers"`
		Rooms    json.RawMessage `json:"rooms"`
	}
	if json.Unmarshal(data, &probe) != nil {
		return false
	}
	return bytes.HasPrefix(bytes.TrimSpace(probe.Sessions), []byte("[")) &&
		bytes.HasPrefix(bytes.TrimSpace(probe.Speakers), []byte("[")) &&
		bytes.HasPrefix(bytes.TrimSpace(probe.Rooms), []byte("["))
}

var twitterURL = regexp.MustCompile(`^https?://(?:www\.)?(?:twitter|x)\.com/@?([A-Za-z0-9_]{1,15})/?$`)

const localTime = "2006-01-02T15:04:05"

// Read reads Sessionize "All" JSON whose local times are in loc (an IANA
// zone name). What has no place in a programme is returned as notes: the
// unscheduled sessions, the categories that are neither track, format nor
// language.
func Read(data []byte, zone string) (*schedule.Programme, []string, error) {
	loc, err := time.LoadLocation(zone)
	if zone == "" || err != nil {
		return nil, nil, fmt.Errorf("--timezone: %q is not a time zone name such as Europe/Berlin (Sessionize times carry no offset)", zone)
	}
	var doc allDoc
	if err := json.Unmarshal(data, &doc); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			line, col := lineCol(data, syn.Offset)
			return nil, nil, fmt.Errorf("line %d, column %d: %v", line, col, err)
		case errors.As(err, &typ):
			line, col := lineCol(data, typ.Offset)
			return nil, nil, fmt.Errorf("line %d, column %d: %s: %s is not a %s", line, col, typ.Field, typ.Value, typ.Type)
		}
		return nil, nil, err
	}
	var notes []string
	p := &schedule.Programme{TimeZone: zone, Location: loc}

	// Rooms in Sessionize's order.
	sort.SliceStable(doc.Rooms, func(i, j int) bool { return doc.Rooms[i].Sort < doc.Rooms[j].Sort })
	roomName := map[int]string{}
	for _, r := range doc.Rooms {
		roomName[r.ID] = r.Name
		p.Rooms = append(p.Rooms, schedule.Room{Name: r.Name})
	}

	// Categories: tracks become tags, the format the type, the language
	// the talk's language; others are noted.
	type role int
	const (
		roleOther role = iota
		roleTrack
		roleFormat
		roleLanguage
	)
	itemRole, itemName := map[int]role{}, map[int]string{}
	for _, c := range doc.Categories {
		t := strings.ToLower(c.Title)
		r := roleOther
		switch {
		case strings.Contains(t, "track") || strings.Contains(t, "topic") || strings.Contains(t, "tag"):
			r = roleTrack
		case strings.Contains(t, "format") || strings.Contains(t, "type"):
			r = roleFormat
		case strings.Contains(t, "language"):
			r = roleLanguage
		default:
			notes = append(notes, fmt.Sprintf("category %q is not imported (tracks, formats and languages are)", c.Title))
		}
		for _, it := range c.Items {
			itemRole[it.ID], itemName[it.ID] = r, it.Name
		}
	}

	people := map[string]schedule.Person{}
	for _, sp := range doc.Speakers {
		name := strings.TrimSpace(sp.FullName)
		if name == "" {
			name = strings.TrimSpace(sp.FirstName + " " + sp.LastName)
		}
		ps := schedule.Person{GUID: strings.ToLower(sp.ID), Name: name, Biography: deref(sp.Bio), Avatar: deref(sp.ProfilePicture), Position: sp.TagLine}
		for _, l := range sp.Links {
			if m := twitterURL.FindStringSubmatch(l.URL); m != nil && ps.TwitterID == "" {
				ps.TwitterID = m[1]
			}
		}
		people[sp.ID] = ps
	}

	for i, s := range doc.Sessions {
		where := fmt.Sprintf("sessions[%d] (id %s, %q)", i, strings.Trim(string(s.ID), `"`), s.Title)
		if s.StartsAt == nil || s.EndsAt == nil || *s.StartsAt == "" {
			notes = append(notes, where+": not scheduled; left out")
			continue
		}
		start, err := time.ParseInLocation(localTime, *s.StartsAt, loc)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: startsAt: %q is not a local time like 2019-02-22T10:00:00", where, *s.StartsAt)
		}
		end, err := time.ParseInLocation(localTime, *s.EndsAt, loc)
		if err != nil {
			return nil, nil, fmt.Errorf("%s: endsAt: %q is not a local time like 2019-02-22T10:40:00", where, *s.EndsAt)
		}
		if !end.After(start) {
			return nil, nil, fmt.Errorf("%s: endsAt %s is not after startsAt %s", where, *s.EndsAt, *s.StartsAt)
		}
		ev := &schedule.Event{Title: strings.TrimSpace(s.Title), Abstract: strings.TrimSpace(deref(s.Description)),
			Start: start, Duration: end.Sub(start), Type: "talk"}
		idText := strings.Trim(string(s.ID), `"`)
		if n, err := strconv.Atoi(idText); err == nil && n > 0 {
			ev.ID = n
		} else {
			ev.Code = idText // stable key for a derived id
		}
		if s.RoomID != nil {
			ev.Room = roomName[*s.RoomID]
			if ev.Room == "" {
				return nil, nil, fmt.Errorf("%s: roomId: %d is not in rooms", where, *s.RoomID)
			}
		}
		switch {
		case s.IsServiceSession && strings.Contains(strings.ToLower(s.Title), "lunch"):
			ev.Type = "lunch"
		case s.IsServiceSession:
			ev.Type = "break"
		case s.IsPlenumSession:
			ev.Type = "keynote"
		}
		for _, item := range s.CategoryItems {
			switch itemRole[item] {
			case roleTrack:
				if ev.Track == "" {
					ev.Track = itemName[item]
				} else {
					ev.Tags = append(ev.Tags, itemName[item])
				}
			case roleFormat:
				if !s.IsServiceSession && !s.IsPlenumSession {
					ev.Type = itemName[item]
				}
			case roleLanguage:
				ev.Language = itemName[item]
			}
		}
		if ev.Room == "" && !s.IsServiceSession {
			notes = append(notes, where+": no room; left out")
			continue
		}
		if ev.Room == "" && len(p.Rooms) > 0 {
			ev.Room = p.Rooms[0].Name // a service session takes every room anyway
		}
		for _, id := range s.Speakers {
			ps, ok := people[id]
			if !ok {
				return nil, nil, fmt.Errorf("%s: speakers: %q is not in speakers", where, id)
			}
			ev.Persons = append(ev.Persons, ps)
		}
		if u := deref(s.RecordingURL); u != "" {
			ev.Links = append(ev.Links, schedule.Link{Type: "recording", URL: u})
		}
		p.Events = append(p.Events, ev)
	}
	sort.SliceStable(p.Events, func(i, j int) bool { return p.Events[i].Start.Before(p.Events[j].Start) })
	return p, notes, nil
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func lineCol(data []byte, off int64) (int, int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	return bytes.Count(before, []byte("\n")) + 1, int(off) - bytes.LastIndexByte(before, '\n')
}
