package conference_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/techconf/techconf/conference"
)

// TestLoadSessionZero: 2018's timetable has a session 0, which is valid.
func TestLoadSessionZero(t *testing.T) {
	m := sampleCopy(t)
	replaceOnce(t, m, "2018/sessions.yaml", "- id: 1\n", "- id: 0\n")
	c, err := conference.Load(m)
	if err != nil {
		t.Fatalf("Load with session 0: %v; want no error", err)
	}
	if s := c.Edition("2018").Session(0); s == nil {
		t.Error("Session(0) = nil; want the session")
	}
	m = sampleCopy(t)
	replaceOnce(t, m, "2018/sessions.yaml", "- id: 1\n", "- id: -1\n")
	if _, err := conference.Load(m); err == nil || !strings.Contains(err.Error(), "must not be negative") {
		t.Errorf("Load with session -1: %v; want must not be negative", err)
	}
}

// TestLoadReportsEveryProblem: a misspelt key does not stop the check of
// its file; the other problems of that file are reported too, and the
// message names the key, not Go types.
func TestLoadReportsEveryProblem(t *testing.T) {
	m := sampleCopy(t)
	replaceOnce(t, m, "2018/sessions.yaml", "titleJa: プロダクトマネージャーが本当に読むエラーバジェット", "titelJa: プロダクトマネージャーが本当に読むエラーバジェット")
	replaceOnce(t, m, "2018/sessions.yaml", "- id: 13\n  type: session", "- id: 12\n  type: session")
	replaceOnce(t, m, "2018/speakers.yaml", "name: Aiko Tanabe\n", "nmae: Aiko Tanabe\n")
	_, err := conference.Load(m)
	var cerr *conference.ContentError
	if !errors.As(err, &cerr) {
		t.Fatalf("Load error = %v; want a *conference.ContentError", err)
	}
	for _, want := range []struct{ file, field, message string }{
		{"2018/sessions.yaml", "", "titelJa"},
		{"2018/sessions.yaml", "id", "duplicate"},
		{"2018/sessions.yaml", "titleJa", ""},
		{"2018/speakers.yaml", "", "nmae"},
		{"2018/speakers.yaml", "name", ""},
	} {
		found := false
		for _, p := range cerr.Problems {
			if p.File == want.file && p.Field == want.field && strings.Contains(p.Message, want.message) {
				found = true
			}
		}
		if !found {
			t.Errorf("problems = %v; want one in %s, field %q, saying %q", cerr.Problems, want.file, want.field, want.message)
		}
	}
	if strings.Contains(err.Error(), "conference.") {
		t.Errorf("error %q names Go types; want the content's terms", err)
	}
}
