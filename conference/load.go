package conference

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// The files of one edition's folder. edition.yaml marks a folder as an
// edition; the others may be absent, which means "none yet".
const (
	fileEdition     = "edition.yaml"
	fileSessions    = "sessions.yaml"
	fileSpeakers    = "speakers.yaml"
	fileSlides      = "slides.yaml"
	fileMovies      = "movies.yaml"
	fileExhibitions = "exhibitions.yaml"
	fileNews        = "news.yaml"
)

// Problem is one thing wrong with the content, precise enough to fix without
// searching: the file, the item in it, and the field.
type Problem struct {
	File    string // path inside the content folder, e.g. "2018/sessions.yaml"
	Item    string // e.g. "session 12"; empty for the file as a whole
	Field   string // e.g. "endTime"; empty for the item as a whole
	Message string
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Item != "" {
		b.WriteString(": ")
		b.WriteString(p.Item)
	}
	if p.Field != "" {
		b.WriteString(": ")
		b.WriteString(p.Field)
	}
	b.WriteString(": ")
	b.WriteString(p.Message)
	return b.String()
}

// ContentError lists every problem found while loading content, so that an
// organiser fixes them all in one go instead of one per run.
type ContentError struct {
	Problems []Problem
}

func (e *ContentError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return fmt.Sprintf("content has %d problem(s):\n%s", len(e.Problems), strings.Join(lines, "\n"))
}

// Load reads every edition folder at the root of fsys (a folder holding
// edition.yaml) and validates it. Any problem makes it fail with a
// *ContentError listing all of them.
func Load(fsys fs.FS) (*Catalog, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read content folder: %w", err)
	}
	l := &loader{fsys: fsys}
	var editions []*Edition
	for _, ent := range entries {
		if !ent.IsDir() {
			continue
		}
		if _, err := fs.Stat(fsys, path.Join(ent.Name(), fileEdition)); err != nil {
			continue
		}
		if reservedPaths[ent.Name()] {
			l.problem(ent.Name(), "", "", "%q cannot be an edition: the server uses /%s/ for itself", ent.Name(), ent.Name())
			continue
		}
		if !editionIDPattern.MatchString(ent.Name()) {
			l.problem(ent.Name(), "", "", "edition folder names must be letters, digits, '-' or '_' (they become URL paths)")
			continue
		}
		if e := l.edition(ent.Name()); e != nil {
			editions = append(editions, e)
		}
	}
	if len(editions) == 0 && len(l.problems) == 0 {
		l.problem(".", "", "", "no edition found: expected folders holding "+fileEdition)
	}
	if len(l.problems) > 0 {
		return nil, &ContentError{Problems: l.problems}
	}
	return NewCatalog(editions), nil
}

// reservedPaths are first path segments the server uses itself.
var reservedPaths = map[string]bool{"static": true, "healthz": true, "metrics": true, "debug": true}

var (
	editionIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)
	speakerIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	handlePattern    = regexp.MustCompile(`^[A-Za-z0-9_-]{1,39}$`)
)

type loader struct {
	fsys     fs.FS
	problems []Problem
	guids    map[string]string // GUID -> the item that has it, across editions
}

func (l *loader) problem(file, item, field, format string, args ...any) {
	l.problems = append(l.problems, Problem{File: file, Item: item, Field: field, Message: fmt.Sprintf(format, args...)})
}

// decode reads one YAML file strictly: unknown keys are errors, so a typo in
// a field name is reported rather than silently ignored.
func (l *loader) decode(file string, v any, optional bool) bool {
	data, err := fs.ReadFile(l.fsys, file)
	if errors.Is(err, fs.ErrNotExist) && optional {
		return true
	}
	if err != nil {
		l.problem(file, "", "", "cannot read: %v", err)
		return false
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		if errors.Is(err, io.EOF) {
			return true // an empty file is an empty list
		}
		var typeErr *yaml.TypeError
		if errors.As(err, &typeErr) {
			// Unknown keys and values of the wrong type: the rest of the
			// file is decoded, so report each and go on checking it, so
			// that one misspelt key does not hide every other problem.
			for _, msg := range typeErr.Errors {
				l.problem(file, "", "", "%s", yamlMessage(msg))
			}
			return true
		}
		l.problem(file, "", "", "%s", strings.TrimPrefix(err.Error(), "yaml: "))
		return false
	}
	return true
}

// otherKeys catches the keys a file struct does not name: the texts in the
// edition's other languages (titleJa, titleDe), whose names depend on the
// languages edition.yaml declares. The loader takes those it expects and
// reports the rest as unknown, so typos are still caught.
type otherKeys map[string]yaml.Node

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

