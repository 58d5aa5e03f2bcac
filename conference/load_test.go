package conference_test

import (
	"errors"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"gopkg.in/yaml.v3"

	"github.com/techconf/techconf/conference"
	"github.com/techconf/techconf/content"
	_ "github.com/techconf/techconf/internal/golden" // registers -update for `go test ./... -update`
)

// mustLoadSample loads the embedded sample, which must be valid: the binary
// serves it when no content folder is given.
func mustLoadSample(tb testing.TB) *conference.Catalog {
	tb.Helper()
	c, err := conference.Load(content.Sample())
	if err != nil {
		tb.Fatalf("Load(sample) error: %v", err)
	}
	return c
}

// sampleCopy returns every file of the embedded sample in a MapFS that a test
// may edit without touching the others' copies.
func sampleCopy(tb testing.TB) fstest.MapFS {
	tb.Helper()
	fsys := content.Sample()
	m := fstest.MapFS{}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		m[name] = &fstest.MapFile{Data: data, Mode: 0o644}
		return nil
	})
	if err != nil {
		tb.Fatalf("copy sample: %v", err)
	}
	if len(m) == 0 {
		tb.Fatal("copy sample: no files")
	}
	return m
}

// replaceOnce replaces old with new in one file of m; old must occur exactly
// once, so that an edit of the sample cannot silently miss or hit twice.
func replaceOnce(tb testing.TB, m fstest.MapFS, file, old, new string) {
	tb.Helper()
	f, ok := m[file]
	if !ok {
		tb.Fatalf("no file %s in the sample", file)
	}
	text := string(f.Data)
	if n := strings.Count(text, old); n != 1 {
		tb.Fatalf("%s contains %q %d times, want exactly once", file, old, n)
	}
	f.Data = []byte(strings.Replace(text, old, new, 1))
}

