package server

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// GCLBRanges are the source ranges of Google Cloud load balancers and
// their health checks: behind a GCLB Ingress, --trusted-proxies takes
// these, so that X-Forwarded-For names the client.
const GCLBRanges = "130.211.0.0/22,35.191.0.0/16"

// ParseTrustedProxies parses a comma-separated list of CIDRs (or single
// addresses) whose X-Forwarded-For headers the server believes.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("%q is not an address or a CIDR", f)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not an address or a CIDR", f)
		}
		if p.Addr().Is4In6() {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// clientAddr is the address limits count a request against: the TCP peer,
// or, when the peer is a trusted proxy, the first hop of X-Forwarded-For
// read from the right that is not itself trusted. Hops further left were
// written by the client and prove nothing, so they are never used.
//
// proxied says the peer is a trusted proxy, whose forwarding headers
// (X-Forwarded-Proto, X-Forwarded-Host) techconf.BaseURL then believes.
func clientAddr(r *http.Request, trusted []netip.Prefix) (addr string, proxied bool) {
	peer := peerAddr(r.RemoteAddr)
	if !peer.IsValid() {
		return r.RemoteAddr, false
	}
	if !isTrusted(peer, trusted) {
		return addrKey(peer), false
	}
	hops := r.Header.Values("X-Forwarded-For")
	// Several headers are one list, in order.
	var all []string
	for _, h := range hops {
		all = append(all, strings.Split(h, ",")...)
	}
	for i := len(all) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(all[i]))
		if err != nil {
			// A hop a trusted proxy would not write: the list to its left is
			// the client's own text. The last address we trust is the
			// client as far as we can tell.
			return addrKey(peer), true
		}
		a = a.Unmap()
		if !isTrusted(a, trusted) {
			return addrKey(a), true
		}
		peer = a
	}
	return addrKey(peer), true
}

// addrKey is the key a client's limits are counted under: its IPv4
// address, or the /64 of its IPv6 address, since one host usually holds a
// whole /64 and could otherwise multiply every per-address limit.
func addrKey(a netip.Addr) string {
	a = a.Unmap()
	if a.Is6() {
		return netip.PrefixFrom(a, 64).Masked().String()
	}
	return a.String()
}

func peerAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