type speakerFile struct {
	ID        string    `yaml:"id"`
	GUID      string    `yaml:"guid"`
	Name      string    `yaml:"name"`
	Company   string    `yaml:"company"`
	Position  string    `yaml:"position"`
	Profile   string    `yaml:"profile"`
	IconURL   string    `yaml:"iconUrl"`
	TwitterID string    `yaml:"twitterId"`
	GithubID  string    `yaml:"githubId"`
	Other     otherKeys `yaml:",inline"`
}

type slideFile struct {
	ID      *int   `yaml:"id"`
	Session *int   `yaml:"session"`
	Speaker string `yaml:"speaker"`
	Lang    string `yaml:"lang"`
	URL     string `yaml:"url"`
}

type movieFile struct {
	ID      *int   `yaml:"id"`
	Session *int   `yaml:"session"`
	Speaker string `yaml:"speaker"`
	URL     string `yaml:"url"`
}

type exhibitionFile struct {
	ID          *int      `yaml:"id"`
	Place       string    `yaml:"place"`
	Title       string    `yaml:"title"`
	Description string    `yaml:"description"`
	Other       otherKeys `yaml:",inline"`
}

type newsFile struct {
	ID      string    `yaml:"id"`
	Date    string    `yaml:"date"`
	Message string    `yaml:"message"`
	Link    string    `yaml:"link"`
	Other   otherKeys `yaml:",inline"`
}

