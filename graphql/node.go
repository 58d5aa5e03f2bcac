package graphql

// Node is any object with a global id. The domain types do not know about
// GraphQL, so the interface asks nothing of them; the resolvers compute ids.
type Node interface{}
