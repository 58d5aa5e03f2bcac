package server

import (
	"net/http"
	"testing"
)

func TestClientAddr(t *testing.T) {
	trusted, err := ParseTrustedProxies(GCLBRanges + ",10.0.0.0/8, 192.168.1.1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, remote string
		xff          []string
		want         string
	}{
		{"UntrustedPeerIgnoresHeader", "203.0.113.9:5000", []string{"198.51.100.1"}, "203.0.113.9"},
		{"TrustedPeerNoHeader", "10.1.2.3:5000", nil, "10.1.2.3"},
		{"GCLB", "130.211.0.5:5000", []string{"198.51.100.7, 130.211.0.5"}, "198.51.100.7"},
		{"SpoofedLeftHopsIgnored", "35.191.3.4:5000", []string{"1.2.3.4, 198.51.100.7"}, "198.51.100.7"},
		{"ChainOfTrusted", "10.0.0.1:1", []string{"198.51.100.8, 35.191.0.1", "10.0.0.2"}, "198.51.100.8"},
		{"GarbageHop", "10.0.0.1:1", []string{"1.2.3.4, not-an-ip, 10.0.0.9"}, "10.0.0.9"},
		{"SingleAddressTrusted", "192.168.1.1:1", []string{"198.51.100.9"}, "198.51.100.9"},
		// One host holds a whole /64: its limits are counted together.
		{"IPv6Peer", "[2001:db8::1]:443", []string{"198.51.100.9"}, "2001:db8::/64"},
		{"IPv6SameSlash64", "[2001:db8::ffff:1234]:443", nil, "2001:db8::/64"},
		{"IPv6ClientBehindProxy", "10.0.0.1:1", []string{"2001:db8:1:2:3:4:5:6"}, "2001:db8:1:2::/64"},
		{"MappedIPv4", "[::ffff:10.0.0.1]:1", []string{"198.51.100.10"}, "198.51.100.10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tc.remote
			for _, h := range tc.xff {
				r.Header.Add("X-Forwarded-For", h)
			}
			if got, _ := clientAddr(r, trusted); got != tc.want {
				t.Errorf("clientAddr(%s, %q) = %s; want %s", tc.remote, tc.xff, got, tc.want)
			}
		})
	}
	for _, bad := range []string{"10.0.0.0/33", "example.com", "1.2.3"} {
		if _, err := ParseTrustedProxies(bad); err == nil {
			t.Errorf("ParseTrustedProxies(%q): no error; want one", bad)
		}
	}
}

func TestIsStream(t *testing.T) {
	for _, tc := range []struct {
		name    string
		headers map[string]string
		want    bool
	}{
		{"Plain", nil, false},
		{"WebSocket", map[string]string{"Upgrade": "websocket"}, true},
		// The WebSocket library accepts the token among others; so must the caps.
		{"WebSocketAmongTokens", map[string]string{"Upgrade": "foo, websocket"}, true},
		{"SSE", map[string]string{"Accept": "text/event-stream"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodGet, "/2018/api/query", nil)
			for k, v := range tc.headers {
				r.Header.Set(k, v)
			}
			if got := isStream(r); got != tc.want {
				t.Errorf("isStream(%v) = %v; want %v", tc.headers, got, tc.want)
			}
		})
	}
}
