package conference

import (
	"regexp"
	"strings"

	"golang.org/x/text/language"
)

// DefaultLanguages are the languages of an edition whose edition.yaml
// declares none: every edition before languages could be declared was
// written in English and Japanese, and must keep loading unchanged.
var DefaultLanguages = []string{LangEnglish, LangJapanese}

// languagePattern accepts ISO 639 language codes (two or three lowercase
// letters). Regions ("pt-BR") are not needed by any content yet and would
// make the YAML keys (titlePtBr) ambiguous.
var languagePattern = regexp.MustCompile(`^[a-z]{2,3}$`)

// ValidLanguage reports whether code is a known ISO 639 language code in
// its shortest form ("en", not "eng"; "jp" is a country, not a language),
// so that one language has one spelling in the content and in filters.
func ValidLanguage(code string) bool {
	if !languagePattern.MatchString(code) {
		return false
	}
	base, err := language.ParseBase(code)
	return err == nil && base.String() == code
}

// LanguageSuffix is how a language is spelled at the end of a YAML key:
// "ja" gives "Ja", so the Japanese title is titleJa.
func LanguageSuffix(lang string) string {
	if lang == "" {
		return ""
	}
	return strings.ToUpper(lang[:1]) + lang[1:]
}

// Text is one text of the content in each of its edition's languages. The
// loader guarantees that a non-empty Text has every language of its edition
// and no other, so In falls back to the default only for languages the
// edition does not declare.
type Text struct {
	def    string            // the edition's default language
	byLang map[string]string // language code -> text
}

// NewText returns a text with the given default language and translations.
// Empty strings are dropped, so a text in no language is the zero Text.
func NewText(defaultLang string, byLang map[string]string) Text {
	t := Text{def: defaultLang}
	for lang, s := range byLang {
		if s == "" {
			continue
		}
		if t.byLang == nil {
			t.byLang = make(map[string]string, len(byLang))
		}
		t.byLang[lang] = s
	}
	return t
}

// In returns the text in lang, or in the default language when it has no
// text in lang: a page or an API field asked for a language the edition
// does not declare shows the default rather than nothing.
func (t Text) In(lang string) string {
	if s, ok := t.byLang[lang]; ok {
		return s
	}
	return t.byLang[t.def]
}

// Default returns the text in the edition's default language.
func (t Text) Default() string { return t.byLang[t.def] }

// Has reports whether the text exists in lang itself (no fallback).
func (t Text) Has(lang string) bool {
	_, ok := t.byLang[lang]
	return ok
}

// IsZero reports whether the text is empty in every language.
func (t Text) IsZero() bool { return len(t.byLang) == 0 }
