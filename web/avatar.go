package web

import (
	"fmt"
	"hash/fnv"
	"html/template"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/techconf/techconf/conference"
)

// avatarSVG draws a speaker's icon from their id: a colour and a pattern
// picked by a hash of the id, with the initials of their name on top. The
// same id always gives the same picture, and no image leaves the server.
// This is the standalone file (/{edition}/avatars/{id}.svg, the API's
// avatar URL); the pages draw the same picture inline (page.Avatar).
func avatarSVG(id, name string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 128 128" width="128" height="128" role="img" aria-label="%s">`, xmlEscape(name))
	drawAvatar(&b, id, name)
	return []byte(b.String())
}

// Avatar is a speaker's avatar as markup in the page, size px square and
// hidden from assistive technology (the name is next to it), with the
// lang of its initials when they are not in the page's language. An <img>
// of the SVG file made Chromium build a document of its own for the
// picture on the page's main thread, a task as long as the page's layout.
func (p page) Avatar(sp *conference.Speaker, size int) template.HTML {
	name := sp.Name.Default()
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="avatar" viewBox="0 0 128 128" width="%d" height="%d" aria-hidden="true" focusable="false"%s>`, size, size, p.LangOf(initials(name)))
	drawAvatar(&b, sp.ID, name)
	return template.HTML(b.String()) // built from numbers and escaped text only
}

// drawAvatar writes the picture's shapes and the closing tag.
func drawAvatar(b *strings.Builder, id, name string) {
	h := fnv.New64a()
	h.Write([]byte(id))
	sum := h.Sum64()
	hue := sum % 360
	hue2 := (hue + 40 + (sum>>9)%80) % 360
	fmt.Fprintf(b, `<rect width="128" height="128" fill="hsl(%d,55%%,38%%)"/>`, hue)
	// A 4x4 symmetric pattern of circles, mirrored left to right.
	for row := 0; row < 4; row++ {
		for col := 0; col < 2; col++ {
			bit := (sum >> (16 + row*2 + col)) & 1
			if bit == 0 {
				continue
			}
			for _, c := range []int{col, 3 - col} {
				fmt.Fprintf(b, `<circle cx="%d" cy="%d" r="13" fill="hsl(%d,60%%,55%%)" opacity="0.55"/>`, 16+c*32, 16+row*32, hue2)
			}
		}
	}
	fmt.Fprintf(b, `<text x="64" y="64" dy="0.35em" text-anchor="middle" font-family="system-ui,sans-serif" font-size="48" font-weight="700" fill="#fff">%s</text>`, xmlEscape(initials(name)))
	b.WriteString(`</svg>`)
}

// initials returns up to two capital letters from a name ("Aiko Tanabe" ->
// "AT"); a name with no letters gives "?".
func initials(name string) string {
	var out []rune
	for _, w := range strings.Fields(name) {
		r, _ := utf8.DecodeRuneInString(w)
		if unicode.IsLetter(r) {
			out = append(out, unicode.ToUpper(r))
		}
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return string(out)
}

func xmlEscape(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;")
	return r.Replace(s)
}
