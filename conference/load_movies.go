package conference

import "sort"

// movieFile is one item of movies.yaml.
type movieFile struct {
	attachmentFile `yaml:",inline"`
}

// movies reads movies.yaml: each recording belongs to a session and one of
// its speakers.
func (l *editionLoader) movies(fm string, movies []movieFile) {
	e := l.e
	taken := func(id int) bool { return e.movieByID[id] != nil }
	for i, mf := range movies {
		s, sp, ok := l.attachment(fm, "movie", i, mf.attachmentFile, taken, nil)
		if !ok {
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