// edition loads and validates one edition folder; it returns nil when any
// problem was found in it.
func (l *loader) edition(id string) *Edition {
	before := len(l.problems)
	f := func(name string) string { return path.Join(id, name) }

	var ef editionFile
	var sessions []sessionFile
	var speakers []speakerFile
	var slides []slideFile
	var movies []movieFile
	var exhibitions []exhibitionFile
	var news []newsFile
	ok := l.decode(f(fileEdition), &ef, false)
	ok = l.decode(f(fileSessions), &sessions, true) && ok
	ok = l.decode(f(fileSpeakers), &speakers, true) && ok
	ok = l.decode(f(fileSlides), &slides, true) && ok
	ok = l.decode(f(fileMovies), &movies, true) && ok
	ok = l.decode(f(fileExhibitions), &exhibitions, true) && ok
	ok = l.decode(f(fileNews), &news, true) && ok
	if !ok {
		return nil
	}

	fe := f(fileEdition)
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
	days := map[Day]bool{}
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
	roomOrder := map[string]int{}
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

	// Speakers first: sessions refer to them.
	fsp := f(fileSpeakers)
	for i, sf := range speakers {
		item := fmt.Sprintf("speaker %q", sf.ID)
		switch {
		case sf.ID == "":
			item = fmt.Sprintf("speaker #%d", i+1)
			l.problem(fsp, item, "id", "is required")
		case !speakerIDPattern.MatchString(sf.ID):
			l.problem(fsp, item, "id", "must be lowercase letters, digits and '-' (it becomes a URL path)")
		case e.speakerByID[sf.ID] != nil:
			l.problem(fsp, item, "id", "duplicate speaker id")
			continue
		}
		name := tx.text(fsp, item, "name", sf.Name, sf.Other, true)
		position := tx.text(fsp, item, "position", sf.Position, sf.Other, false)
		profile := tx.text(fsp, item, "profile", sf.Profile, sf.Other, false)
		tx.unknown(fsp, item, sf.Other, "name", "position", "profile")
		l.guid(fsp, item, sf.GUID)
		l.url(fsp, item, "iconUrl", sf.IconURL, false)
		if sf.TwitterID != "" && !handlePattern.MatchString(sf.TwitterID) {
			l.problem(fsp, item, "twitterId", "%q is not a handle (letters, digits, '_' or '-', without '@')", sf.TwitterID)
		}
		if sf.GithubID != "" && !handlePattern.MatchString(sf.GithubID) {
			l.problem(fsp, item, "githubId", "%q is not a GitHub user name", sf.GithubID)
		}
		sp := &Speaker{
			ID: sf.ID, GUID: strings.ToLower(sf.GUID), Name: name, Company: sf.Company, Position: position, Profile: profile,
			IconURL: sf.IconURL, TwitterID: sf.TwitterID, GithubID: sf.GithubID,
		}
		e.Speakers = append(e.Speakers, sp)
		if sf.ID != "" {
			e.speakerByID[sf.ID] = sp
		}
	}

	fss := f(fileSessions)
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

	fsl := f(fileSlides)
	for i, sf := range slides {
		item := fmt.Sprintf("slide #%d", i+1)
		if sf.ID != nil {
			item = fmt.Sprintf("slide %d", *sf.ID)
		}
		if !l.positiveID(fsl, item, sf.ID, e.slideByID[derefInt(sf.ID)] != nil) {
			continue
		}
		s, sp := l.sessionSpeaker(fsl, item, e, sf.Session, sf.Speaker)
		if !ValidLanguage(sf.Lang) {
			l.problem(fsl, item, "lang", "%q is not a language code such as en, ja or de", sf.Lang)
		}
		l.url(fsl, item, "url", sf.URL, true)
		if s == nil || sp == nil {
			continue
		}
		sl := &Slide{ID: *sf.ID, SessionID: s.ID, SpeakerID: sp.ID, Lang: sf.Lang, URL: sf.URL, Session: s, Speaker: sp}
		e.Slides = append(e.Slides, sl)
		e.slideByID[sl.ID] = sl
	}
	sort.Slice(e.Slides, func(i, j int) bool { return e.Slides[i].ID < e.Slides[j].ID })
	for _, sl := range e.Slides {
		sl.Session.Slides = append(sl.Session.Slides, sl)
		sl.Speaker.Slides = append(sl.Speaker.Slides, sl)
	}

	fm := f(fileMovies)
	for i, mf := range movies {
		item := fmt.Sprintf("movie #%d", i+1)
		if mf.ID != nil {
			item = fmt.Sprintf("movie %d", *mf.ID)
		}
		if !l.positiveID(fm, item, mf.ID, e.movieByID[derefInt(mf.ID)] != nil) {
			continue
		}
		s, sp := l.sessionSpeaker(fm, item, e, mf.Session, mf.Speaker)
		l.url(fm, item, "url", mf.URL, true)
		if s == nil || sp == nil {
			continue
		}
		m := &Movie{ID: *mf.ID, SessionID: s.ID, SpeakerID: sp.ID, URL: mf.URL, Session: s, Speaker: sp}
		e.Movies = append(e.Movies, m)
		e.movieByID[m.ID] = m
	}
	sort.Slice(e.Movies, func(i, j int) bool { return e.Movies[i].ID < e.Movies[j].ID })
	for _, m := range e.Movies {
		m.Session.Movies = append(m.Session.Movies, m)
		m.Speaker.Movies = append(m.Speaker.Movies, m)
	}

	fx := f(fileExhibitions)
	for i, xf := range exhibitions {
		item := fmt.Sprintf("exhibition #%d", i+1)
		if xf.ID != nil {
			item = fmt.Sprintf("exhibition %d", *xf.ID)
		}
		if !l.positiveID(fx, item, xf.ID, e.exhibitionByID[derefInt(xf.ID)] != nil) {
			continue
		}
		x := &Exhibition{
			ID: *xf.ID, Place: xf.Place,
			Title:       tx.text(fx, item, "title", xf.Title, xf.Other, true),
			Description: tx.text(fx, item, "description", xf.Description, xf.Other, false),
		}
		tx.unknown(fx, item, xf.Other, "title", "description")
		e.Exhibitions = append(e.Exhibitions, x)
		e.exhibitionByID[x.ID] = x
	}
	sort.Slice(e.Exhibitions, func(i, j int) bool { return e.Exhibitions[i].ID < e.Exhibitions[j].ID })

	fn := f(fileNews)
	for i, nf := range news {
		item := fmt.Sprintf("news %q", nf.ID)
		if nf.ID == "" {
			item = fmt.Sprintf("news #%d", i+1)
			l.problem(fn, item, "id", "is required")
			continue
		}
		if e.newsByID[nf.ID] != nil {
			l.problem(fn, item, "id", "duplicate news id")
			continue
		}
		if _, err := time.Parse("2006-01-02", nf.Date); err != nil {
			l.problem(fn, item, "date", "%q is not a date in the form YYYY-MM-DD", nf.Date)
		}
		message := tx.text(fn, item, "message", nf.Message, nf.Other, true)
		tx.unknown(fn, item, nf.Other, "message")
		l.url(fn, item, "link", nf.Link, false)
		n := &News{ID: nf.ID, Date: Day(nf.Date), Message: message, Link: nf.Link}
		e.News = append(e.News, n)
		e.newsByID[n.ID] = n
	}
	sort.SliceStable(e.News, func(i, j int) bool { return e.News[i].Date > e.News[j].Date })

	if len(l.problems) > before {
		return nil
	}
	return e
}

