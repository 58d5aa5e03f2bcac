package conference

import (
	"fmt"
	"regexp"
	"strings"
)

var unknownKeyPattern = regexp.MustCompile(`^(line \d+): field (\S+) not found in type \S+$`)

// yamlMessage says a decoder's complaint in the content's terms, without
// the Go type names it carries.
func yamlMessage(msg string) string {
	if m := unknownKeyPattern.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s: unknown key %q (a typo?)", m[1], m[2])
	}
	if m := wrongTypePattern.FindStringSubmatch(msg); m != nil {
		want, ok := yamlKinds[strings.TrimPrefix(m[3], "*")]
		if !ok {
			want = "another kind of value"
		}
		return fmt.Sprintf("%s: %s is not valid here: %s is expected", m[1], m[2], want)
	}
	return msg
}

var (
	wrongTypePattern = regexp.MustCompile(`^(line \d+): cannot unmarshal (.+) into (\S+)$`)
	yamlKinds        = map[string]string{"int": "an integer", "string": "a text", "[]string": "a list of texts", "[]int": "a list of integers", "bool": "true or false"}
)
