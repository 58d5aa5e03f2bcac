package conference

import "sort"

// slideFile is one item of slides.yaml: an attachment with the language
// of its slides.
type slideFile struct {
	attachmentFile `yaml:",inline"`
	Lang           string `yaml:"lang"`
}

// slides reads slides.yaml: each slide belongs to a session and one of its
// speakers.
func (l *editionLoader) slides(fsl string, slides []slideFile) {
	e := l.e
	taken := func(id int) bool { return e.slideByID[id] != nil }
	for i, sf := range slides {
		s, sp, ok := l.attachment(fsl, "slide", i, sf.attachmentFile, taken, func(item string) {
			if !ValidLanguage(sf.Lang) {
				l.problem(fsl, item, "lang", "%q is not a language code such as en, ja or de", sf.Lang)
			}
		})
		if !ok {
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
