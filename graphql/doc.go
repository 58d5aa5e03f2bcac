// Package graphql serves the conference API of one edition with gqlgen: the
// schema in schema.graphqls, compatible with the 2018 API, its resolvers, and
// the limits that keep a hostile query from hurting the server.
//
// generated.go and models_gen.go are written by `go generate ./...`.
package graphql