func TestLoadSample(t *testing.T) {
	c := mustLoadSample(t)

	newest := c.Newest()
	if newest == nil || newest.ID != "2018" {
		t.Fatalf("Newest() = %v, want edition 2018", newest)
	}
	e2018, e2017 := c.Edition("2018"), c.Edition("2017")
	if e2018 == nil {
		t.Fatal(`Edition("2018") = nil, want the 2018 edition`)
	}
	if e2017 == nil {
		t.Fatal(`Edition("2017") = nil, want the 2017 edition`)
	}
	if got := len(c.Editions); got != 3 {
		t.Errorf("len(Editions) = %d, want 3 (2018, 2017 and the English-only 2016)", got)
	}
	if got, want := len(e2017.Sessions), len(e2018.Sessions); got >= want {
		t.Errorf("2017 has %d sessions, want fewer than 2018's %d", got, want)
	}
	if got, want := len(e2017.Speakers), len(e2018.Speakers); got >= want {
		t.Errorf("2017 has %d speakers, want fewer than 2018's %d", got, want)
	}

	t.Run("2018 minimums", func(t *testing.T) {
		e := e2018
		for _, tc := range []struct {
			name string
			got  int
			min  int
		}{
			{"sessions", len(e.Sessions), 24},
			{"speakers", len(e.Speakers), 30},
			{"exhibitions", len(e.Exhibitions), 8},
			{"news", len(e.News), 4},
			{"opening sessions", len(e.FilterSessions(conference.SessionFilter{Type: conference.TypeOpening})), 1},
			{"keynote sessions", len(e.FilterSessions(conference.SessionFilter{Type: conference.TypeKeynote})), 1},
			{"closing sessions", len(e.FilterSessions(conference.SessionFilter{Type: conference.TypeClosing})), 1},
			{"talks in English", countTalks(e, conference.LangEnglish), 1},
			{"talks in Japanese", countTalks(e, conference.LangJapanese), 1},
		} {
			if tc.got < tc.min {
				t.Errorf("2018 %s: got %d, want at least %d", tc.name, tc.got, tc.min)
			}
		}

		var talks, withBoth int
		for _, s := range e.Sessions {
			if s.Type != conference.TypeSession && s.Type != conference.TypeKeynote {
				continue
			}
			talks++
			if len(s.Slides) > 0 && len(s.Movies) > 0 {
				withBoth++
			}
		}
		if talks == 0 || 2*withBoth <= talks {
			t.Errorf("2018 talks with a slide and a movie: got %d of %d, want more than half", withBoth, talks)
		}
	})

	for _, e := range c.Editions {
		t.Run(e.ID, func(t *testing.T) {
			for _, s := range e.Sessions {
				if len(s.Speakers) != len(s.SpeakerIDs) {
					t.Errorf("session %d: got %d speakers, want %d (%v)", s.ID, len(s.Speakers), len(s.SpeakerIDs), s.SpeakerIDs)
					continue
				}
				for i, id := range s.SpeakerIDs {
					sp := s.Speakers[i]
					if sp == nil || sp.ID != id || e.Speaker(id) != sp {
						t.Errorf("session %d: speaker %d = %v, want %q", s.ID, i, sp, id)
						continue
					}
					if !slices.Contains(sp.Sessions, s) {
						t.Errorf("speaker %q: Sessions lacks session %d", id, s.ID)
					}
				}
				if e.Session(s.ID) != s {
					t.Errorf("Session(%d) = %v, want the session in Sessions", s.ID, e.Session(s.ID))
				}
			}
			for _, sl := range e.Slides {
				if sl.Session == nil || sl.Speaker == nil || !slices.Contains(sl.Session.SpeakerIDs, sl.SpeakerID) {
					t.Errorf("slide %d: got session %v and speaker %v, want a speaker of the session", sl.ID, sl.Session, sl.Speaker)
				}
			}
			for _, m := range e.Movies {
				if m.Session == nil || m.Speaker == nil || !slices.Contains(m.Session.SpeakerIDs, m.SpeakerID) {
					t.Errorf("movie %d: got session %v and speaker %v, want a speaker of the session", m.ID, m.Session, m.Speaker)
				}
			}
			for i := 1; i < len(e.Sessions); i++ {
				prev, cur := e.Sessions[i-1], e.Sessions[i]
				if cur.StartTime.Before(prev.StartTime) {
					t.Errorf("session %d (%s) comes after session %d (%s), want sessions sorted by start time",
						cur.ID, cur.StartTime, prev.ID, prev.StartTime)
				}
			}
			for i := 1; i < len(e.News); i++ {
				prev, cur := e.News[i-1], e.News[i]
				if cur.Date > prev.Date {
					t.Errorf("news %q (%s) comes after news %q (%s), want newest first", cur.ID, cur.Date, prev.ID, prev.Date)
				}
			}
		})
	}
}

// countTalks counts keynotes, sessions and lightning talks given in lang.
func countTalks(e *conference.Edition, lang string) int {
	n := 0
	for _, s := range e.Sessions {
		switch s.Type {
		case conference.TypeKeynote, conference.TypeSession, conference.TypeLightning:
			if s.Lang == lang {
				n++
			}
		}
	}
	return n
}

