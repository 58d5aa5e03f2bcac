package main

import (
	"flag"
	"fmt"
	"strings"
)

// envName is the environment variable that a flag also reads:
// --server-id reads TECHCONF_SERVER_ID.
func envName(flagName string) string {
	return "TECHCONF_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// applyEnv sets every flag that was not given on the command line from its
// environment twin, so that a Kubernetes manifest and a shell both work. A
// flag given on the command line wins over the environment.
func applyEnv(fs *flag.FlagSet, lookup func(string) (string, bool)) error {
	_, err := applyEnvSources(fs, lookup)
	return err
}

// flagSources maps a flag's name to the environment variable it was set
// from, so that an error about its value names what the operator wrote.
type flagSources map[string]string

// name returns "$TECHCONF_ROLE" for a flag set from the environment, and
// "--role" otherwise.
func (s flagSources) name(flagName string) string {
	if env, ok := s[flagName]; ok {
		return "$" + env
	}
	return "--" + flagName
}

// applyEnvSources is applyEnv that also says which flags came from which
// variables.
func applyEnvSources(fs *flag.FlagSet, lookup func(string) (string, bool)) (flagSources, error) {
	sources := flagSources{}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] || err != nil {
			return
		}
		name := envName(f.Name)
		v, ok := lookup(name)
		if !ok && f.Name == "addr" {
			// Platforms that assign a port say so in $PORT.
			if port, okPort := lookup("PORT"); okPort && port != "" {
				name, v, ok = "PORT", ":"+port, true
			}
		}
		if !ok {
			return
		}
		if setErr := fs.Set(f.Name, v); setErr != nil {
			err = fmt.Errorf("invalid value %q for $%s: %v", v, name, setErr)
			return
		}
		sources[f.Name] = name
	})
	return sources, err
}

// usageWithEnv prints each flag with the environment variable it reads.
func usageWithEnv(fs *flag.FlagSet, synopsis string) func() {
	return func() {
		out := fs.Output()
		fmt.Fprintf(out, "usage: %s\n\nflags (each also read from the environment variable shown):\n", synopsis)
		fs.VisitAll(func(f *flag.Flag) {
			env := envName(f.Name)
			if f.Name == "addr" {
				env += ", PORT"
			}
			def := ""
			if f.DefValue != "" {
				def = fmt.Sprintf(" (default %q)", f.DefValue)
			}
			fmt.Fprintf(out, "  --%s  [$%s]\n        %s%s\n", f.Name, env, f.Usage, def)
		})
	}
}
