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

	el := l.editionFacts(id, f(fileEdition), &ef)
	el.speakers(f(fileSpeakers), speakers)
	el.sessions(f(fileSessions), sessions)
	el.slides(f(fileSlides), slides)
	el.movies(f(fileMovies), movies)
	el.exhibitions(f(fileExhibitions), exhibitions)
	el.news(f(fileNews), news)

	if len(l.problems) > before {
		return nil
	}
	return el.e
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
