package web_test

import (
	"io"
	"net/http"
	"testing"

	_ "github.com/techconf/techconf/internal/golden" // accepts -update, as every test package does
	"github.com/techconf/techconf/internal/testserver"
)

// answer is what fetch read.
type answer struct {
	status int
	body   string
}

// fetch GETs url over real HTTP.
func fetch(tb testing.TB, url string) answer {
	tb.Helper()
	resp, err := http.Get(url)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return answer{resp.StatusCode, string(body)}
}

// parseICS reads an iCalendar file as strictly as calendar apps do.
var parseICS = testserver.ParseICS
