package graphql_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"testing/fstest"

	"github.com/techconf/techconf/graphql"
	"github.com/techconf/techconf/internal/testserver"
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

// TestRoomNameIsPlace checks that in an edition whose default language is
// not English, a room's name is still what sessions give as their place.
func TestRoomNameIsPlace(t *testing.T) {
	m := fstest.MapFS{
		"2020/edition.yaml": {Data: []byte(`languages: [de, en]
name: Hafenlicht 2020
nameEn: Harborlight 2020
days: ["2020-05-02"]
venue: {name: Forum, nameEn: Forum, address: Hafenstraße 1, addressEn: Hafenstrasse 1, mapUrl: "https://example.com/map", access: Zu Fuß, accessEn: On foot}
rooms: [{name: Saal 1, nameEn: Hall 1}]
`)},
		"2020/sessions.yaml": {Data: []byte(`- {id: 1, type: session, place: Saal 1, startTime: "2020-05-02T10:00:00+02:00", endTime: "2020-05-02T10:40:00+02:00", title: Schnelle Builds, titleEn: Fast builds, outline: Wie., outlineEn: How., lang: de}
`)},
	}
	site := testserver.Start(t, testserver.Config{Content: m, Handler: func(s *testserver.Site) http.Handler {
		return graphql.NewHandler(s.Catalog.Edition("2020"), nil, graphql.Options{})
	}})
	api := &testAPI{URL: site.URL}
	r := api.query(t, `{ edition { rooms { name nameJa } } session(sessionId: 1) { place title titleJa } }`, nil)
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %s", r.Raw)
	}
	raw, _ := json.Marshal(r.Data)
	want := `{"edition":{"rooms":[{"name":"Saal 1","nameJa":"Saal 1"}]},"session":{"place":"Saal 1","title":"Fast builds","titleJa":"Schnelle Builds"}}`
	if string(raw) != want {
		t.Errorf("answer = %s, want %s", raw, want)
	}
}
