package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/techconf/techconf/conference"
	"github.com/techconf/techconf/content"
	"github.com/techconf/techconf/schedule"
)

const exportBase = "https://conf.example.com"

// export writes an edition's schedule in one format.
func export(tb testing.TB, ed *conference.Edition, format string) []byte {
	tb.Helper()
	p := schedule.FromEdition(ed, schedule.Options{BaseURL: exportBase})
	var b bytes.Buffer
	var err error
	if format == "xml" {
		err = p.WriteXML(&b, exportBase+"/"+ed.ID+"/schedule.xml")
	} else {
		err = p.WriteJSON(&b, exportBase+"/"+ed.ID+"/schedule.json")
	}
	if err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// loadEdition loads DIR/ID as the server would.
func loadEdition(tb testing.TB, dir, id string) *conference.Edition {
	tb.Helper()
	c, err := conference.Load(os.DirFS(dir))
	if err != nil {
		tb.Fatalf("load %s: %v", dir, err)
	}
	ed := c.Edition(id)
	if ed == nil {
		tb.Fatalf("load %s: no edition %s", dir, id)
	}
	return ed
}

func writeTemp(tb testing.TB, name string, data []byte) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		tb.Fatal(err)
	}
	return path
}

// TestImportRoundTrip exports every sample edition, imports the export
// into a new content folder, and exports the result: the same schedule,
// byte for byte, GUIDs included.
func TestImportRoundTrip(t *testing.T) {
	catalog, err := conference.Load(content.Sample())
	if err != nil {
		t.Fatal(err)
	}
	for _, ed := range catalog.Editions {
		for _, format := range []string{"json", "xml"} {
			t.Run(ed.ID+"/"+format, func(t *testing.T) {
				first := export(t, ed, format)
				src := writeTemp(t, "schedule."+format, first)
				dir := t.TempDir()
				r := runCommand(t, context.Background(), noEnv, "content", "import", "--edition", ed.ID, src, dir)
				if r.code != 0 {
					t.Fatalf("import: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
				}
				if check := runCommand(t, context.Background(), noEnv, "content", "check", dir); check.code != 0 {
					t.Fatalf("content check of the import: exit %d\n%s", check.code, check.stderr)
				}
				second := export(t, loadEdition(t, dir, ed.ID), format)
				if !bytes.Equal(first, second) {
					t.Errorf("export -> import -> export differs:\n%s", firstDifference(first, second))
				}
			})
		}
	}
}

func firstDifference(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(la) && i < len(lb); i++ {
		if la[i] != lb[i] {
			return "line " + strconv.Itoa(i+1) + ":\n- " + la[i] + "\n+ " + lb[i]
		}
	}
	return "the documents have " + strconv.Itoa(len(la)) + " and " + strconv.Itoa(len(lb)) + " lines"
}

// importFixture imports one of testdata/import into a new content folder
// and loads the result.
func importFixture(tb testing.TB, dir, file string, extra ...string) (*conference.Edition, result) {
	tb.Helper()
	args := append([]string{"content", "import", "--edition", "imported"}, extra...)
	args = append(args, filepath.Join("testdata", "import", file), dir)
	r := runCommand(tb, context.Background(), noEnv, args...)
	if r.code != 0 {
		tb.Fatalf("import %s: exit %d\nstdout:\n%s\nstderr:\n%s", file, r.code, r.stdout, r.stderr)
	}
	if check := runCommand(tb, context.Background(), noEnv, "content", "check", dir); check.code != 0 {
		tb.Fatalf("content check after importing %s: exit %d\n%s", file, check.code, check.stderr)
	}
	return loadEdition(tb, dir, "imported"), r
}

// TestImportFixtures imports a programme written as pretalx, an older frab
// and Sessionize export it, each with several days, a talk with several
// speakers, a room used on one day, a talk across midnight and a time zone
// other than the server's.
func TestImportFixtures(t *testing.T) {
	type talk struct {
		id         int
		start, end string // RFC 3339 in the edition's zone
		speakers   []string
		place      string
		typ, lang  string
		tags       []string
	}
	for _, tc := range []struct {
		file     string
		args     []string
		zone     string
		days     []conference.Day
		rooms    []string
		talks    []talk
		oneDay   string // the room used on one day only
		slides   int
		movies   int
		reported []string // parts of the report of what was not mapped
	}{
		{
			file: "pretalx.json", zone: "Europe/Berlin",
			days:  []conference.Day{"2025-03-14", "2025-03-15"},
			rooms: []string{"Saal Elbe", "Saal Spree", "Workshop Havel"},
			talks: []talk{
				{101, "2025-03-14T09:30:00+01:00", "2025-03-14T10:15:00+01:00", []string{"greta-lindqvist"}, "Saal Elbe", "keynote", "en", []string{"Operations"}},
				{102, "2025-03-14T23:30:00+01:00", "2025-03-15T00:30:00+01:00", []string{"jonas-albrecht", "mira-sato"}, "Saal Elbe", "session", "de", []string{"Operations"}},
				{104, "2025-03-14T14:00:00+01:00", "2025-03-14T16:00:00+01:00", []string{"greta-lindqvist"}, "Workshop Havel", "session", "en", []string{}},
				{105, "2025-03-15T10:00:00+01:00", "2025-03-15T10:15:00+01:00", []string{"jonas-albrecht"}, "Saal Elbe", "lightning", "en", []string{"Operations"}},
			},
			oneDay: "Workshop Havel", slides: 1, movies: 1,
			reported: []string{"venue", "sessions 104 have no abstract", "subtitles of sessions 102", "web link https://example.org/migrations"},
		},
		{
			file: "frab.xml", zone: "America/New_York",
			days:  []conference.Day{"2024-10-19", "2024-10-20"},
			rooms: []string{"Main Hall", "Studio B"},
			talks: []talk{
				{7001, "2024-10-19T10:00:00-04:00", "2024-10-19T10:50:00-04:00", []string{"dana-whitfield", "luis-ortega"}, "Main Hall", "session", "en", []string{"Community"}},
				// Given as 00:15 on the first day, after the day's start: the next morning.
				{7002, "2024-10-20T00:15:00-04:00", "2024-10-20T01:15:00-04:00", []string{"luis-ortega"}, "Main Hall", "session", "en", []string{"Community"}},
				{7004, "2024-10-20T10:30:00-04:00", "2024-10-20T11:15:00-04:00", []string{"dana-whitfield", "priya-raman", "kwame-asante"}, "Main Hall", "session", "en", []string{}},
			},
			oneDay: "Studio B", slides: 1, movies: 1,
			reported: []string{`type "meetup"`},
		},
		{
			file: "sessionize.json", args: []string{"--timezone", "Asia/Kolkata"}, zone: "Asia/Kolkata",
			days:  []conference.Day{"2023-08-11", "2023-08-12"},
			rooms: []string{"Auditorium", "Room Monsoon", "Room Kite"},
			talks: []talk{
				{481001, "2023-08-11T09:30:00+05:30", "2023-08-11T10:15:00+05:30", []string{"ananya-iyer"}, "Auditorium", "keynote", "en", []string{"Mobile"}},
				{481002, "2023-08-11T10:30:00+05:30", "2023-08-11T11:15:00+05:30", []string{"rohan-mehta", "sofia-fernandes"}, "Room Monsoon", "session", "hi", []string{"Performance", "Design"}},
				{481003, "2023-08-11T23:00:00+05:30", "2023-08-12T00:30:00+05:30", []string{"sofia-fernandes"}, "Room Monsoon", "session", "en", []string{"Performance"}},
			},
			oneDay: "Room Kite", slides: 0, movies: 1,
			reported: []string{`category "Level"`, "An Unscheduled Idea", "no conference title"},
		},
	} {
		t.Run(tc.file, func(t *testing.T) {
			ed, r := importFixture(t, t.TempDir(), tc.file, tc.args...)
			if ed.Timezone != tc.zone {
				t.Errorf("timezone = %q, want %q", ed.Timezone, tc.zone)
			}
			if !slicesEq(ed.Days, tc.days) {
				t.Errorf("days = %v, want %v", ed.Days, tc.days)
			}
			var rooms []string
			for _, room := range ed.Rooms {
				rooms = append(rooms, room.ID())
			}
			if !slicesEq(rooms, tc.rooms) {
				t.Errorf("rooms = %v, want %v", rooms, tc.rooms)
			}
			for _, want := range tc.talks {
				s := ed.Session(want.id)
				if s == nil {
					t.Errorf("session %d is missing", want.id)
					continue
				}
				if got := s.StartTime.Format("2006-01-02T15:04:05Z07:00"); got != want.start {
					t.Errorf("session %d starts %s, want %s", want.id, got, want.start)
				}
				if got := s.EndTime.Format("2006-01-02T15:04:05Z07:00"); got != want.end {
					t.Errorf("session %d ends %s, want %s", want.id, got, want.end)
				}
				if !slicesEq(s.SpeakerIDs, want.speakers) || s.Place != want.place || s.Type != want.typ || s.Lang != want.lang || !slicesEq(s.Tags, want.tags) {
					t.Errorf("session %d: speakers %v, place %q, type %q, lang %q, tags %v; want %v, %q, %q, %q, %v",
						want.id, s.SpeakerIDs, s.Place, s.Type, s.Lang, s.Tags, want.speakers, want.place, want.typ, want.lang, want.tags)
				}
			}
			days := map[conference.Day]bool{}
			for _, s := range ed.FilterSessions(conference.SessionFilter{Room: tc.oneDay}) {
				days[s.Day()] = true
			}
			if len(days) != 1 {
				t.Errorf("room %q is used on %d days, want 1", tc.oneDay, len(days))
			}
			for _, sp := range ed.Speakers {
				if sp.Name.Default() == "" {
					t.Errorf("speaker %s has no name", sp.ID)
				}
			}
			if len(ed.Slides) != tc.slides || len(ed.Movies) != tc.movies {
				t.Errorf("%d slides and %d recordings, want %d and %d", len(ed.Slides), len(ed.Movies), tc.slides, tc.movies)
			}
			for _, want := range tc.reported {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("the report lacks %q:\n%s", want, r.stdout)
				}
			}
		})
	}
}

