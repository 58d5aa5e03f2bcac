package web

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"net/http"
)

// The site's icons, drawn when the server starts: a sun over the bay, as
// in the landing page's artwork. Browsers ask for /favicon.ico whatever
// the page says, iOS for /apple-touch-icon.png, and the web app manifest
// wants 192 and 512 px icons for installing the site.

var (
	iconNavy  = color.RGBA{0x0d, 0x22, 0x36, 0xff}
	iconSun   = color.RGBA{0xff, 0xd2, 0x7a, 0xff}
	iconWater = color.RGBA{0x0b, 0x5c, 0xad, 0xff}
)

// drawIcon draws the icon at size x size pixels, with the motif inside the
// middle 80% so that it survives a maskable icon's crop.
func drawIcon(size int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, size, size))
	f := float64(size)
	cx, cy, r := f*0.5, f*0.44, f*0.2
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			px, py := float64(x)+0.5, float64(y)+0.5
			c := iconNavy
			if (px-cx)*(px-cx)+(py-cy)*(py-cy) <= r*r {
				c = iconSun
			}
			if py > f*0.68 {
				c = iconWater
			}
			img.SetRGBA(x, y, c)
		}
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img) // writing to memory does not fail
	return buf.Bytes()
}

// icoOf wraps a PNG in an ICO container, which every browser reads.
func icoOf(pngData []byte, size int) []byte {
	var buf bytes.Buffer
	le := binary.LittleEndian
	_ = binary.Write(&buf, le, [3]uint16{0, 1, 1}) // reserved, type icon, one image
	buf.Write([]byte{byte(size), byte(size), 0, 0})
	_ = binary.Write(&buf, le, [2]uint16{1, 32})                        // planes, bits per pixel
	_ = binary.Write(&buf, le, [2]uint32{uint32(len(pngData)), 6 + 16}) // size, offset
	buf.Write(pngData)
	return buf.Bytes()
}

// iconSVG is the same icon as a vector, still served at /icon.svg for links
// made to it; the pages and the manifest no longer name it (see
// Handler.manifest: drawing it cost every page load CPU on its main thread).
const iconSVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100"><rect width="100" height="100" fill="#0d2236"/>` +
	`<circle cx="50" cy="44" r="20" fill="#ffd27a"/><rect y="68" width="100" height="32" fill="#0b5cad"/></svg>`

// siteIcons are the icons served at the site's root.
type siteIcons map[string]struct {
	contentType string
	body        *body
}

func newSiteIcons() siteIcons {
	return siteIcons{
		"/favicon.ico":          {"image/x-icon", newBody(icoOf(drawIcon(32), 32))},
		"/apple-touch-icon.png": {"image/png", newBody(drawIcon(180))},
		"/icon-192.png":         {"image/png", newBody(drawIcon(192))},
		"/icon-512.png":         {"image/png", newBody(drawIcon(512))},
		"/icon.svg":             {"image/svg+xml", newBody([]byte(iconSVG))},
	}
}

func (icons siteIcons) serve(w http.ResponseWriter, r *http.Request) {
	icon := icons[r.URL.Path]
	w.Header().Set("Content-Type", icon.contentType)
	w.Header().Set("Cache-Control", "public, max-age=86400")
	icon.body.write(w, r, http.StatusOK)
}
