package conference

import (
	"fmt"
	"sort"
)

// slideFile is one item of slides.yaml.
type slideFile struct {
	ID      *int   `yaml:"id"`
	Session *int   `yaml:"session"`
	Speaker string `yaml:"speaker"`
	Lang    string `yaml:"lang"`
	URL     string `yaml:"url"`
}

// slides reads slides.yaml: each slide belongs to a session and one of its
// speakers.
func (l *editionLoader) slides(fsl string, slides []slideFile) {
	e := l.e
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
}
