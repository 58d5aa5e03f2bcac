package conference

import "fmt"

// attachmentFile is what an item of slides.yaml and of movies.yaml share:
// an id, the session and the one of its speakers it belongs to, and a URL.
// The files' own item types inline it, so that each file still refuses
// the keys it does not have.
type attachmentFile struct {
	ID      *int   `yaml:"id"`
	Session *int   `yaml:"session"`
	Speaker string `yaml:"speaker"`
	URL     string `yaml:"url"`
}

// attachment checks the shared fields of the i-th item of file (kind names
// it in problems: "slide", "movie"): a positive id not taken yet, a known
// session and one of its speakers, a URL. check, if set, checks the item's
// own fields in between. It returns the session and speaker of an item
// that can be added (ok), in which case the id is set.
func (l *editionLoader) attachment(file, kind string, i int, a attachmentFile, taken func(id int) bool, check func(item string)) (s *Session, sp *Speaker, ok bool) {
	item := fmt.Sprintf("%s #%d", kind, i+1)
	if a.ID != nil {
		item = fmt.Sprintf("%s %d", kind, *a.ID)
	}
	if !l.positiveID(file, item, a.ID, taken(derefInt(a.ID))) {
		return nil, nil, false
	}
	s, sp = l.sessionSpeaker(file, item, l.e, a.Session, a.Speaker)
	if check != nil {
		check(item)
	}
	l.url(file, item, "url", a.URL, true)
	return s, sp, s != nil && sp != nil
}
