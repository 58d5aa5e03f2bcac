package main

import (
	"bytes"
	"context"
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
