package web

import (
	"html/template"
	"unicode"
)

// Texts in another language than the page's carry a lang attribute of
// their own, so that screen readers switch voice and browsers pick the
// right font (a Japanese font draws English words poorly, and the reverse).
// Content comes in the page's language where it is translated, but tags,
// companies, booth names, file names and untranslated titles are shown as
// written. Their language is read from their script: kana or kanji make a
// text Japanese; a Latin letter without either makes it the edition's
// other language (English in the sample).

// LangOf is a lang attribute for an element that holds s, or nothing when
// s is in the page's language (or has no letters: times, numbers).
func (p page) LangOf(s string) template.HTMLAttr {
	if l := p.langOf(s); l != "" {
		return template.HTMLAttr(` lang="` + template.HTMLEscapeString(l) + `"`)
	}
	return ""
}

// InLang is s, escaped, in a span with its own lang when s is not in the
// page's language: for a name or a term inside a sentence.
func (p page) InLang(s string) template.HTML {
	esc := template.HTMLEscapeString(s)
	if l := p.langOf(s); l != "" {
		return template.HTML(`<span lang="` + template.HTMLEscapeString(l) + `">` + esc + `</span>`)
	}
	return template.HTML(esc)
}

// langOf is the language of s when it differs from the page's, else "".
func (p page) langOf(s string) string {
	japanese, latin := false, false
	for _, r := range s {
		switch {
		case unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han):
			japanese = true
		case unicode.Is(unicode.Latin, r):
			latin = true
		}
	}
	switch {
	case japanese && p.Lang != "ja":
		return "ja"
	case !japanese && latin && p.Lang == "ja":
		for _, l := range p.Languages() {
			if l != "ja" {
				return l
			}
		}
		return "en"
	}
	return ""
}
