package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// body is a response body with its ETag and, for text, its gzip form,
// compressed once however often it is served. HTML, CSS, JS, SVG and .ics
// are text that compresses to a fifth or less.
type body struct {
	raw  []byte
	etag string

	once sync.Once
	gz   []byte // nil when compression would not help
}

// minCompress is the size under which gzip's header costs more than it
// saves.
const minCompress = 512

func newBody(raw []byte) *body {
	sum := sha256.Sum256(raw)
	return &body{raw: raw, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
}

func (b *body) gzipped() []byte {
	b.once.Do(func() {
		if len(b.raw) < minCompress {
			return
		}
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // the level is valid
		_, _ = zw.Write(b.raw)
		_ = zw.Close()
		if buf.Len() < len(b.raw) {
			b.gz = buf.Bytes()
		}
	})
	return b.gz
}

// write sends the body, gzipped when the client accepts it, with an ETag
// per encoding (the bytes differ, so a strong ETag must too) and a 304 for
// a matching If-None-Match. Only 200 answers are conditional.
func (b *body) write(w http.ResponseWriter, r *http.Request, status int) {
	hdr := w.Header()
	addVary(hdr, "Accept-Encoding")
	data, etag := b.raw, b.etag
	if acceptsGzip(r) {
		if gz := b.gzipped(); gz != nil {
			data, etag = gz, strings.TrimSuffix(b.etag, `"`)+`-gz"`
			hdr.Set("Content-Encoding", "gzip")
		}
	}
	if status == http.StatusOK && notModified(w, r, etag) {
		return
	}
	hdr.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(data)
	}
}

// acceptsGzip reports whether Accept-Encoding allows gzip (q > 0).
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		coding = strings.ToLower(strings.TrimSpace(coding))
		if coding != "gzip" && coding != "*" {
			continue
		}
		if q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q="); ok {
			if f, err := strconv.ParseFloat(q, 64); err == nil && f == 0 {
				continue
			}
		}
		return true
	}
	return false
}

// addVary adds a header name to Vary, keeping those already there.
func addVary(hdr http.Header, name string) {
	for _, v := range hdr.Values("Vary") {
		for _, n := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(n), name) {
				return
			}
		}
	}
	hdr.Add("Vary", name)
}
