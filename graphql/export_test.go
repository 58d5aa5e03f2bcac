package graphql

// FastServed counts the createLike answers of the fast path.
var FastServed = &fastServed

// LiveConns counts the connections the live WebSocket transport took.
var LiveConns = &liveConns

// LiveStreams counts the SSE streams the live transport took.
var LiveStreams = &liveStreams
