package spanner

import (
	"fmt"
	"regexp"
)

// Database is the name of a Spanner database, split into its parts.
type Database struct {
	Project, Instance, ID string
}

var dbNamePattern = regexp.MustCompile(`^projects/([^/]+)/instances/([^/]+)/databases/([^/]+)$`)

// ParseDatabase parses a database name, projects/P/instances/I/databases/D:
// the one place that knows its form, for Open, Migrate and the command
// line.
func ParseDatabase(name string) (Database, error) {
	m := dbNamePattern.FindStringSubmatch(name)
	if m == nil {
		return Database{}, fmt.Errorf("spanner: want projects/P/instances/I/databases/D (got %q)", name)
	}
	return Database{Project: m[1], Instance: m[2], ID: m[3]}, nil
}

// String returns the database's full name.
func (d Database) String() string {
	return "projects/" + d.Project + "/instances/" + d.Instance + "/databases/" + d.ID
}

// instanceName is the full name of the database's instance.
func (d Database) instanceName() string {
	return "projects/" + d.Project + "/instances/" + d.Instance
}
