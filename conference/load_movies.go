package conference

import (
	"fmt"
	"sort"
)

// movieFile is one item of movies.yaml.
type movieFile struct {
	ID      *int   `yaml:"id"`
	Session *int   `yaml:"session"`
	Speaker string `yaml:"speaker"`
	URL     string `yaml:"url"`
}

// movies reads movies.yaml: each recording belongs to a session and one of
// its speakers.
func (l *editionLoader) movies(fm string, movies []movieFile) {
	e := l.e
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
}
