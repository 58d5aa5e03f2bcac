package graphql_test

import (
	"encoding/json"
	"testing"

	"github.com/techconf/techconf/graphql"
)

// TestEnglishOnlyEdition checks the 2018 API's …Ja fields on an edition
// without Japanese: they carry the default language's text, so that the
// 2018 apps show something rather than an empty string.
func TestEnglishOnlyEdition(t *testing.T) {
	api := mustOpenEditionAPI(t, "2016", graphql.Options{})
	r := api.query(t, `{ session(sessionId: 6) { title titleJa outline outlineJa speakers { name nameJa profileJa } }
		edition { name nameJa venue { accessJa } rooms { name nameJa } } }`, nil)
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %s", r.Raw)
	}
	var got struct {
		Session struct {
			Title, TitleJa, Outline, OutlineJa string
			Speakers                           []struct{ Name, NameJa, ProfileJa string }
		}
		Edition struct {
			Name, NameJa string
			Venue        struct{ AccessJa string }
			Rooms        []struct{ Name, NameJa string }
		}
	}
	raw, _ := json.Marshal(r.Data)
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	s := api.Edition.Session(6)
	for _, tc := range []struct{ field, got, want string }{
		{"title", got.Session.Title, s.Title.Default()},
		{"titleJa", got.Session.TitleJa, s.Title.Default()},
		{"outlineJa", got.Session.OutlineJa, s.Outline.Default()},
		{"speakers[0].nameJa", got.Session.Speakers[0].NameJa, "Maren Holt"},
		{"speakers[0].profileJa", got.Session.Speakers[0].ProfileJa, s.Speakers[0].Profile.Default()},
		{"edition.nameJa", got.Edition.NameJa, "Harborlight Night 2016"},
		{"edition.venue.accessJa", got.Edition.Venue.AccessJa, api.Edition.Venue.Access.Default()},
		{"edition.rooms[1].nameJa", got.Edition.Rooms[1].NameJa, "Workshop Room"},
	} {
		if tc.got == "" || tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.field, tc.got, tc.want)
		}
	}
}
