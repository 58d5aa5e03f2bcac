package graphql

import "strings"

// maxMessage bounds an error message: messages may quote the client's
// input (a field name, a value), and an answer must not grow with it.
const maxMessage = 300

// shortMessage keeps an error message short and free of Go internals. The
// JSON decoder's messages name Go types and struct fields ("cannot
// unmarshal number into Go struct field RawParams.query of type string"),
// which tell an attacker about the implementation and a user nothing they
// can act on; they become one plain sentence.
func shortMessage(m string) string {
	if strings.Contains(m, "Go struct field") || strings.Contains(m, "Go value of type") || strings.Contains(m, "json: cannot unmarshal") {
		return "the request is not a GraphQL request: query and operationName must be strings, variables and extensions objects"
	}
	return excerpt(m, maxMessage)
}
