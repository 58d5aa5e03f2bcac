package graphql

import (
	"encoding/json"
)

// The fast path's own reader of a createLike POST body. encoding/json was
// a tenth of a createLike's CPU, and it matches struct fields without
// regard to case, so {"Input": {"UUID": ...}} reached the resolver while
// gqlgen refuses it (variables and input fields are names, compared
// exactly). This reader knows the one shape it takes and compares every
// key byte for byte; whatever else it meets (another key, a duplicate, a
// key with escapes, a value of another type, anything after the object)
// makes it give up, and gqlgen answers. When it accepts a body, that body
// is valid JSON, and each value is what encoding/json makes of it:
// strings with escapes or non-ASCII bytes are decoded by encoding/json
// itself.

// fastBody is what the reader took from a body.
type fastBody struct {
	query []byte // empty when null or absent, as gqlgen takes it; in the body when it needed no decoding
	hash  string // extensions.persistedQuery.sha256Hash, or ""
	input CreateLikeInput
}

type fastReader struct {
	b []byte
	i int
}

func (r *fastReader) space() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// next skips white space and reports whether the next byte is c, taking
// it if so.
func (r *fastReader) next(c byte) bool {
	r.space()
	if r.i < len(r.b) && r.b[r.i] == c {
		r.i++
		return true
	}
	return false
}

// peek skips white space and returns the next byte, or 0 at the end.
func (r *fastReader) peek() byte {
	r.space()
	if r.i < len(r.b) {
		return r.b[r.i]
	}
	return 0
}

// raw reads a JSON string and returns its bytes between the quotes, and
// whether they need decoding (escapes or bytes beyond ASCII).
func (r *fastReader) raw() (b []byte, plain, ok bool) {
	if !r.next('"') {
		return nil, false, false
	}
	start := r.i
	plain = true
	for r.i < len(r.b) {
		c := r.b[r.i]
		switch {
		case c == '"':
			r.i++
			return r.b[start : r.i-1], plain, true
		case c == '\\':
			plain = false
			r.i += 2 // the escaped byte cannot end the string; encoding/json checks the escape
		case c < 0x20:
			return nil, false, false // not JSON
		case c >= 0x80:
			plain = false
			r.i++
		default:
			r.i++
		}
	}
	return nil, false, false
}

// str reads a JSON string. A string of plain ASCII without escapes is
// taken as it is; any other is decoded by encoding/json, which replaces
// invalid UTF-8 and lone surrogates as gqlgen's decoding does.
func (r *fastReader) str() (string, bool) {
	b, plain, ok := r.raw()
	switch {
	case !ok:
		return "", false
	case plain:
		return string(b), true
	}
	return r.decodeLast(b)
}

// decodeLast decodes b, the string raw has just read, with encoding/json.
func (r *fastReader) decodeLast(b []byte) (string, bool) {
	var s string
	if json.Unmarshal(r.b[r.i-len(b)-2:r.i], &s) != nil {
		return "", false
	}
	return s, true
}

// key reads an object key that needs no decoding, and the colon after it.
// The key stays in the body: comparing string(key) with a constant
// allocates nothing.
func (r *fastReader) key() ([]byte, bool) {
	k, plain, ok := r.raw()
	if !ok || !plain || !r.next(':') {
		return nil, false
	}
	return k, true
}

// null takes a null literal if one comes next.
func (r *fastReader) null() bool {
	r.space()
	if len(r.b)-r.i >= 4 && string(r.b[r.i:r.i+4]) == "null" {
		r.i += 4
		return true
	}
	return false
}

// integer reads a JSON number and accepts it only as fastInt does.
func (r *fastReader) integer() (int, bool) {
	r.space()
	start := r.i
	for r.i < len(r.b) {
		c := r.b[r.i]
		if c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' || c >= '0' && c <= '9' {
			r.i++
			continue
		}
		break
	}
	return fastInt(r.b[start:r.i])
}

