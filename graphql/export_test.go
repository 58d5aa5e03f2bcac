package graphql

// FastServed counts the createLike answers of the fast path.
var FastServed = &fastServed
