package web_test

import (
	_ "github.com/techconf/techconf/internal/golden" // accepts -update, as every test package does
	"github.com/techconf/techconf/internal/testserver"
)

// parseICS reads an iCalendar file as strictly as calendar apps do.
var parseICS = testserver.ParseICS