func TestLoadBrokenContent(t *testing.T) {
	// Each case breaks one thing in a copy of the valid sample; the loader
	// must name the file, the item and the field an organiser has to fix.
	type edit struct{ file, old, new string }
	for _, tc := range []struct {
		name    string
		edits   []edit
		replace map[string]string // whole files, by path
		// The problem that must be among those reported.
		file, item, field string
		message           string // a part of the message; empty: any
	}{
		{
			name:  "valid sample",
			edits: nil,
		},
		{
			name:  "unknown speaker",
			edits: []edit{{"2018/sessions.yaml", "speakers: [oliver-brandt]", "speakers: [nobody-at-all]"}},
			file:  "2018/sessions.yaml", item: "session 12", field: "speakers", message: `"nobody-at-all"`,
		},
		{
			name:  "duplicate session id",
			edits: []edit{{"2018/sessions.yaml", "- id: 13\n  type: session", "- id: 12\n  type: session"}},
			file:  "2018/sessions.yaml", item: "session 12", field: "id", message: "duplicate",
		},
		{
			name:  "duplicate speaker id",
			edits: []edit{{"2018/speakers.yaml", "- id: rachel-whitmore\n", "- id: kenji-morioka\n"}},
			file:  "2018/speakers.yaml", item: `speaker "kenji-morioka"`, field: "id", message: "duplicate",
		},
		{
			name: "end before start",
			edits: []edit{{"2018/sessions.yaml",
				"- id: 12\n  type: session\n  place: Hall A\n  startTime: \"2018-10-06T14:40:00+09:00\"\n  endTime: \"2018-10-06T15:10:00+09:00\"",
				"- id: 12\n  type: session\n  place: Hall A\n  startTime: \"2018-10-06T14:40:00+09:00\"\n  endTime: \"2018-10-06T14:35:00+09:00\""}},
			file: "2018/sessions.yaml", item: "session 12", field: "endTime", message: "not after startTime",
		},
		{
			name:  "end equals start",
			edits: []edit{{"2018/sessions.yaml", "endTime: \"2018-10-06T10:10:00+09:00\"", "endTime: \"2018-10-06T10:00:00+09:00\""}},
			file:  "2018/sessions.yaml", item: "session 1", field: "endTime", message: "not after startTime",
		},
		{
			// Lightning talk 24 runs into talk 25 in Hall B.
			name:  "overlap in one room",
			edits: []edit{{"2018/sessions.yaml", "endTime: \"2018-10-06T18:15:00+09:00\"", "endTime: \"2018-10-06T18:17:00+09:00\""}},
			file:  "2018/sessions.yaml", item: "session 25", field: "startTime", message: "overlaps session 24",
		},
		{
			// A keynote takes every room: a Hall B talk moved into it overlaps.
			name:  "talk during a keynote",
			edits: []edit{{"2018/sessions.yaml", "place: Hall B\n  startTime: \"2018-10-06T11:40:00+09:00\"\n  endTime: \"2018-10-06T12:20:00+09:00\"", "place: Hall B\n  startTime: \"2018-10-06T10:20:00+09:00\"\n  endTime: \"2018-10-06T10:40:00+09:00\""}},
			file:  "2018/sessions.yaml", item: "session 6", field: "startTime", message: "overlaps session 2 which takes every room",
		},
		{
			name:  "missing Japanese title",
			edits: []edit{{"2018/sessions.yaml", "titleJa: プロダクトマネージャーが本当に読むエラーバジェット", `titleJa: ""`}},
			file:  "2018/sessions.yaml", item: "session 12", field: "titleJa",
		},
		{
			name:  "missing English name with Japanese set",
			edits: []edit{{"2018/speakers.yaml", "name: Aiko Tanabe\n", "name: \"\"\n"}},
			file:  "2018/speakers.yaml", item: `speaker "aiko-tanabe"`, field: "name", message: "English",
		},
		{
			name:  "missing English exhibition title",
			edits: []edit{{"2018/exhibitions.yaml", "title: Orbweave Cloud — Try the Managed Kubernetes Sandbox", `title: ""`}},
			file:  "2018/exhibitions.yaml", item: "exhibition 1", field: "title",
		},
		{
			name:  "malformed slide URL",
			edits: []edit{{"2018/slides.yaml", "url: https://slides.example.com/harborlight2018/12-oliver-brandt", "url: slides.example.com/12"}},
			file:  "2018/slides.yaml", item: "slide 10", field: "url",
		},
		{
			name:  "malformed movie URL",
			edits: []edit{{"2018/movies.yaml", "url: https://videos.example.com/harborlight2018/12\n", "url: \"ftp://videos.example.com/12\"\n"}},
			file:  "2018/movies.yaml", item: "movie 9", field: "url",
		},
		{
			name:  "time not RFC 3339",
			edits: []edit{{"2018/sessions.yaml", "startTime: \"2018-10-06T10:00:00+09:00\"", "startTime: \"2018-10-06 10:00\""}},
			file:  "2018/sessions.yaml", item: "session 1", field: "startTime", message: "RFC 3339",
		},
		{
			name:  "time without offset",
			edits: []edit{{"2018/sessions.yaml", "endTime: \"2018-10-06T10:10:00+09:00\"", "endTime: \"2018-10-06T10:10:00\""}},
			file:  "2018/sessions.yaml", item: "session 1", field: "endTime", message: "RFC 3339",
		},
		{
			name:  "start on a day not of the edition",
			edits: []edit{{"2018/sessions.yaml", "startTime: \"2018-10-06T10:00:00+09:00\"", "startTime: \"2018-10-05T10:00:00+09:00\""}},
			file:  "2018/sessions.yaml", item: "session 1", field: "startTime", message: "edition's days",
		},
		{
			name:  "unknown room",
			edits: []edit{{"2018/sessions.yaml", "place: Hall B\n  startTime: \"2018-10-06T11:40:00+09:00\"", "place: Hall Z\n  startTime: \"2018-10-06T11:40:00+09:00\""}},
			file:  "2018/sessions.yaml", item: "session 6", field: "place", message: `"Hall Z"`,
		},
		{
			name:  "unknown session type",
			edits: []edit{{"2018/sessions.yaml", "- id: 30\n  type: closing", "- id: 30\n  type: farewell"}},
			file:  "2018/sessions.yaml", item: "session 30", field: "type", message: `"farewell"`,
		},
		{
			name:  "unknown field",
			edits: []edit{{"2018/speakers.yaml", "twitterId: aiko_tnb_hl", "twiterId: aiko_tnb_hl"}},
			file:  "2018/speakers.yaml", item: "", field: "", message: "twiterId",
		},
		{
			name:    "invalid YAML",
			replace: map[string]string{"2018/news.yaml": "- id: \"2018-06-01-cfp-open\"\n  date: [2018-06-01\n"},
			file:    "2018/news.yaml", item: "", field: "",
		},
		{
			name:    "edition.yaml invalid in the older edition",
			replace: map[string]string{"2017/edition.yaml": "name: [\n"},
			file:    "2017/edition.yaml", item: "", field: "",
		},
		{
			name:  "slide speaker not a speaker of its session",
			edits: []edit{{"2018/slides.yaml", "session: 12\n  speaker: oliver-brandt", "session: 12\n  speaker: kenji-morioka"}},
			file:  "2018/slides.yaml", item: "slide 10", field: "speaker", message: "not a speaker of session 12",
		},
		{
			name:  "movie of an unknown session",
			edits: []edit{{"2018/movies.yaml", "session: 12\n  speaker: oliver-brandt", "session: 99\n  speaker: oliver-brandt"}},
			file:  "2018/movies.yaml", item: "movie 9", field: "session", message: "unknown session 99",
		},
		{
			// Slides and movies share their loader; each file keeps its keys.
			name:  "movie with a slide's key",
			edits: []edit{{"2018/movies.yaml", "session: 12\n  speaker: oliver-brandt", "session: 12\n  lang: en\n  speaker: oliver-brandt"}},
			file:  "2018/movies.yaml", item: "", field: "", message: "lang",
		},
		{
			name:  "slide with a bad lang",
			edits: []edit{{"2018/slides.yaml", "session: 12\n  speaker: oliver-brandt\n  lang: en", "session: 12\n  speaker: oliver-brandt\n  lang: english"}},
			file:  "2018/slides.yaml", item: "slide 10", field: "lang", message: `"english"`,
		},
		{
			name:  "bad session lang",
			edits: []edit{{"2018/sessions.yaml", "lang: en\n  tags: [SRE]\n", "lang: english\n  tags: [SRE]\n"}},
			file:  "2018/sessions.yaml", item: "session 12", field: "lang", message: `"english"`,
		},
		{
			name:  "Japanese title in an English-only edition",
			edits: []edit{{"2016/sessions.yaml", "title: Build Farms That Nobody Notices\n", "title: Build Farms That Nobody Notices\n  titleJa: 誰も気づかないビルドファーム\n"}},
			file:  "2016/sessions.yaml", item: "session 6", field: "titleJa", message: "not one of this edition's languages (en",
		},
		{
			name:  "text key of the default language",
			edits: []edit{{"2016/news.yaml", "  link: https://harborlight.example.com/2016/register", "  messageEn: Hello.\n  link: https://harborlight.example.com/2016/register"}},
			file:  "2016/news.yaml", item: `news "2016-10-01-announcement"`, field: "messageEn", message: "default language",
		},
		{
			name:  "declared language without its text",
			edits: []edit{{"2016/edition.yaml", "languages: [en]", "languages: [en, de]"}},
			file:  "2016/edition.yaml", item: "", field: "nameDe", message: "German text is missing (name is set)",
		},
		{
			name:  "unknown language code",
			edits: []edit{{"2016/edition.yaml", "languages: [en]", "languages: [en, jp]"}},
			file:  "2016/edition.yaml", item: "language 2", field: "languages", message: `"jp"`,
		},
		{
			name:  "no language",
			edits: []edit{{"2016/edition.yaml", "languages: [en]", "languages: []"}},
			file:  "2016/edition.yaml", item: "", field: "languages", message: "at least one",
		},
		{
			name:  "language listed twice",
			edits: []edit{{"2018/edition.yaml", "name: Harborlight Tech Conference 2018\n", "languages: [en, ja, en]\nname: Harborlight Tech Conference 2018\n"}},
			file:  "2018/edition.yaml", item: "language 3", field: "languages", message: "twice",
		},
		{
			name: "GUID used twice",
			edits: []edit{
				{"2016/sessions.yaml", "- id: 6\n", "- id: 6\n  guid: 0b5b7a52-1f0e-5d0f-9a51-9d7d1c2b0001\n"},
				{"2016/sessions.yaml", "- id: 7\n", "- id: 7\n  guid: 0B5B7A52-1F0E-5D0F-9A51-9D7D1C2B0001\n"},
			},
			file: "2016/sessions.yaml", item: "session 7", field: "guid", message: "also the GUID of 2016/sessions.yaml: session 6",
		},
		{
			name:  "GUID not a UUID",
			edits: []edit{{"2016/speakers.yaml", "- id: kofi-mensah\n", "- id: kofi-mensah\n  guid: kofi\n"}},
			file:  "2016/speakers.yaml", item: `speaker "kofi-mensah"`, field: "guid", message: "not a UUID",
		},
		{
			name:  "unknown field in an English-only edition",
			edits: []edit{{"2016/speakers.yaml", "twitterId: tomas_reyes_dev", "twiterId: tomas_reyes_dev"}},
			file:  "2016/speakers.yaml", item: "", field: "", message: "twiterId",
		},
		{
			name:  "bad slide lang",
			edits: []edit{{"2018/slides.yaml", "speaker: oliver-brandt\n  lang: en", "speaker: oliver-brandt\n  lang: jp"}},
			file:  "2018/slides.yaml", item: "slide 10", field: "lang", message: `"jp"`,
		},
		{
			name:  "news with a bad date",
			edits: []edit{{"2018/news.yaml", "date: \"2018-06-01\"", "date: \"2018/06/01\""}},
			file:  "2018/news.yaml", item: `news "2018-06-01-cfp-open"`, field: "date", message: `"2018/06/01"`,
		},
		{
			name: "news file with a bad date",
			replace: map[string]string{"2017/news.yaml": `- id: launch
  date: "June 1st"
  message: We launched.
  messageJa: 開始しました。
`},
			file: "2017/news.yaml", item: `news "launch"`, field: "date",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := sampleCopy(t)
			for _, e := range tc.edits {
				replaceOnce(t, m, e.file, e.old, e.new)
			}
			for name, data := range tc.replace {
				if _, ok := m[name]; !ok {
					t.Fatalf("no file %s in the sample to replace", name)
				}
				m[name] = &fstest.MapFile{Data: []byte(data), Mode: 0o644}
			}

			c, err := conference.Load(m)
			if tc.file == "" {
				if err != nil {
					t.Fatalf("Load error: %v, want none", err)
				}
				if c == nil || c.Newest() == nil {
					t.Fatalf("Load = %v, want a catalog with editions", c)
				}
				return
			}
			if err == nil {
				t.Fatalf("Load error = nil, want a problem in %s: %s: %s", tc.file, tc.item, tc.field)
			}
			if c != nil {
				t.Errorf("Load catalog = %v, want nil with an error", c)
			}
			var cerr *conference.ContentError
			if !errors.As(err, &cerr) {
				t.Fatalf("Load error = %T (%v), want *conference.ContentError", err, err)
			}
			for _, p := range cerr.Problems {
				if p.File == tc.file && p.Item == tc.item && p.Field == tc.field && strings.Contains(p.Message, tc.message) {
					if !strings.Contains(err.Error(), p.String()) {
						t.Errorf("Error() = %q, want it to list %q", err.Error(), p.String())
					}
					return
				}
			}
			t.Errorf("problems = %v, want one with File %q, Item %q, Field %q and a message containing %q",
				cerr.Problems, tc.file, tc.item, tc.field, tc.message)
		})
	}
}