func slicesEq[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestReimportKeepsIDs imports a programme, then a later version of it
// with a talk moved, renamed and a speaker added: every session keeps its
// id (likes stay on it), and the venue typed in by hand stays.
func TestReimportKeepsIDs(t *testing.T) {
	dir := t.TempDir()
	first, _ := importFixture(t, dir, "pretalx.json")
	editFile(t, dir, "imported/edition.yaml", "name: To be announced", "name: Lakeside Hall")
	data, err := os.ReadFile(filepath.Join("testdata", "import", "pretalx.json"))
	if err != nil {
		t.Fatal(err)
	}
	later := strings.Replace(string(data), `"title": "Typed Configuration"`, `"title": "Typed Configuration, Revisited"`, 1)
	later = strings.Replace(later, `"date": "2025-03-14T10:30:00+01:00",
                "start": "10:30"`, `"date": "2025-03-14T11:00:00+01:00",
                "start": "11:00"`, 1)
	if later == string(data) {
		t.Fatal("the edits of the fixture did not apply")
	}
	src := writeTemp(t, "later.json", []byte(later))
	r := runCommand(t, context.Background(), noEnv, "content", "import", "--edition", "imported", src, dir)
	if r.code != 0 {
		t.Fatalf("re-import: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	second := loadEdition(t, dir, "imported")
	if len(second.Sessions) != len(first.Sessions) {
		t.Fatalf("%d sessions after re-import, want %d", len(second.Sessions), len(first.Sessions))
	}
	for _, s := range first.Sessions {
		if second.Session(s.ID) == nil {
			t.Errorf("session %d (%q) is gone after re-import", s.ID, s.Title.Default())
		}
	}
	moved := second.Session(103)
	if moved == nil || moved.Title.Default() != "Typed Configuration, Revisited" || moved.StartTime.Format("15:04") != "11:00" {
		t.Errorf("session 103 after re-import = %+v, want the new title at 11:00", moved)
	}
	if got := second.Venue.Name.Default(); got != "Lakeside Hall" {
		t.Errorf("venue name after re-import = %q, want the one typed in, Lakeside Hall", got)
	}
}

// TestImportBadInput checks that broken sources get an error naming the
// place, and that nothing is written.
func TestImportBadInput(t *testing.T) {
	pretalx, err := os.ReadFile(filepath.Join("testdata", "import", "pretalx.json"))
	if err != nil {
		t.Fatal(err)
	}
	frab, err := os.ReadFile(filepath.Join("testdata", "import", "frab.xml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, file, data string
		args             []string
		code             int
		want             string
	}{
		{"JSONSyntax", "s.json", strings.Replace(string(pretalx), `"id": 103,`, `"id": 103,,`, 1), nil, 1, "line 98, column 28"},
		{"JSONBadDate", "s.json", strings.Replace(string(pretalx), `"2025-03-14T10:30:00+01:00"`, `"14.03.2025 10:30"`, 1), nil, 1, `rooms["Saal Spree"][0] (event 103 "Typed Configuration"): date`},
		{"JSONWrongType", "s.json", strings.Replace(string(pretalx), `"id": 103,`, `"id": "103",`, 1), nil, 1, `schedule.conference.days[0].rooms["Saal Spree"][0]: id: string is not a int`},
		{"XMLSyntax", "s.xml", strings.Replace(string(frab), "</title>", "</titel>", 1), nil, 1, "line 7: element <title> closed by </titel>"},
		{"XMLBadDuration", "s.xml", strings.Replace(string(frab), "<duration>00:30</duration>", "<duration>half an hour</duration>", 1), nil, 1, `room "Studio B", event 1 (id 7003, "Packaging for Three Distributions at Once"): duration`},
		{"Overlap", "s.json", strings.Replace(string(pretalx), `"date": "2025-03-14T23:30:00+01:00"`, `"date": "2025-03-14T09:45:00+01:00"`, 1), nil, 1, "overlaps"},
		{"SessionizeWithoutZone", "s.json", mustRead(t, "sessionize.json"), nil, 1, "--timezone"},
		{"NotASchedule", "s.txt", "hello", nil, 1, "cannot tell the format"},
		{"TooLarge", "s.json", string(pretalx), []string{"--max-size", "1000"}, 1, "larger than --max-size"},
		{"BadEditionID", "s.json", string(pretalx), []string{"--edition", "../evil"}, 2, "--edition"},
		{"HTTPRefused", "", "", []string{"http://example.com/schedule.json"}, 2, "only https"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "content")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			args := []string{"content", "import"}
			hasEdition := false
			for _, a := range tc.args {
				hasEdition = hasEdition || a == "--edition"
			}
			if !hasEdition {
				args = append(args, "--edition", "imported")
			}
			if tc.file != "" {
				args = append(args, tc.args...)
				args = append(args, writeTemp(t, tc.file, []byte(tc.data)))
			} else {
				args = append(args, tc.args...)
			}
			args = append(args, dir)
			r := runCommand(t, context.Background(), noEnv, args...)
			if r.code != tc.code {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, tc.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr = %q, want it to contain %q", r.stderr, tc.want)
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 0 {
				t.Errorf("the content folder holds %v after a failed import, want nothing", entries)
			}
		})
	}
}

func mustRead(tb testing.TB, fixture string) string {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "import", fixture))
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// TestImportFromHTTPS downloads the source from a real TLS server: a good
// one is imported, one larger than --max-size and a redirect to plain
// http are refused.
func TestImportFromHTTPS(t *testing.T) {
	body := mustRead(t, "frab.xml")
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/schedule.xml":
			w.Header().Set("Content-Type", "application/xml")
			_, _ = io.WriteString(w, body)
		case "/moved":
			http.Redirect(w, r, "http://example.com/schedule.xml", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	saved := importClient
	importClient = srv.Client()
	importClient.CheckRedirect = httpsOnly
	defer func() { importClient = saved }()

	dir := t.TempDir()
	r := runCommand(t, context.Background(), noEnv, "content", "import", "--edition", "web", srv.URL+"/schedule.xml", dir)
	if r.code != 0 {
		t.Fatalf("import over https: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if ed := loadEdition(t, dir, "web"); ed.Session(7004) == nil {
		t.Error("session 7004 is missing after the https import")
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"TooLarge", []string{"--max-size", "100", srv.URL + "/schedule.xml"}, "larger than --max-size 100"},
		{"RedirectToHTTP", []string{srv.URL + "/moved"}, "only https"},
		{"NotFound", []string{srv.URL + "/nothing.json"}, "404"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			args := append([]string{"content", "import", "--edition", "web"}, tc.args...)
			r := runCommand(t, context.Background(), noEnv, append(args, out)...)
			if r.code == 0 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want a failure mentioning %q", r.code, r.stderr, tc.want)
			}
			if entries, _ := os.ReadDir(out); len(entries) != 0 {
				t.Errorf("the content folder holds %v after a failed import", entries)
			}
		})
	}
}

func TestContentHelp(t *testing.T) {
	for _, args := range [][]string{{"content", "--help"}, {"content", "check", "-h"}, {"content", "import", "--help"}, {"content", "import", "-h"}} {
		r := runCommand(t, context.Background(), noEnv, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "usage: techconf content") {
			t.Errorf("run(%q): exit %d, stdout %q; want 0 and a usage text", args, r.code, r.stdout)
		}
	}
}
