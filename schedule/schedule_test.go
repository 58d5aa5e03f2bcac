package schedule_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/techconf/techconf/conference"
	"github.com/techconf/techconf/content"
	_ "github.com/techconf/techconf/internal/golden"
	"github.com/techconf/techconf/schedule"
)

const base = "https://conf.example.com"

func mustLoadSample(tb testing.TB) *conference.Catalog {
	tb.Helper()
	c, err := conference.Load(content.Sample())
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// needXmllint returns xmllint's path, or skips the test (fails under CI).
func needXmllint(tb testing.TB) string {
	tb.Helper()
	path, err := exec.LookPath("xmllint")
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatal("xmllint not found; CI must install it (apt-get install libxml2-utils)")
		}
		tb.Skip("xmllint not found; install it with: apt-get install libxml2-utils")
	}
	return path
}

// ValidateXML checks a schedule.xml against the c3voc XSD with xmllint.
func validateXML(tb testing.TB, doc []byte) {
	tb.Helper()
	xmllint := needXmllint(tb)
	file := filepath.Join(tb.TempDir(), "schedule.xml")
	if err := os.WriteFile(file, doc, 0o644); err != nil {
		tb.Fatal(err)
	}
	out, err := exec.Command(xmllint, "--noout", "--schema", "testdata/c3voc/schedule.xml.xsd", file).CombinedOutput()
	if err != nil {
		tb.Errorf("xmllint --schema schedule.xml.xsd: %v\n%s", err, out)
	}
}

var jsonSchema *jsonschema.Schema

// validateJSON checks a schedule.json against the c3voc JSON schema.
func validateJSON(tb testing.TB, doc []byte) {
	tb.Helper()
	if jsonSchema == nil {
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		s, err := c.Compile("testdata/c3voc/schema.json")
		if err != nil {
			tb.Fatalf("compile schema.json: %v", err)
		}
		jsonSchema = s
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		tb.Fatalf("export is not JSON: %v", err)
	}
	if err := jsonSchema.Validate(inst); err != nil {
		tb.Errorf("schedule.json does not follow schema.json: %v", err)
	}
}

func exports(tb testing.TB, ed *conference.Edition, baseURL string) (xmlDoc, jsonDoc []byte) {
	tb.Helper()
	p := schedule.FromEdition(ed, schedule.Options{BaseURL: baseURL})
	var x, j bytes.Buffer
	if err := p.WriteXML(&x, baseURL+"/"+ed.ID+"/schedule.xml"); err != nil {
		tb.Fatal(err)
	}
	if err := p.WriteJSON(&j, baseURL+"/"+ed.ID+"/schedule.json"); err != nil {
		tb.Fatal(err)
	}
	return x.Bytes(), j.Bytes()
}

func TestExportsFollowTheSchemas(t *testing.T) {
	c := mustLoadSample(t)
	for _, ed := range c.Editions {
		t.Run(ed.ID, func(t *testing.T) {
			x, j := exports(t, ed, base)
			validateXML(t, x)
			validateJSON(t, j)
			// Every talk with a room is in both, with its speakers.
			for _, s := range ed.Sessions {
				if s.Place == "" {
					continue
				}
				guid := schedule.SessionGUID(ed, s)
				for name, doc := range map[string][]byte{"xml": x, "json": j} {
					if !bytes.Contains(doc, []byte(guid)) {
						t.Errorf("schedule.%s lacks session %d (guid %s)", name, s.ID, guid)
					}
				}
				for _, sp := range s.Speakers {
					if !bytes.Contains(x, []byte(">"+sp.Name.Default()+"</person>")) {
						t.Errorf("schedule.xml: session %d lacks speaker %q", s.ID, sp.Name.Default())
					}
				}
			}
		})
	}
}

// TestSchemasCatchMistakes makes sure the validation can fail: a broken
// export must be refused.
func TestSchemasCatchMistakes(t *testing.T) {
	ed := mustLoadSample(t).Edition("2016")
	x, j := exports(t, ed, base)
	badXML := bytes.Replace(x, []byte("<duration>"), []byte("<duration>about "), 1)
	badJSON := bytes.Replace(j, []byte(`"guid": "`), []byte(`"guid": "not-a-uuid-`), 1)
	for name, tc := range map[string]struct {
		doc      []byte
		validate func(testing.TB, []byte)
	}{"xml": {badXML, validateXML}, "json": {badJSON, validateJSON}} {
		rec := &recorder{TB: t}
		tc.validate(rec, tc.doc)
		if !rec.failed {
			t.Errorf("a broken schedule.%s passed validation", name)
		}
	}
}