func TestLoadNoEdition(t *testing.T) {
	_, err := conference.Load(fstest.MapFS{"README.md": &fstest.MapFile{Data: []byte("hello")}})
	var cerr *conference.ContentError
	if !errors.As(err, &cerr) {
		t.Fatalf("Load error = %v, want a *conference.ContentError", err)
	}
	if len(cerr.Problems) != 1 || cerr.Problems[0].File != "." {
		t.Errorf("problems = %v, want one for the folder \".\"", cerr.Problems)
	}
}

// sampleSession is what the filter test reads from sessions.yaml itself, so
// that its expectations do not come from the loader under test.
type sampleSession struct {
	ID        int      `yaml:"id"`
	Type      string   `yaml:"type"`
	Place     string   `yaml:"place"`
	StartTime string   `yaml:"startTime"`
	Lang      string   `yaml:"lang"`
	Tags      []string `yaml:"tags"`
}

func TestFilterSessions(t *testing.T) {
	e := mustLoadSample(t).Edition("2018")
	data, err := fs.ReadFile(content.Sample(), "2018/sessions.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var raw []sampleSession
	if err := yaml.Unmarshal(data, &raw); err != nil {
		t.Fatalf("parse 2018/sessions.yaml: %v", err)
	}

	// want lists the ids of the raw sessions keep accepts, sorted.
	want := func(keep func(s sampleSession) bool) []int {
		ids := []int{}
		for _, s := range raw {
			if keep(s) {
				ids = append(ids, s.ID)
			}
		}
		sort.Ints(ids)
		return ids
	}
	for _, tc := range []struct {
		name   string
		filter conference.SessionFilter
		want   []int
	}{
		{"no filter", conference.SessionFilter{}, want(func(s sampleSession) bool { return true })},
		{"room Hall A", conference.SessionFilter{Room: "Hall A"}, want(func(s sampleSession) bool { return s.Place == "Hall A" })},
		{"room Hall B", conference.SessionFilter{Room: "Hall B"}, want(func(s sampleSession) bool { return s.Place == "Hall B" })},
		{"unknown room", conference.SessionFilter{Room: "Hall Z"}, []int{}},
		{"tag Go", conference.SessionFilter{Tag: "Go"}, want(func(s sampleSession) bool { return slices.Contains(s.Tags, "Go") })},
		{"tag Kubernetes", conference.SessionFilter{Tag: "Kubernetes"}, want(func(s sampleSession) bool { return slices.Contains(s.Tags, "Kubernetes") })},
		{"tag is case-sensitive", conference.SessionFilter{Tag: "go"}, []int{}},
		{"lang en", conference.SessionFilter{Lang: "en"}, want(func(s sampleSession) bool { return s.Lang == "en" })},
		{"lang ja", conference.SessionFilter{Lang: "ja"}, want(func(s sampleSession) bool { return s.Lang == "ja" })},
		{"type session", conference.SessionFilter{Type: "session"}, want(func(s sampleSession) bool { return s.Type == "session" })},
		{"type lightning", conference.SessionFilter{Type: "lightning"}, want(func(s sampleSession) bool { return s.Type == "lightning" })},
		{"type keynote", conference.SessionFilter{Type: "keynote"}, want(func(s sampleSession) bool { return s.Type == "keynote" })},
		{"day of the edition", conference.SessionFilter{Day: "2018-10-06"}, want(func(s sampleSession) bool { return strings.HasPrefix(s.StartTime, "2018-10-06") })},
		{"other day", conference.SessionFilter{Day: "2018-10-07"}, []int{}},
		{"room, type and lang", conference.SessionFilter{Room: "Hall B", Type: "lightning", Lang: "en"}, want(func(s sampleSession) bool {
			return s.Place == "Hall B" && s.Type == "lightning" && s.Lang == "en"
		})},
		{"tag and lang", conference.SessionFilter{Tag: "Go", Lang: "ja"}, want(func(s sampleSession) bool {
			return slices.Contains(s.Tags, "Go") && s.Lang == "ja"
		})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := e.FilterSessions(tc.filter)
			ids := make([]int, len(got))
			for i, s := range got {
				ids[i] = s.ID
				if i > 0 && s.StartTime.Before(got[i-1].StartTime) {
					t.Errorf("FilterSessions(%+v): session %d before session %d, want timetable order", tc.filter, got[i-1].ID, s.ID)
				}
			}
			sort.Ints(ids)
			if !slices.Equal(ids, tc.want) {
				t.Errorf("FilterSessions(%+v) = %d sessions %v, want %d sessions %v", tc.filter, len(ids), ids, len(tc.want), tc.want)
			}
		})
	}

	// The sample must exercise the filters, or the cases above prove little.
	if n := len(e.FilterSessions(conference.SessionFilter{Tag: "Go"})); n < 2 {
		t.Errorf("sessions tagged Go: got %d, want at least 2", n)
	}
}

