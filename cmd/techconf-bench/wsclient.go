package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// The bench's WebSocket client is a small one of its own: a library
// connection (coder/websocket) costs tens of kilobytes, and one bench
// process holds up to the file limit's worth of connections (19,000 here)
// beside the server it measures. Each connection here is one goroutine
// and a 1 KiB read buffer.

// sourceSeq spreads client source addresses over 127.0.0.0/8 when the
// target is on loopback: one address has about 28,000 ephemeral ports,
// and the server's per-address limits would count every subscriber as
// one client.
var sourceSeq atomic.Uint64

// localAddr returns the next source address for a loopback target, or nil.
func localAddr(host string) *net.TCPAddr {
	ip := net.ParseIP(host)
	if host == "localhost" {
		ip = net.IPv4(127, 0, 0, 1)
	}
	if ip == nil || !ip.IsLoopback() || ip.To4() == nil {
		return nil
	}
	n := sourceSeq.Add(1) % 250
	return &net.TCPAddr{IP: net.IPv4(127, 1, byte(n/250), byte(1+n%250))}
}

// wsConn is one client WebSocket.
type wsConn struct {
	nc net.Conn
	br *bufio.Reader
}

// dialWS opens a WebSocket with the subprotocol to a ws:// URL.
func dialWS(ctx context.Context, rawURL, proto string) (*wsConn, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	d := net.Dialer{Timeout: 10 * time.Second}
	if la := localAddr(u.Hostname()); la != nil {
		d.LocalAddr = la
	}
	nc, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, err
	}
	var key [16]byte
	_, _ = rand.Read(key[:])
	req := "GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " +
		base64.StdEncoding.EncodeToString(key[:]) + "\r\nSec-WebSocket-Protocol: " + proto + "\r\n\r\n"
	_ = nc.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(nc, req); err != nil {
		nc.Close()
		return nil, err
	}
	br := bufio.NewReaderSize(nc, 1024)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		nc.Close()
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSwitchingProtocols {
		nc.Close()
		return nil, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	_ = nc.SetDeadline(time.Time{})
	return &wsConn{nc: nc, br: br}, nil
}

// writeJSON sends v as a masked text frame.
func (c *wsConn) writeJSON(v any) error {
	p, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.writeFrame(1, p)
}

func (c *wsConn) writeFrame(op byte, p []byte) error {
	f := []byte{0x80 | op}
	switch n := len(p); {
	case n <= 125:
		f = append(f, 0x80|byte(n))
	case n <= 0xffff:
		f = append(f, 0x80|126, byte(n>>8), byte(n))
	default:
		f = append(f, 0x80|127)
		f = binary.BigEndian.AppendUint64(f, uint64(n))
	}
	var mask [4]byte
	_, _ = rand.Read(mask[:])
	f = append(f, mask[:]...)
	for i, b := range p {
		f = append(f, b^mask[i&3])
	}
	_ = c.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := c.nc.Write(f)
	return err
}

var errClosed = errors.New("closed by the server")

// read returns the next text message, answering pings.
func (c *wsConn) read() ([]byte, error) {
	var msg []byte
	for {
		var h [2]byte
		if _, err := io.ReadFull(c.br, h[:]); err != nil {
			return nil, err
		}
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			var b [2]byte
			if _, err := io.ReadFull(c.br, b[:]); err != nil {
				return nil, err
			}
			n = uint64(binary.BigEndian.Uint16(b[:]))
		case 127:
			var b [8]byte
			if _, err := io.ReadFull(c.br, b[:]); err != nil {
				return nil, err
			}
			n = binary.BigEndian.Uint64(b[:])
		}
		if n > 1<<20 {
			return nil, errors.New("frame too large")
		}
		p := make([]byte, n)
		if _, err := io.ReadFull(c.br, p); err != nil {
			return nil, err
		}
		switch op := h[0] & 0x0f; op {
		case 8:
			return nil, errClosed
		case 9:
			if err := c.writeFrame(10, p); err != nil {
				return nil, err
			}
		case 10:
		default:
			msg = append(msg, p...)
			if h[0]&0x80 != 0 {
				return msg, nil
			}
		}
	}
}

func (c *wsConn) close() { c.nc.Close() }

// selfMemory is this process's resident memory in bytes (Linux), or 0.
func selfMemory() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb * 1024
		}
	}
	return 0
}