// overlaps reports two sessions in one room whose times overlap, and any
// session during one that spans every room (a keynote, an opening, a
// closing, a lunch or a break). Sessions that touch (one ends when the next
// starts) do not overlap.
func (l *loader) overlaps(file string, e *Edition) {
	byRoom := map[string][]*Session{}
	var timed []*Session
	for _, s := range e.Sessions {
		if s.StartTime.IsZero() || s.EndTime.IsZero() {
			continue
		}
		timed = append(timed, s)
		if s.Place != "" {
			byRoom[s.Place] = append(byRoom[s.Place], s)
		}
	}
	reported := map[[2]int]bool{}
	report := func(prev, cur *Session, where string) {
		pair := [2]int{min(prev.ID, cur.ID), max(prev.ID, cur.ID)}
		if reported[pair] {
			return
		}
		reported[pair] = true
		l.problem(file, fmt.Sprintf("session %d", cur.ID), "startTime",
			"overlaps session %d %s (%s to %s)", prev.ID, where,
			prev.StartTime.Format(time.RFC3339), prev.EndTime.Format(time.RFC3339))
	}
	for _, r := range e.Rooms {
		list := byRoom[r.ID()]
		for i := 1; i < len(list); i++ {
			if prev, cur := list[i-1], list[i]; cur.StartTime.Before(prev.EndTime) {
				report(prev, cur, fmt.Sprintf("in room %q", r.ID()))
			}
		}
	}
	for _, span := range timed {
		if !span.SpansRooms() {
			continue
		}
		for _, other := range timed {
			if other == span || !other.StartTime.Before(span.EndTime) || !span.StartTime.Before(other.EndTime) {
				continue
			}
			if other.SpansRooms() && other.ID < span.ID {
				continue // reported from the other side
			}
			report(span, other, "which takes every room")
		}
	}
}

func derefInt(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func (l *loader) positiveID(file, item string, id *int, dup bool) bool {
	switch {
	case id == nil:
		l.problem(file, item, "id", "is required")
	case *id <= 0:
		l.problem(file, item, "id", "must be a positive integer")
	case dup:
		l.problem(file, item, "id", "duplicate id")
	default:
		return true
	}
	return false
}

// sessionSpeaker resolves the session and speaker a slide or movie belongs
// to; the speaker must be one of the session's.
func (l *loader) sessionSpeaker(file, item string, e *Edition, sessionID *int, speakerID string) (*Session, *Speaker) {
	var s *Session
	if sessionID == nil {
		l.problem(file, item, "session", "is required")
	} else if s = e.sessionByID[*sessionID]; s == nil {
		l.problem(file, item, "session", "unknown session %d", *sessionID)
	}
	sp := e.speakerByID[speakerID]
	if speakerID == "" {
		l.problem(file, item, "speaker", "is required")
	} else if sp == nil {
		l.problem(file, item, "speaker", "unknown speaker %q", speakerID)
	}
	if s != nil && sp != nil && !containsString(s.SpeakerIDs, sp.ID) {
		l.problem(file, item, "speaker", "%q is not a speaker of session %d", sp.ID, s.ID)
		return nil, nil
	}
	return s, sp
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

var guidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$`)

// guid checks an item's optional GUID: an import keeps the source's, so
// that apps which know the talk by it still find it in our exports.
func (l *loader) guid(file, item, raw string) {
	if raw == "" {
		return
	}
	if !guidPattern.MatchString(raw) {
		l.problem(file, item, "guid", "%q is not a UUID (8-4-4-4-12 hexadecimal digits)", raw)
		return
	}
	key := strings.ToLower(raw)
	if prev, dup := l.guids[key]; dup {
		l.problem(file, item, "guid", "%s is also the GUID of %s", raw, prev)
		return
	}
	if l.guids == nil {
		l.guids = map[string]string{}
	}
	l.guids[key] = file + ": " + item
}

func (l *loader) url(file, item, field, raw string, required bool) {
	if raw == "" {
		if required {
			l.problem(file, item, field, "is required")
		}
		return
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		l.problem(file, item, field, "%q is not an http(s) URL", raw)
	}
}

func (l *loader) time(file, item, field, raw string) (time.Time, bool) {
	if raw == "" {
		l.problem(file, item, field, "is required")
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, raw)
	if err != nil {
		l.problem(file, item, field, "%q is not an RFC 3339 time with offset (e.g. 2018-10-06T10:00:00+09:00)", raw)
		return time.Time{}, false
	}
	return t, true
}
