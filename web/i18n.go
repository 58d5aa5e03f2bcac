package web

import (
	"fmt"
	"strings"
	"time"

	"github.com/techconf/techconf/conference"
)

// Dates, times, zones and session types in the page's language. Every time
// on a page carries its weekday and the event's zone, so that an attendee
// abroad cannot misread it; app.js may rewrite the same <time> elements in
// the viewer's own zone.

var (
	weekdaysJa = [...]string{"日", "月", "火", "水", "木", "金", "土"}
	typeLabels = map[string][2]string{
		conference.TypeKeynote:   {"Keynote", "基調講演"},
		conference.TypeSession:   {"Talk", "セッション"},
		conference.TypeLightning: {"Lightning talk", "ライトニングトーク"},
		conference.TypeOpening:   {"Opening", "オープニング"},
		conference.TypeClosing:   {"Closing", "クロージング"},
		conference.TypeLunch:     {"Lunch", "昼休み"},
		conference.TypeBreak:     {"Break", "休憩"},
	}
)

// TypeLabel names a session type in the page's language.
func (p page) TypeLabel(typ string) string {
	if l, ok := typeLabels[typ]; ok {
		return p.T(l[0], l[1])
	}
	return typ
}

// local returns t in the edition's zone.
func (p page) local(t time.Time) time.Time {
	if p.Edition != nil && p.Edition.Location != nil {
		return t.In(p.Edition.Location)
	}
	return t
}

// Clock is a time of day, 24-hour, in the event's zone.
func (p page) Clock(t time.Time) string { return p.local(t).Format("15:04") }

// DayLong is a date with its weekday: "Saturday, 6 October 2018" or
// "2018年10月6日(土)".
func (p page) DayLong(t time.Time) string {
	t = p.local(t)
	if p.Lang == "ja" {
		return fmt.Sprintf("%d年%d月%d日(%s)", t.Year(), t.Month(), t.Day(), weekdaysJa[t.Weekday()])
	}
	return t.Format("Monday, 2 January 2006")
}

// DayShort is DayLong abbreviated: "Sat, 6 Oct 2018"; Japanese dates are
// short already.
func (p page) DayShort(t time.Time) string {
	if p.Lang == "ja" {
		return p.DayLong(t)
	}
	return p.local(t).Format("Mon, 2 Jan 2006")
}

// Zone names the event's zone at t: its abbreviation where it has one, and
// the offset from UTC, e.g. "JST (UTC+9)".
func (p page) Zone(t time.Time) string {
	t = p.local(t)
	name, offset := t.Zone()
	h, m := offset/3600, (offset%3600)/60
	utc := fmt.Sprintf("UTC%+d", h)
	if m != 0 {
		utc += fmt.Sprintf(":%02d", abs(m))
	}
	if offset == 0 {
		utc = "UTC"
	}
	if name == "" || strings.ContainsAny(name[:1], "+-") || name == "UTC" {
		return utc
	}
	return name + " (" + utc + ")"
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// Minutes is a session's length: "40 min" or "40分".
func (p page) Minutes(s *conference.Session) string {
	n := int(s.EndTime.Sub(s.StartTime).Minutes())
	return p.T(fmt.Sprintf("%d min", n), fmt.Sprintf("%d分", n))
}

// TimezoneName is the IANA name of the event's zone, for app.js.
func (p page) TimezoneName() string {
	if p.Edition != nil && p.Edition.Location != nil {
		return p.Edition.Location.String()
	}
	return "UTC"
}

// japaneseText removes the line breaks of Japanese content, which HTML
// would show as spaces: Japanese puts no space between sentences.
func japaneseText(s string) string {
	s = strings.TrimSpace(s)
	var b strings.Builder
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		l = strings.TrimSpace(l)
		b.WriteString(l)
		if i+1 < len(lines) && !endsJapanese(l) && !startsJapanese(strings.TrimSpace(lines[i+1])) {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// endsJapanese and startsJapanese tell whether a line break next to a
// character is a break in Japanese text (no space) or between words.
func endsJapanese(s string) bool {
	r := []rune(s)
	return len(r) > 0 && r[len(r)-1] >= 0x3000
}

func startsJapanese(s string) bool {
	for _, r := range s {
		return r >= 0x3000
	}
	return false
}

// EventOffset is the event zone's offset from UTC in minutes on the page's
// first day (or at its session), for app.js: comparing it with the
// browser's own offset costs nothing, where asking Intl for the viewer's
// zone loads ICU's zone data, a third of a second on a slow phone.
func (p page) EventOffset() int {
	t := time.Now()
	switch {
	case p.Session != nil:
		t = p.Session.StartTime
	case len(p.Days) > 0:
		t = p.Days[0].Date
	}
	_, off := p.local(t).Zone()
	return off / 60
}
