package testserver

import (
	"strings"
	"testing"
)

// ParseICS unfolds and reads an iCalendar file strictly enough to catch
// what calendar apps reject: CRLF line ends, BEGIN/END pairs, required
// properties of each event.
func ParseICS(tb testing.TB, body string) []map[string]string {
	tb.Helper()
	if !strings.HasSuffix(body, "\r\n") || strings.Contains(strings.ReplaceAll(body, "\r\n", ""), "\n") {
		tb.Fatal("iCalendar lines must end with CRLF")
	}
	unfolded := strings.ReplaceAll(body, "\r\n ", "")
	lines := strings.Split(strings.TrimSuffix(unfolded, "\r\n"), "\r\n")
	if lines[0] != "BEGIN:VCALENDAR" || lines[len(lines)-1] != "END:VCALENDAR" {
		tb.Fatalf("not a VCALENDAR: %q ... %q", lines[0], lines[len(lines)-1])
	}
	var events []map[string]string
	var cur map[string]string
	for _, l := range lines[1 : len(lines)-1] {
		name, value, ok := strings.Cut(l, ":")
		if !ok {
			tb.Fatalf("malformed line %q", l)
		}
		switch {
		case l == "BEGIN:VEVENT":
			cur = map[string]string{}
		case l == "END:VEVENT":
			for _, req := range []string{"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"} {
				if cur[req] == "" {
					tb.Fatalf("event without %s: %v", req, cur)
				}
			}
			events = append(events, cur)
			cur = nil
		case cur != nil:
			cur[name] = strings.NewReplacer(`\,`, ",", `\;`, ";", `\n`, "\n", `\\`, `\`).Replace(value)
		}
	}
	for _, raw := range strings.Split(body, "\r\n") {
		if len(raw) > 75 {
			tb.Fatalf("line longer than 75 octets: %q", raw)
		}
	}
	return events
}
