package conference

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// languageNames name the common languages in problems; other codes are
// shown as they are.
var languageNames = map[string]string{
	"en": "English", "ja": "Japanese", "de": "German", "fr": "French", "es": "Spanish",
	"it": "Italian", "nl": "Dutch", "pt": "Portuguese", "zh": "Chinese", "ko": "Korean",
}

func languageName(lang string) string {
	if n, ok := languageNames[lang]; ok {
		return n
	}
	return fmt.Sprintf("%q", lang)
}

// languages checks an edition's declared languages. Without a declaration
// the edition is in DefaultLanguages, as every edition was before.
func (l *loader) languages(file string, declared []string) []string {
	if declared == nil {
		return DefaultLanguages
	}
	var out []string
	seen := map[string]bool{}
	for i, lang := range declared {
		switch {
		case !ValidLanguage(lang):
			l.problem(file, fmt.Sprintf("language %d", i+1), "languages", "%q is not a language code (two or three lowercase letters, such as en, ja or de)", lang)
		case seen[lang]:
			l.problem(file, fmt.Sprintf("language %d", i+1), "languages", "%q is listed twice", lang)
		default:
			seen[lang] = true
			out = append(out, lang)
		}
	}
	if len(declared) == 0 {
		l.problem(file, "", "languages", "at least one language is required (the first is the default)")
	}
	if len(out) == 0 {
		return DefaultLanguages // keep checking the rest with something
	}
	return out
}

// texts reads the texts of an edition's items: the plain key (title) holds
// the default language, and the key with a language suffix (titleJa,
// titleDe) each other declared language.
type texts struct {
	l     *loader
	langs []string
}

// key is the YAML key of field in lang.
func (t texts) key(field, lang string) string {
	if lang == t.langs[0] {
		return field
	}
	return field + LanguageSuffix(lang)
}

// text collects one text in every language and checks it: present in all
// of them, or (when not required) in none. The keys it reads are removed
// from other, so that what remains is unknown.
func (t texts) text(file, item, field, def string, other otherKeys, required bool) Text {
	byLang := map[string]string{t.langs[0]: strings.TrimSpace(def)}
	for _, lang := range t.langs[1:] {
		key := t.key(field, lang)
		n, ok := other[key]
		if !ok {
			continue
		}
		delete(other, key)
		var s string
		if n.Kind != yaml.ScalarNode || n.Decode(&s) != nil {
			t.l.problem(file, item, key, "line %d: must be a text", n.Line)
			continue
		}
		byLang[lang] = strings.TrimSpace(s)
	}
	var present []string
	for _, lang := range t.langs {
		if byLang[lang] != "" {
			present = append(present, lang)
		}
	}
	if len(present) == 0 {
		if required {
			parts := make([]string, len(t.langs))
			for i, lang := range t.langs {
				parts[i] = fmt.Sprintf("%s (%s)", languageName(lang), t.key(field, lang))
			}
			t.l.problem(file, item, field, "is required, in %s", joinAnd(parts))
		}
		return Text{}
	}
	for _, lang := range t.langs {
		if byLang[lang] == "" {
			t.l.problem(file, item, t.key(field, lang), "the %s text is missing (%s is set)", languageName(lang), t.key(field, present[0]))
		}
	}
	return NewText(t.langs[0], byLang)
}

func joinAnd(parts []string) string {
	if len(parts) <= 1 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// suffixedKey splits a key such as titleDe into its field and language.
var suffixedKey = regexp.MustCompile(`^([a-z][A-Za-z]*?)([A-Z][a-z]{1,2})$`)

// unknown reports the keys of an item that no field took: a text in a
// language the edition does not declare, or a typo.
func (t texts) unknown(file, item string, other otherKeys, textFields ...string) {
	keys := make([]string, 0, len(other))
	for k := range other {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		n := other[k]
		if m := suffixedKey.FindStringSubmatch(k); m != nil && containsString(textFields, m[1]) {
			lang := strings.ToLower(m[2])
			if lang == t.langs[0] {
				t.l.problem(file, item, k, "line %d: %s is the default language of this edition: its text is %s", n.Line, languageName(lang), m[1])
			} else {
				t.l.problem(file, item, k, "line %d: %s is not one of this edition's languages (%s in edition.yaml)", n.Line, languageName(lang), strings.Join(t.langs, ", "))
			}
			continue
		}
		where := ""
		if item != "" {
			where = " (" + item + ")"
		}
		t.l.problem(file, "", "", "line %d: unknown key %q (a typo?)%s", n.Line, k, where)
	}
}
