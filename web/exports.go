package web

import (
	"bytes"
	"html/template"
	"net/http"
	"strings"

	"github.com/techconf/techconf/conference"
	"github.com/techconf/techconf/schedule"
)

// feedRefresh is how often calendar apps and schedule apps should fetch a
// feed again: often enough to follow changes on the day, rarely enough to
// cost nothing.
const feedRefresh = "PT1H"

// scheduleExport answers /{edition}/schedule.xml and schedule.json, the
// feeds conference apps (Giggity, EventFahrplan, ConfClerk) read. ?lang=
// picks the language of the texts (default: the edition's default).
func (h *Handler) scheduleExport(w http.ResponseWriter, r *http.Request) {
	ed := h.catalog.Edition(r.PathValue("edition"))
	format := strings.TrimPrefix(r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:], "schedule.")
	if ed == nil {
		h.notFound(w, r, ed)
		return
	}
	lang := r.URL.Query().Get("lang")
	if lang != "" && !ed.HasLanguage(lang) {
		http.Error(w, "lang: "+ed.ID+" is in "+strings.Join(ed.Languages, ", "), http.StatusBadRequest)
		return
	}
	base := h.baseURL(r)
	key := strings.Join([]string{"export", format, ed.ID, lang, base}, "\x00")
	page, ok := h.cache.Get(key)
	if !ok {
		p := schedule.FromEdition(ed, schedule.Options{BaseURL: base, Lang: lang})
		var buf bytes.Buffer
		url := base + r.URL.Path
		var err error
		if format == "xml" {
			err = p.WriteXML(&buf, url)
		} else {
			err = p.WriteJSON(&buf, url)
		}
		if err != nil {
			h.logger.ErrorContext(r.Context(), "export schedule", "format", format, "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		page = newBody(buf.Bytes())
		h.cache.Add(key, page)
	}
	hdr := w.Header()
	if format == "xml" {
		hdr.Set("Content-Type", "application/xml; charset=utf-8")
	} else {
		hdr.Set("Content-Type", "application/json; charset=utf-8")
	}
	hdr.Set("Access-Control-Allow-Origin", "*")
	hdr.Set("Cache-Control", "public, max-age=300")
	page.write(w, r, http.StatusOK)
}

// Webcal is the webcal:// twin of an absolute http(s) URL: calendar apps
// subscribe to it (and follow changes) instead of importing a copy.
func webcal(url string) string {
	if rest, ok := strings.CutPrefix(url, "https://"); ok {
		return "webcal://" + rest
	}
	return "webcal://" + strings.TrimPrefix(url, "http://")
}

// Feeds are the absolute URLs of an edition's feeds, for the pages' links.
type feeds struct {
	ICS, XML, JSON string
	// Webcal is trusted as a URL: html/template would refuse the webcal
	// scheme, which is ours and safe.
	Webcal template.URL
}

func editionFeeds(base string, ed *conference.Edition) feeds {
	prefix := base + "/" + ed.ID + "/schedule."
	return feeds{ICS: prefix + "ics", Webcal: template.URL(webcal(prefix + "ics")), XML: prefix + "xml", JSON: prefix + "json"}
}
