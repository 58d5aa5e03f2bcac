package graphql

import (
	"encoding/json"
	"io"
	"math"
	"strconv"

	"github.com/99designs/gqlgen/graphql"

	"github.com/techconf/techconf"
)

// MarshalInt writes a GraphQL Int. gqlgen.yml binds the Int scalar to
// MarshalInt and UnmarshalInt, so that Go code keeps plain ints.
func MarshalInt(i int) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) { _, _ = io.WriteString(w, strconv.Itoa(i)) })
}

// UnmarshalInt reads a GraphQL Int from a variable, which the spec makes
// a signed 32-bit integer: a larger value is refused rather than passed
// on to code that stores or counts with it. The message names the value
// briefly and no Go type.
func UnmarshalInt(v any) (int, error) {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int32:
		n = int64(x)
	case int64:
		n = x
	case json.Number:
		i, err := strconv.ParseInt(string(x), 10, 64)
		if err != nil {
			return 0, techconf.Errorf(techconf.EINVALID, "%s is not an integer", excerpt(string(x), 40))
		}
		n = i
	case float64:
		if x != math.Trunc(x) || x > math.MaxInt32 || x < math.MinInt32 {
			return 0, techconf.Errorf(techconf.EINVALID, "%s is not a 32-bit integer", excerpt(strconv.FormatFloat(x, 'g', -1, 64), 40))
		}
		n = int64(x)
	case string:
		return 0, techconf.Errorf(techconf.EINVALID, "%s is a string, not an integer", strconv.Quote(excerpt(x, 40)))
	default:
		return 0, techconf.Errorf(techconf.EINVALID, "the value is not an integer")
	}
	if n > math.MaxInt32 || n < math.MinInt32 {
		return 0, techconf.Errorf(techconf.EINVALID, "%d is outside the range of Int (32-bit signed)", n)
	}
	return int(n), nil
}
