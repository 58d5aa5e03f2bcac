package like_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/techconf/techconf/like"
)

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name      string
		change    func(*like.Config)
		wantField string // "" for valid
	}{
		{"defaults", func(*like.Config) {}, ""},
		{"no server id", func(c *like.Config) { c.ServerID = "" }, "ServerID"},
		{"server id too long", func(c *like.Config) { c.ServerID = strings.Repeat("s", like.MaxServerIDLen+1) }, "ServerID"},
		{"unknown ack", func(c *like.Config) { c.Ack = "eventually" }, "Ack"},
		{"batch smaller than a request", func(c *like.Config) { c.Buffer.BatchSize = like.MaxCount - 1 }, "Buffer.BatchSize"},
		{"batch of one request", func(c *like.Config) { c.Buffer.BatchSize = like.MaxCount }, ""},
		{"buffer smaller than a batch", func(c *like.Config) { c.Buffer.BatchSize, c.Buffer.Capacity = 500, 499 }, "Buffer.Capacity"},
		{"negative poll interval", func(c *like.Config) { c.PollInterval = -1 }, "PollInterval"},
		{"negative address burst", func(c *like.Config) { c.AddrRateBurst = -1 }, "AddrRateBurst"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := like.Config{ServerID: "s"}
			tc.change(&cfg)
			err := cfg.Validate()
			var cerr *like.ConfigError
			switch {
			case tc.wantField == "" && err != nil:
				t.Errorf("Validate() = %v; want nil", err)
			case tc.wantField != "" && (!errors.As(err, &cerr) || cerr.Field != tc.wantField):
				t.Errorf("Validate() = %v; want a ConfigError on %s", err, tc.wantField)
			}
		})
	}
}

// Open refuses what Validate refuses: a batch size under one request's
// likes is an error, not silently raised.
func TestOpenValidates(t *testing.T) {
	cfg := fastConfig("s")
	cfg.Buffer.BatchSize = like.MaxCount - 1
	if s, err := like.Open(context.Background(), mustOpenStore(t, ""), cfg); err == nil {
		s.Close(context.Background())
		t.Fatalf("Open with BatchSize %d = nil error; want a ConfigError", cfg.Buffer.BatchSize)
	}
}
