package web

import (
	"fmt"
	"strings"
	"time"

	"github.com/techconf/techconf/conference"
)

// calendar writes sessions as an iCalendar file (RFC 5545) that calendar
// apps import: one VEVENT per session, times in UTC, texts in the language
// asked for (lang; the edition's default where a text lacks it).
func calendar(ed *conference.Edition, sessions []*conference.Session, baseURL string, now time.Time, lang string) []byte {
	p := page{Lang: lang, Edition: ed}
	var b strings.Builder
	line := func(s string) {
		// Lines longer than 75 octets are folded: CRLF and a space, which
		// counts towards the next line's 75.
		limit := 75
		for len(s) > limit {
			cut := limit
			for cut > 0 && !startsRune(s[cut]) {
				cut--
			}
			b.WriteString(s[:cut])
			b.WriteString("\r\n ")
			s = s[cut:]
			limit = 74
		}
		b.WriteString(s)
		b.WriteString("\r\n")
	}
	stamp := now.UTC().Format("20060102T150405Z")
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//techconf//" + icsText(ed.Name.Default()) + "//EN")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	line("X-WR-CALNAME:" + icsText(p.L(ed.Name)))
	// Subscribed calendars fetch the feed again this often (RFC 7986, and
	// the older name Outlook and Google read), so they follow changes.
	line("REFRESH-INTERVAL;VALUE=DURATION:" + feedRefresh)
	line("X-PUBLISHED-TTL:" + feedRefresh)
	for _, s := range sessions {
		line("BEGIN:VEVENT")
		line(fmt.Sprintf("UID:session-%d-%s@techconf", s.ID, ed.ID))
		line("DTSTAMP:" + stamp)
		line("DTSTART:" + s.StartTime.UTC().Format("20060102T150405Z"))
		line("DTEND:" + s.EndTime.UTC().Format("20060102T150405Z"))
		line("SUMMARY:" + icsText(p.L(s.Title)))
		where := p.L(ed.Venue.Name)
		if s.Place != "" {
			where = p.RoomName(s.Place) + ", " + where
		}
		line("LOCATION:" + icsText(where))
		desc := p.L(s.Outline)
		if names := speakerNames(p, s); names != "" {
			desc = names + "\n\n" + desc
		}
		line("DESCRIPTION:" + icsText(desc))
		line(fmt.Sprintf("URL:%s/%s/sessions/%d", baseURL, ed.ID, s.ID))
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return []byte(b.String())
}

func speakerNames(p page, s *conference.Session) string {
	names := make([]string, len(s.Speakers))
	for i, sp := range s.Speakers {
		names[i] = p.L(sp.Name)
	}
	return strings.Join(names, ", ")
}

// icsText escapes a TEXT value: backslash, semicolon, comma and newline.
func icsText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`).Replace(s)
}

// startsRune reports whether c begins a UTF-8 sequence, so that folding
// never splits a character.
func startsRune(c byte) bool { return c&0xC0 != 0x80 }
