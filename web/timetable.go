package web

import (
	"fmt"
	"html/template"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/techconf/techconf/conference"
	"github.com/techconf/techconf/like"
)

// timetableDay is one day of the timetable: rows by start time, a column
// per room.
type timetableDay struct {
	Day   conference.Day
	Rooms []conference.Room
	Rows  []timetableRow
}

// timetableRow holds the sessions that start at one time. A session that
// takes every room (a keynote, a lunch) fills the row alone.
type timetableRow struct {
	Start time.Time
	Span  *conference.Session   // set when one session takes every room
	Cells []*conference.Session // one per room, nil where nothing starts
}

func timetable(ed *conference.Edition) []timetableDay {
	var days []timetableDay
	col := map[string]int{}
	for i, r := range ed.Rooms {
		col[r.ID()] = i
	}
	for _, d := range ed.Days {
		day := timetableDay{Day: d, Rooms: ed.Rooms}
		for _, s := range ed.Sessions {
			if s.Day() != d {
				continue
			}
			n := len(day.Rows)
			if n == 0 || !day.Rows[n-1].Start.Equal(s.StartTime) || day.Rows[n-1].Span != nil || s.SpansRooms() {
				day.Rows = append(day.Rows, timetableRow{Start: s.StartTime, Cells: make([]*conference.Session, len(ed.Rooms))})
				n++
			}
			row := &day.Rows[n-1]
			if s.SpansRooms() {
				row.Span = s
				continue
			}
			row.Cells[col[s.Place]] = s
		}
		days = append(days, day)
	}
	return days
}

// talkFilter is the talks grid's filter, from the query string so that it
// works without JavaScript; unknown values are ignored.
type talkFilter struct {
	Room, Tag, Lang string
}

func parseTalkFilter(ed *conference.Edition, q url.Values) talkFilter {
	var f talkFilter
	if r := q.Get("room"); ed.Room(r) != nil {
		f.Room = r
	}
	if t := q.Get("tag"); slices.Contains(ed.Tags(), t) {
		f.Tag = t
	}
	if l := q.Get("lang"); slices.Contains(ed.TalkLanguages(), l) {
		f.Lang = l
	}
	return f
}

// isTalk reports whether a session belongs in the talks grid.
func isTalk(s *conference.Session) bool {
	switch s.Type {
	case conference.TypeKeynote, conference.TypeSession, conference.TypeLightning:
		return true
	}
	return false
}

func (f talkFilter) apply(ed *conference.Edition) []*conference.Session {
	var out []*conference.Session
	for _, s := range ed.FilterSessions(conference.SessionFilter{Room: f.Room, Tag: f.Tag, Lang: f.Lang}) {
		if isTalk(s) {
			out = append(out, s)
		}
	}
	return out
}

// booth is an exhibition placed on the floor map.
type booth struct {
	N          int // the number shown on the map and in the list
	Exhibition *conference.Exhibition
	X, Y       int // top-left corner on the map, in SVG units
	W, H       int
}

// floorPlan places the booths in rows of four along the hall, in id order.
func floorPlan(xs []*conference.Exhibition) []booth {
	const perRow, w, h, gap = 4, 88, 56, 16
	out := make([]booth, len(xs))
	for i, x := range xs {
		out[i] = booth{N: i + 1, Exhibition: x, X: gap + (i%perRow)*(w+gap), Y: 40 + (i/perRow)*(h+gap+24), W: w, H: h}
	}
	return out
}

// minuteChart draws likes per minute as an SVG bar chart, on the server so
// that it needs no script, and returns the total it shows.
func minuteChart(minutes []like.MinuteCount, title string, loc *time.Location) (template.HTML, int64) {
	zone := func(t time.Time) string { return t.In(loc).Format("15:04") }
	const width, height, left, bottom = 640, 200, 40, 24
	var maxLikes, total int64
	for _, m := range minutes {
		maxLikes = max(maxLikes, m.Likes)
		total += m.Likes
	}
	scale := max(maxLikes, 1)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="chart-title"><title id="chart-title">%s</title>`,
		width, height, template.HTMLEscapeString(title))
	plotH := height - bottom - 10
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#4d5560"/>`, left, height-bottom, width, height-bottom)
	fmt.Fprintf(&b, `<text x="%d" y="16" font-size="12" fill="#1b1f24">%d</text>`, 4, maxLikes)
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" fill="#1b1f24">0</text>`, 4, height-bottom)
	if n := len(minutes); n > 0 {
		barW := float64(width-left) / float64(n)
		for i, m := range minutes {
			h := float64(m.Likes) / float64(scale) * float64(plotH)
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#0b5cad"><title>%s: %d</title></rect>`,
				float64(left)+float64(i)*barW+1, float64(height-bottom)-h, max(barW-2, 1), h, zone(m.Minute), m.Likes)
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" fill="#1b1f24">%s</text>`, left, height-6, zone(minutes[0].Minute))
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" fill="#1b1f24" text-anchor="end">%s (%s)</text>`, width, height-6,
			zone(minutes[n-1].Minute), template.HTMLEscapeString(loc.String()))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()), total
}
