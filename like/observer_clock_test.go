package like_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// TestHistoryFollowsTheClock: a service that starts draws the last day of
// per-minute history by its own clock (Config.Now), not the wall clock.
func TestHistoryFollowsTheClock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "likes.db")
	liked := time.Date(2020, 1, 1, 12, 0, 0, 0, time.UTC)
	cfg := fastConfig("past")
	cfg.Now = func() time.Time { return liked }
	s := mustOpenService(t, mustOpenStore(t, path), cfg)
	if _, err := s.Create(context.Background(), k5, "c", 3); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		now  func() time.Time
		want int64
	}{
		{"half an hour later", func() time.Time { return liked.Add(30 * time.Minute) }, 3},
		{"years later", time.Now, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := fastConfig("later")
			cfg.Now = tc.now
			s := mustOpenService(t, mustOpenStore(t, path), cfg)
			got := s.PerMinute(liked, liked)
			if len(got) != 1 || got[0].Likes != tc.want {
				t.Errorf("PerMinute(%v) = %v; want %d likes", liked, got, tc.want)
			}
		})
	}
}
