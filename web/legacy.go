package web

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
)

// legacyRedirect sends a 2018 page URL to today's page for good (301):
// /2018/session/12 (the 2018 web's talk page, and the share links of the
// 2018 app) to /2018/sessions/12, /2018/speaker/ID to /2018/speakers/ID.
//
// The id may also be what an app put in a link: a global id
// ("Session:12"), or the opaque form the API handed out for a while
// (base64 of "Session:2018:12"), which names its own edition.
func (h *Handler) legacyRedirect(kind, typ string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		edition, id := r.PathValue("edition"), r.PathValue("id")
		id = strings.TrimPrefix(id, typ+":")
		if raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(id, "=")); err == nil {
			if parts := strings.SplitN(string(raw), ":", 3); len(parts) == 3 && parts[0] == typ && parts[1] != "" && parts[2] != "" {
				edition, id = parts[1], parts[2]
			}
		}
		target := "/" + url.PathEscape(edition) + "/" + kind + "/" + url.PathEscape(id)
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, target, http.StatusMovedPermanently)
	}
}
