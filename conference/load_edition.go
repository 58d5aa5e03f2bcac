package conference

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// editionFile is edition.yaml's content.
type editionFile struct {
	Languages []string `yaml:"languages"`
	Name      string   `yaml:"name"`
	Tagline   string   `yaml:"tagline"`
	About     string   `yaml:"about"`
	Timezone  string   `yaml:"timezone"`
	Days      []string `yaml:"days"`
	Venue     struct {
		Name    string    `yaml:"name"`
		Address string    `yaml:"address"`
		MapURL  string    `yaml:"mapUrl"`
		Access  string    `yaml:"access"`
		Other   otherKeys `yaml:",inline"`
	} `yaml:"venue"`
	Rooms []struct {
		Name  string    `yaml:"name"`
		GUID  string    `yaml:"guid"`
		Other otherKeys `yaml:",inline"`
	} `yaml:"rooms"`
	Other otherKeys `yaml:",inline"`
}

// editionLoader loads one edition folder: a small loader per file, run in
// the order in which the files refer to each other (edition.yaml's rooms
// and days, then speakers, sessions, and what belongs to sessions). Each
// adds what it read to e and its problems to the loader.
type editionLoader struct {
	*loader
	tx        texts
	e         *Edition
	days      map[Day]bool   // the edition's days, which sessions must fall on
	roomOrder map[string]int // each room's position, for places and the timetable's order
}

// editionFacts reads edition.yaml (fe, decoded into ef): the edition's
// languages, texts, venue, time zone, days and rooms.
func (l *loader) editionFacts(id, fe string, ef *editionFile) *editionLoader {
	langs := l.languages(fe, ef.Languages)
	tx := texts{l: l, langs: langs}
	e := &Edition{
		ID: id, Languages: langs, Timezone: ef.Timezone,
		Name:    tx.text(fe, "", "name", ef.Name, ef.Other, true),
		Tagline: tx.text(fe, "", "tagline", ef.Tagline, ef.Other, false),
		About:   tx.text(fe, "", "about", ef.About, ef.Other, false),
		Venue: Venue{
			Name:    tx.text(fe, "venue", "name", ef.Venue.Name, ef.Venue.Other, true),
			Address: tx.text(fe, "venue", "address", ef.Venue.Address, ef.Venue.Other, true),
			MapURL:  ef.Venue.MapURL,
			Access:  tx.text(fe, "venue", "access", ef.Venue.Access, ef.Venue.Other, true),
		},
		sessionByID:    map[int]*Session{},
		speakerByID:    map[string]*Speaker{},
		slideByID:      map[int]*Slide{},
		movieByID:      map[int]*Movie{},
		exhibitionByID: map[int]*Exhibition{},
		newsByID:       map[string]*News{},
	}

	el := &editionLoader{loader: l, tx: tx, e: e, days: map[Day]bool{}, roomOrder: map[string]int{}}
	el.facts(fe, ef)
	return el
}

// facts checks the edition's own facts: time zone, days, venue and rooms.
func (l *editionLoader) facts(fe string, ef *editionFile) {
	tx, e := l.tx, l.e
	// The edition's own facts.
	tx.unknown(fe, "", ef.Other, "name", "tagline", "about")
	tx.unknown(fe, "venue", ef.Venue.Other, "name", "address", "access")
	e.Location = time.UTC
	if e.Timezone != "" {
		loc, err := time.LoadLocation(e.Timezone)
		if err != nil {
			l.problem(fe, "", "timezone", "unknown time zone %q", e.Timezone)
		} else {
			e.Location = loc
		}
	}
	if len(ef.Days) == 0 {
		l.problem(fe, "", "days", "at least one day is required")
	}
	days := l.days
	for i, d := range ef.Days {
		if _, err := time.Parse("2006-01-02", d); err != nil {
			l.problem(fe, fmt.Sprintf("day %d", i+1), "days", "%q is not a date in the form YYYY-MM-DD", d)
			continue
		}
		if days[Day(d)] {
			l.problem(fe, fmt.Sprintf("day %d", i+1), "days", "%s is listed twice", d)
		}
		days[Day(d)] = true
		e.Days = append(e.Days, Day(d))
	}
	sort.Slice(e.Days, func(i, j int) bool { return e.Days[i] < e.Days[j] })
	l.url(fe, "venue", "mapUrl", e.Venue.MapURL, true)
	if len(ef.Rooms) == 0 {
		l.problem(fe, "", "rooms", "at least one room is required")
	}
	roomOrder := l.roomOrder
	for i, r := range ef.Rooms {
		item := fmt.Sprintf("room %q", r.Name)
		if r.Name == "" {
			item = fmt.Sprintf("room %d", i+1)
		}
		name := tx.text(fe, item, "name", r.Name, r.Other, true)
		tx.unknown(fe, item, r.Other, "name")
		if _, dup := roomOrder[r.Name]; dup && r.Name != "" {
			l.problem(fe, item, "name", "duplicate room name")
		}
		roomOrder[r.Name] = i
		l.guid(fe, item, r.GUID)
		e.Rooms = append(e.Rooms, Room{Name: name, GUID: strings.ToLower(r.GUID)})
	}
}
