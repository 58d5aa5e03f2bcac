package web_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestScheduleFeeds checks the feeds conference apps read: stable URLs,
// CORS for web apps, ETags for cheap polling, linked from the pages.
func TestScheduleFeeds(t *testing.T) {
	s := mustOpenSite(t)
	for _, tc := range []struct {
		path, contentType, contains string
	}{
		{"/2016/schedule.xml", "application/xml; charset=utf-8", "<acronym>harborlight_night_2016</acronym>"},
		{"/2016/schedule.json", "application/json; charset=utf-8", `"acronym": "harborlight_night_2016"`},
		{"/2018/schedule.xml", "application/xml; charset=utf-8", "<title>Harborlight Tech Conference 2018</title>"},
		{"/2018/schedule.json?lang=ja", "application/json; charset=utf-8", `"title": "ハーバーライト テックカンファレンス 2018"`},
		{"/2017/schedule.json", "application/json; charset=utf-8", `"time_zone_name": "Asia/Tokyo"`},
	} {
		t.Run(tc.path, func(t *testing.T) {
			a := fetch(t, s.URL+tc.path)
			if a.status != http.StatusOK {
				t.Fatalf("status %d, want 200: %s", a.status, a.body)
			}
			for _, h := range []struct{ name, want string }{
				{"Content-Type", tc.contentType},
				{"Access-Control-Allow-Origin", "*"},
			} {
				if got := a.header.Get(h.name); got != h.want {
					t.Errorf("%s = %q, want %q", h.name, got, h.want)
				}
			}
			if !strings.Contains(a.body, tc.contains) {
				t.Errorf("body lacks %q", tc.contains)
			}
			etag := a.header.Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			again := fetch(t, s.URL+tc.path, "If-None-Match", etag)
			if again.status != http.StatusNotModified {
				t.Errorf("with If-None-Match: status %d, want 304", again.status)
			}
		})
	}
	if a := fetch(t, s.URL+"/2016/schedule.xml?lang=ja"); a.status != http.StatusBadRequest {
		t.Errorf("2016 in Japanese: status %d, want 400 (the edition is in English only)", a.status)
	}
	if a := fetch(t, s.URL+"/1999/schedule.xml"); a.status != http.StatusNotFound {
		t.Errorf("unknown edition: status %d, want 404", a.status)
	}

	landing := fetch(t, s.URL+"/2018/").body
	for _, want := range []string{
		`href="` + s.URL + `/2018/schedule.xml"`,
		`href="` + s.URL + `/2018/schedule.json"`,
		`href="webcal://` + strings.TrimPrefix(s.URL, "http://") + `/2018/schedule.ics"`,
		`id="bookmarks-webcal"`,
	} {
		if !strings.Contains(landing, want) {
			t.Errorf("the landing page lacks the link %s", want)
		}
	}
}

// TestCalendarRefresh checks that subscribed calendars are told to fetch
// the feed again, for the whole conference and for a personal feed.
func TestCalendarRefresh(t *testing.T) {
	s := mustOpenSite(t)
	for _, path := range []string{"/2018/schedule.ics", "/2018/schedule.ics?ids=5,12"} {
		a := fetch(t, s.URL+path)
		if a.status != http.StatusOK {
			t.Fatalf("GET %s: status %d", path, a.status)
		}
		for _, want := range []string{"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n", "\r\nX-PUBLISHED-TTL:PT1H\r\n"} {
			if !strings.Contains(a.body, want) {
				t.Errorf("GET %s lacks %q", path, strings.TrimSpace(want))
			}
		}
		if got := a.header.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("GET %s: Access-Control-Allow-Origin = %q, want *", path, got)
		}
	}
	if n := strings.Count(fetch(t, s.URL+"/2018/schedule.ics?ids=5,12").body, "BEGIN:VEVENT"); n != 2 {
		t.Errorf("personal feed ?ids=5,12 has %d events, want 2", n)
	}
}
