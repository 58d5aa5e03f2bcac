package web

import (
	"html/template"
	"testing"

	"github.com/techconf/techconf/conference"
)

// TestLangOf: a text's language is read from its script, against the
// page's language and the edition's languages.
func TestLangOf(t *testing.T) {
	enJa := &conference.Edition{Languages: []string{"en", "ja"}}
	jaDe := &conference.Edition{Languages: []string{"ja", "de"}}
	for _, c := range []struct {
		ed         *conference.Edition
		page, text string
		attr       template.HTMLAttr
		span       template.HTML
	}{
		{enJa, "ja", "Cloud Spanner", ` lang="en"`, `<span lang="en">Cloud Spanner</span>`},
		{enJa, "ja", "Go 2 ドラフトデザインを読む", "", "Go 2 ドラフトデザインを読む"},
		{enJa, "ja", "田辺 愛子", "", "田辺 愛子"},
		{enJa, "ja", "10:00–10:40", "", "10:00–10:40"},
		{enJa, "en", "日本語", ` lang="ja"`, `<span lang="ja">日本語</span>`},
		{enJa, "en", "Fernleaf Systems", "", "Fernleaf Systems"},
		{enJa, "en", "R&D <team>", "", "R&amp;D &lt;team&gt;"},
		{jaDe, "ja", "Straße", ` lang="de"`, `<span lang="de">Straße</span>`},
	} {
		p := page{Lang: c.page, Edition: c.ed}
		if got := p.LangOf(c.text); got != c.attr {
			t.Errorf("page %s: LangOf(%q) = %q; want %q", c.page, c.text, got, c.attr)
		}
		if got := p.InLang(c.text); got != c.span {
			t.Errorf("page %s: InLang(%q) = %q; want %q", c.page, c.text, got, c.span)
		}
	}
}
