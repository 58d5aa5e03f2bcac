package techconf

import (
	"context"
	"net/http"
	"strings"
)

type clientKey struct{}

// client is what the HTTP server learnt about a request's sender.
type client struct {
	addr    string
	proxied bool // the peer is a trusted proxy
}

// WithClient records the address of the client a request comes from, as
// the HTTP server determined it (the peer, or the first untrusted hop of
// X-Forwarded-For), and whether the peer is a trusted proxy, whose
// X-Forwarded-Proto and X-Forwarded-Host BaseURL then believes. Limits
// that must hold per client read the address with Client.
func WithClient(ctx context.Context, addr string, proxied bool) context.Context {
	return context.WithValue(ctx, clientKey{}, &client{addr: addr, proxied: proxied})
}

// Client returns the address WithClient recorded, or "" when the request
// did not come through the HTTP server (tests, tools).
func Client(ctx context.Context) string {
	if c, _ := ctx.Value(clientKey{}).(*client); c != nil {
		return c.addr
	}
	return ""
}

// KeepClient returns ctx with the client that WithClient recorded in from:
// a connection that outlives its request (a WebSocket taken over from
// net/http) keeps its client without the rest of the request's context.
func KeepClient(ctx, from context.Context) context.Context {
	if c, _ := from.Value(clientKey{}).(*client); c != nil {
		return context.WithValue(ctx, clientKey{}, c)
	}
	return ctx
}

// BaseURL is the scheme and host of absolute URLs in answers to r (API
// avatars, page links, feeds, calendars): the one rule for pages and API.
// publicURL (--public-url) wins when set. Otherwise it is the request's
// own scheme and Host, with X-Forwarded-Proto and X-Forwarded-Host
// believed only from a trusted proxy (WithClient): from anyone else they
// would let a client choose the links the site prints.
func BaseURL(r *http.Request, publicURL string) string {
	if publicURL != "" {
		return strings.TrimRight(publicURL, "/")
	}
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if c, _ := r.Context().Value(clientKey{}).(*client); c != nil && c.proxied {
		if p := r.Header.Get("X-Forwarded-Proto"); p == "https" || p == "http" {
			scheme = p
		}
		if h := r.Header.Get("X-Forwarded-Host"); h != "" && !strings.ContainsAny(h, "/ ,") {
			host = h
		}
	}
	return scheme + "://" + host
}
