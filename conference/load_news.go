package conference

import (
	"fmt"
	"sort"
	"time"
)

// newsFile is one item of news.yaml.
type newsFile struct {
	ID      string    `yaml:"id"`
	Date    string    `yaml:"date"`
	Message string    `yaml:"message"`
	Link    string    `yaml:"link"`
	Other   otherKeys `yaml:",inline"`
}

// news reads news.yaml: dated messages, newest first.
func (l *editionLoader) news(fn string, news []newsFile) {
	tx, e := l.tx, l.e
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
}
