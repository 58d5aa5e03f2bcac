package conference_test

import (
	"testing"

	"github.com/techconf/techconf/conference"
)

// TestSessionTypes: the one list of types, and which of them are talks and
// which can be liked, as the API, the pages and the checker read them.
func TestSessionTypes(t *testing.T) {
	for _, tc := range []struct {
		typ            string
		talk, likeable bool
	}{
		{conference.TypeKeynote, true, true},
		{conference.TypeSession, true, true},
		{conference.TypeLightning, true, true},
		{conference.TypeOpening, false, true},
		{conference.TypeClosing, false, true},
		{conference.TypeLunch, false, false},
		{conference.TypeBreak, false, false},
	} {
		if !conference.KnownType(tc.typ) {
			t.Errorf("KnownType(%q) = false; want true", tc.typ)
		}
		if got := conference.IsTalkType(tc.typ); got != tc.talk {
			t.Errorf("IsTalkType(%q) = %v; want %v", tc.typ, got, tc.talk)
		}
		if got := conference.LikeableType(tc.typ); got != tc.likeable {
			t.Errorf("LikeableType(%q) = %v; want %v", tc.typ, got, tc.likeable)
		}
	}
	if n := len(conference.SessionTypes); n != 7 {
		t.Errorf("len(SessionTypes) = %d; want 7", n)
	}
	if conference.KnownType("workshop") {
		t.Error(`KnownType("workshop") = true; want false`)
	}
	if got, want := conference.SessionTypeList(), "keynote, session, lightning, opening, closing, lunch or break"; got != want {
		t.Errorf("SessionTypeList() = %q; want %q", got, want)
	}
}
