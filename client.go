package techconf

import "context"

type clientKey struct{}

// WithClient records the address of the client a request comes from, as
// the HTTP server determined it (the peer, or the first untrusted hop of
// X-Forwarded-For). Limits that must hold per client read it with Client.
func WithClient(ctx context.Context, addr string) context.Context {
	return context.WithValue(ctx, clientKey{}, addr)
}

// Client returns the address WithClient recorded, or "" when the request
// did not come through the HTTP server (tests, tools).
func Client(ctx context.Context) string {
	s, _ := ctx.Value(clientKey{}).(string)
	return s
}
