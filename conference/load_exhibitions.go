package conference

import (
	"fmt"
	"sort"
)

// exhibitionFile is one item of exhibitions.yaml.
type exhibitionFile struct {
	ID          *int      `yaml:"id"`
	Place       string    `yaml:"place"`
	Title       string    `yaml:"title"`
	Description string    `yaml:"description"`
	Other       otherKeys `yaml:",inline"`
}

// exhibitions reads exhibitions.yaml: the booths, by id.
func (l *editionLoader) exhibitions(fx string, exhibitions []exhibitionFile) {
	tx, e := l.tx, l.e
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
}