// recorder is a testing.TB that notes a failure instead of failing.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Fatalf(string, ...any) { r.failed = true }
func (r *recorder) Helper()               {}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestStableGUIDs(t *testing.T) {
	// Two servers (two loads of the content) behind different hosts give
	// every talk and room the same GUID; GUIDs are UUIDv5, unique across
	// editions.
	a, b := mustLoadSample(t), mustLoadSample(t)
	seen := map[string]string{}
	for _, ed := range a.Editions {
		other := b.Edition(ed.ID)
		pa := schedule.FromEdition(ed, schedule.Options{BaseURL: "https://one.example.com"})
		pb := schedule.FromEdition(other, schedule.Options{BaseURL: "http://localhost:8080"})
		if len(pa.Events) != len(pb.Events) || len(pa.Events) == 0 {
			t.Fatalf("edition %s: %d and %d events, want the same, more than 0", ed.ID, len(pa.Events), len(pb.Events))
		}
		for i, ev := range pa.Events {
			if ev.GUID != pb.Events[i].GUID {
				t.Errorf("edition %s event %d: GUID %s on one server, %s on another", ed.ID, ev.ID, ev.GUID, pb.Events[i].GUID)
			}
			if !uuidPattern.MatchString(ev.GUID) {
				t.Errorf("edition %s event %d: GUID %q is not a UUIDv5", ed.ID, ev.ID, ev.GUID)
			}
			if prev, dup := seen[ev.GUID]; dup {
				t.Errorf("GUID %s of %s/%d is also %s's", ev.GUID, ed.ID, ev.ID, prev)
			}
			seen[ev.GUID] = ed.ID + "/" + ev.Title
		}
		for i, r := range pa.Rooms {
			if r.GUID != pb.Rooms[i].GUID || !uuidPattern.MatchString(r.GUID) {
				t.Errorf("edition %s room %q: GUIDs %q and %q, want one UUIDv5", ed.ID, r.Name, r.GUID, pb.Rooms[i].GUID)
			}
		}
		if pa.Version != pb.Version {
			t.Errorf("edition %s: version %q and %q on two servers, want the same", ed.ID, pa.Version, pb.Version)
		}
	}
}

func TestCrossingMidnight(t *testing.T) {
	ed := mustLoadSample(t).Edition("2016")
	p := schedule.FromEdition(ed, schedule.Options{BaseURL: base})
	var late *schedule.Event
	for _, ev := range p.Events {
		if ev.ID == 7 {
			late = ev
		}
	}
	if late == nil {
		t.Fatal("2016 session 7 (22:30 to 00:30) is not exported")
	}
	if got := late.Start.Format("2006-01-02 15:04 -07:00"); got != "2016-11-19 22:30 +09:00" {
		t.Errorf("start = %s, want 2016-11-19 22:30 +09:00 (the edition's time zone)", got)
	}
	if got := p.Days[1].End.Format("2006-01-02T15:04"); got != "2016-11-20T00:30" {
		t.Errorf("day 2 ends %s, want 2016-11-20T00:30 (after midnight)", got)
	}
	_, j := exports(t, ed, base)
	if !strings.Contains(string(j), `"duration": "02:00"`) {
		t.Error(`schedule.json lacks "duration": "02:00" for the talk across midnight`)
	}
}

// TestReadBack reads each export back: writing what was read gives the
// same document.
func TestReadBack(t *testing.T) {
	for _, ed := range mustLoadSample(t).Editions {
		t.Run(ed.ID, func(t *testing.T) {
			x, j := exports(t, ed, base)
			pj, err := schedule.ReadJSON(j)
			if err != nil {
				t.Fatalf("ReadJSON: %v", err)
			}
			var j2 bytes.Buffer
			if err := pj.WriteJSON(&j2, base+"/"+ed.ID+"/schedule.json"); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(j, j2.Bytes()) {
				t.Errorf("schedule.json read and written again differs:\n%s", firstDiff(j, j2.Bytes()))
			}
			px, err := schedule.ReadXML(x)
			if err != nil {
				t.Fatalf("ReadXML: %v", err)
			}
			var x2 bytes.Buffer
			if err := px.WriteXML(&x2, base+"/"+ed.ID+"/schedule.xml"); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(x, x2.Bytes()) {
				t.Errorf("schedule.xml read and written again differs:\n%s", firstDiff(x, x2.Bytes()))
			}
		})
	}
}

// firstDiff shows the first differing line of two documents.
func firstDiff(a, b []byte) string {
	la, lb := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(la) && i < len(lb); i++ {
		if la[i] != lb[i] {
			return "line " + strconv.Itoa(i+1) + ":\n- " + la[i] + "\n+ " + lb[i]
		}
	}
	return "lengths " + strconv.Itoa(len(la)) + " and " + strconv.Itoa(len(lb)) + " lines"
}

// BenchmarkExport builds the largest sample edition's feeds, as a server
// does once per edition, language and host (then serves them from cache).
func BenchmarkExport(b *testing.B) {
	ed := mustLoadSample(b).Edition("2018")
	for _, format := range []string{"xml", "json"} {
		b.Run(format, func(b *testing.B) {
			b.ReportAllocs()
			var buf bytes.Buffer
			for i := 0; i < b.N; i++ {
				buf.Reset()
				p := schedule.FromEdition(ed, schedule.Options{BaseURL: base})
				var err error
				if format == "xml" {
					err = p.WriteXML(&buf, base+"/2018/schedule.xml")
				} else {
					err = p.WriteJSON(&buf, base+"/2018/schedule.json")
				}
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(buf.Len()), "bytes")
		})
	}
}