func TestLanguages(t *testing.T) {
	c := mustLoadSample(t)
	for _, tc := range []struct {
		edition string
		want    []string
	}{
		{"2018", []string{"en", "ja"}}, // declares none: the languages of old content
		{"2017", []string{"en", "ja"}},
		{"2016", []string{"en"}},
	} {
		e := c.Edition(tc.edition)
		if !slices.Equal(e.Languages, tc.want) {
			t.Errorf("edition %s: Languages = %v, want %v", tc.edition, e.Languages, tc.want)
		}
	}

	t.Run("FallbackToDefault", func(t *testing.T) {
		s := c.Edition("2016").Session(6)
		if got, want := s.Title.In("ja"), "Build Farms That Nobody Notices"; got != want {
			t.Errorf(`2016 session 6 Title.In("ja") = %q, want the English %q`, got, want)
		}
		if s.Title.Has("ja") {
			t.Error(`2016 session 6 Title.Has("ja") = true, want false`)
		}
		s18 := c.Edition("2018").Session(12)
		if got, want := s18.Title.In("ja"), "プロダクトマネージャーが本当に読むエラーバジェット"; got != want {
			t.Errorf(`2018 session 12 Title.In("ja") = %q, want %q`, got, want)
		}
	})

	t.Run("GermanFirst", func(t *testing.T) {
		// An edition in German and English: the plain keys are German, the
		// English texts carry the suffix En.
		m := fstest.MapFS{
			"2020/edition.yaml": {Data: []byte(`languages: [de, en]
name: Hafenlicht 2020
nameEn: Harborlight 2020
days: ["2020-05-02"]
venue:
  name: Forum
  nameEn: Forum
  address: Hafenstraße 1, Hamburg
  addressEn: Hafenstrasse 1, Hamburg
  mapUrl: https://example.com/map
  access: Zwei Minuten vom Bahnhof.
  accessEn: Two minutes from the station.
rooms:
  - name: Saal 1
    nameEn: Hall 1
`)},
			"2020/sessions.yaml": {Data: []byte(`- id: 1
  type: session
  place: Saal 1
  startTime: "2020-05-02T10:00:00+02:00"
  endTime: "2020-05-02T10:40:00+02:00"
  title: Schnelle Builds
  titleEn: Fast builds
  outline: Wie wir bauen.
  outlineEn: How we build.
  lang: de
`)},
		}
		cat, err := conference.Load(m)
		if err != nil {
			t.Fatalf("Load error: %v", err)
		}
		e := cat.Edition("2020")
		s := e.Session(1)
		for _, tc := range []struct{ lang, want string }{{"de", "Schnelle Builds"}, {"en", "Fast builds"}, {"ja", "Schnelle Builds"}} {
			if got := s.Title.In(tc.lang); got != tc.want {
				t.Errorf("Title.In(%q) = %q, want %q", tc.lang, got, tc.want)
			}
		}
		if e.DefaultLanguage() != "de" || e.Rooms[0].ID() != "Saal 1" {
			t.Errorf("DefaultLanguage() = %q, room id %q; want de and Saal 1", e.DefaultLanguage(), e.Rooms[0].ID())
		}
	})
}