// object reads an object's members, calling member after each key with
// the reader at its value; member reads the value. Each key may appear
// once: a duplicate is left to gqlgen, and so is a key that no level of
// the shape has (knownKeys).
func (r *fastReader) object(member func(key string) bool) bool {
	if !r.next('{') {
		return false
	}
	if r.next('}') {
		return true
	}
	var seen [8]string
	n := 0
	for {
		raw, ok := r.key()
		if !ok {
			return false
		}
		k := knownKey(raw)
		if k == "" || n == len(seen) {
			return false
		}
		for _, s := range seen[:n] {
			if s == k {
				return false
			}
		}
		seen[n] = k
		n++
		if !member(k) {
			return false
		}
		if r.next('}') {
			return true
		}
		if !r.next(',') {
			return false
		}
	}
}

// knownKeys are the keys of every level of the shape readFastBody takes.
var knownKeys = []string{"query", "operationName", "variables", "extensions", "input",
	"uuid", "sessionId", "count", "clientMutationId", "requestId", "persistedQuery", "version", "sha256Hash"}

// knownKey returns the known key that k spells exactly, or "". Comparing
// string(k) with a string allocates nothing.
func knownKey(k []byte) string {
	for _, name := range knownKeys {
		if string(k) == name {
			return name
		}
	}
	return ""
}

// readFastBody reads a POST body of the shape
//
//	{"query": "...", "operationName": null, "variables": {"input": {...}},
//	 "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "..."}}}
//
// with the members in any order, operationName and extensions optional.
func readFastBody(body []byte) (fb fastBody, ok bool) {
	r := &fastReader{b: body}
	var hasInput bool
	ok = r.object(func(k string) bool {
		switch k {
		case "query":
			if r.null() {
				return true
			}
			q, plain, ok := r.raw()
			if !plain {
				var s string
				s, ok = r.decodeLast(q)
				q = []byte(s)
			}
			fb.query = q
			return ok
		case "operationName":
			if r.null() {
				return true
			}
			name, ok := r.str()
			return ok && name == ""
		case "variables":
			return r.object(func(k string) bool {
				hasInput = k == "input" && r.input(&fb.input)
				return hasInput
			})
		case "extensions":
			if r.null() {
				return true
			}
			return r.object(func(k string) bool {
				return k == "persistedQuery" && r.persisted(&fb.hash)
			}) && fb.hash != ""
		}
		return false
	})
	if !ok || !hasInput {
		return fb, false
	}
	r.space()
	return fb, r.i == len(r.b)
}

// input reads createLike's input object. uuid and sessionId are required
// (gqlgen answers their absence, or a null, with its own error).
func (r *fastReader) input(in *CreateLikeInput) bool {
	var hasUUID, hasSession bool
	ok := r.object(func(k string) bool {
		switch k {
		case "uuid":
			s, ok := r.str()
			in.UUID, hasUUID = s, true
			return ok
		case "sessionId":
			v, ok := r.integer()
			in.SessionID, hasSession = v, true
			return ok
		case "count":
			if r.null() {
				return true
			}
			v, ok := r.integer()
			in.Count = &v
			return ok
		case "clientMutationId":
			if r.null() {
				return true
			}
			s, ok := r.str()
			in.ClientMutationID = &s
			return ok
		case "requestId":
			if r.null() {
				return true
			}
			s, ok := r.str()
			in.RequestID = &s
			return ok
		}
		return false
	})
	return ok && hasUUID && hasSession
}

// persisted reads an automatic persisted query extension of version 1
// with a hash of 64 lower-case hex digits (gqlgen's form); anything else
// is gqlgen's to answer.
func (r *fastReader) persisted(hash *string) bool {
	var version bool
	return r.object(func(k string) bool {
		switch k {
		case "version":
			v, ok := r.integer()
			version = ok && v == 1
			return version
		case "sha256Hash":
			s, ok := r.str()
			if !ok || len(s) != 64 {
				return false
			}
			for i := 0; i < len(s); i++ {
				if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
					return false
				}
			}
			*hash = s
			return true
		}
		return false
	}) && version
}