// TestFilesLoadBack writes each sample edition with Files and loads the
// result: the sessions, speakers, slides and movies come back the same.
func TestFilesLoadBack(t *testing.T) {
	for _, e := range mustLoadSample(t).Editions {
		t.Run(e.ID, func(t *testing.T) {
			files, err := conference.Files(e)
			if err != nil {
				t.Fatal(err)
			}
			m := fstest.MapFS{}
			for name, data := range files {
				m[e.ID+"/"+name] = &fstest.MapFile{Data: data}
			}
			c, err := conference.Load(m)
			if err != nil {
				t.Fatalf("Load(Files(%s)): %v", e.ID, err)
			}
			got := c.Edition(e.ID)
			if !slices.Equal(got.Languages, e.Languages) || got.Name.Default() != e.Name.Default() || got.Timezone != e.Timezone {
				t.Errorf("edition: languages %v, name %q, zone %q; want %v, %q, %q", got.Languages, got.Name.Default(), got.Timezone, e.Languages, e.Name.Default(), e.Timezone)
			}
			if len(got.Sessions) != len(e.Sessions) || len(got.Speakers) != len(e.Speakers) || len(got.Slides) != len(e.Slides) || len(got.Movies) != len(e.Movies) {
				t.Fatalf("got %d sessions, %d speakers, %d slides, %d movies; want %d, %d, %d, %d", len(got.Sessions), len(got.Speakers),
					len(got.Slides), len(got.Movies), len(e.Sessions), len(e.Speakers), len(e.Slides), len(e.Movies))
			}
			for i, s := range e.Sessions {
				g := got.Sessions[i]
				for _, lang := range e.Languages {
					if g.ID != s.ID || g.Title.In(lang) != s.Title.In(lang) || g.Outline.In(lang) != s.Outline.In(lang) ||
						!g.StartTime.Equal(s.StartTime) || !g.EndTime.Equal(s.EndTime) || !slices.Equal(g.SpeakerIDs, s.SpeakerIDs) || !slices.Equal(g.Tags, s.Tags) {
						t.Errorf("session %d in %s: got %+v, want %+v", s.ID, lang, g, s)
					}
				}
			}
			for i, sp := range e.Speakers {
				if g := got.Speakers[i]; g.ID != sp.ID || g.Profile.Default() != sp.Profile.Default() || g.Position.In("ja") != sp.Position.In("ja") {
					t.Errorf("speaker %s: got %+v, want %+v", sp.ID, g, sp)
				}
			}
		})
	}
}
