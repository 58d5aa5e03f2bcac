package conference

import (
	"bytes"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Files returns the content files of an edition as Load reads them: the
// file name (edition.yaml, sessions.yaml, ...) and its YAML. Imports use it
// to write an edition that organisers then edit by hand, so the YAML keeps
// the order and the shape of the hand-written samples. Exhibitions and news
// are left out: no schedule format carries them.
func Files(e *Edition) (map[string][]byte, error) {
	w := writer{langs: e.Languages}
	files := map[string]*yaml.Node{}

	ed := mapping()
	if !(len(e.Languages) == 2 && e.Languages[0] == LangEnglish && e.Languages[1] == LangJapanese) {
		langs := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
		for _, l := range e.Languages {
			langs.Content = append(langs.Content, str(l))
		}
		ed.Content = append(ed.Content, str("languages"), langs)
	}
	w.text(ed, "name", e.Name)
	w.text(ed, "tagline", e.Tagline)
	w.text(ed, "about", e.About)
	if e.Timezone != "" {
		add(ed, "timezone", e.Timezone)
	}
	days := &yaml.Node{Kind: yaml.SequenceNode}
	for _, d := range e.Days {
		days.Content = append(days.Content, quoted(string(d)))
	}
	ed.Content = append(ed.Content, str("days"), days)
	venue := mapping()
	w.text(venue, "name", e.Venue.Name)
	w.text(venue, "address", e.Venue.Address)
	add(venue, "mapUrl", e.Venue.MapURL)
	w.text(venue, "access", e.Venue.Access)
	ed.Content = append(ed.Content, str("venue"), venue)
	rooms := &yaml.Node{Kind: yaml.SequenceNode}
	for _, r := range e.Rooms {
		m := mapping()
		w.text(m, "name", r.Name)
		add(m, "guid", r.GUID)
		rooms.Content = append(rooms.Content, m)
	}
	ed.Content = append(ed.Content, str("rooms"), rooms)
	files[fileEdition] = ed

	sessions := &yaml.Node{Kind: yaml.SequenceNode}
	for _, s := range sortedSessions(e.Sessions) {
		m := mapping()
		m.Content = append(m.Content, str("id"), str(strconv.Itoa(s.ID)))
		add(m, "guid", s.GUID)
		add(m, "type", s.Type)
		add(m, "place", s.Place)
		m.Content = append(m.Content, str("startTime"), quoted(s.StartTime.Format(time.RFC3339)))
		m.Content = append(m.Content, str("endTime"), quoted(s.EndTime.Format(time.RFC3339)))
		w.text(m, "title", s.Title)
		w.text(m, "outline", s.Outline)
		add(m, "lang", s.Lang)
		m.Content = append(m.Content, str("tags"), flow(s.Tags))
		if len(s.SpeakerIDs) > 0 {
			m.Content = append(m.Content, str("speakers"), flow(s.SpeakerIDs))
		}
		sessions.Content = append(sessions.Content, m)
	}
	files[fileSessions] = sessions

	speakers := &yaml.Node{Kind: yaml.SequenceNode}
	for _, sp := range e.Speakers {
		m := mapping()
		add(m, "id", sp.ID)
		add(m, "guid", sp.GUID)
		w.text(m, "name", sp.Name)
		add(m, "company", sp.Company)
		w.text(m, "position", sp.Position)
		w.text(m, "profile", sp.Profile)
		add(m, "iconUrl", sp.IconURL)
		add(m, "twitterId", sp.TwitterID)
		add(m, "githubId", sp.GithubID)
		speakers.Content = append(speakers.Content, m)
	}
	files[fileSpeakers] = speakers

	slides := &yaml.Node{Kind: yaml.SequenceNode}
	for _, sl := range e.Slides {
		slides.Content = append(slides.Content, attachmentNode(sl.ID, sl.SessionID, sl.SpeakerID, sl.Lang, sl.URL))
	}
	files[fileSlides] = slides

	movies := &yaml.Node{Kind: yaml.SequenceNode}
	for _, mv := range e.Movies {
		movies.Content = append(movies.Content, attachmentNode(mv.ID, mv.SessionID, mv.SpeakerID, "", mv.URL))
	}
	files[fileMovies] = movies

	out := make(map[string][]byte, len(files))
	for name, n := range files {
		var b bytes.Buffer
		if n.Kind == yaml.SequenceNode && len(n.Content) == 0 {
			out[name] = []byte("[]\n")
			continue
		}
		enc := yaml.NewEncoder(&b)
		enc.SetIndent(2)
		if err := enc.Encode(n); err != nil {
			return nil, err
		}
		if err := enc.Close(); err != nil {
			return nil, err
		}
		out[name] = b.Bytes()
	}
	return out, nil
}

func sortedSessions(list []*Session) []*Session {
	out := append([]*Session(nil), list...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

type writer struct{ langs []string }

// text adds a text under its key in every language it has (title,
// titleJa, ...); an empty text adds nothing.
func (w writer) text(m *yaml.Node, field string, t Text) {
	for i, lang := range w.langs {
		s, ok := t.byLang[lang]
		if !ok {
			continue
		}
		key := field
		if i > 0 {
			key += LanguageSuffix(lang)
		}
		v := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
		if strings.Contains(s, "\n") || len(s) > 80 {
			v.Style = yaml.LiteralStyle
			if !strings.HasSuffix(s, "\n") {
				v.Value += "\n"
			}
		}
		m.Content = append(m.Content, str(key), v)
	}
}

func mapping() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode} }

func str(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: s} }

func quoted(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Value: s, Style: yaml.DoubleQuotedStyle}
}

// add adds a plain key and value, unless the value is empty.
// attachmentNode is an item of slides.yaml or movies.yaml, in the order
// the loader's attachmentFile reads it; lang is empty for a movie, which
// has none.
func attachmentNode(id, session int, speaker, lang, url string) *yaml.Node {
	m := mapping()
	m.Content = append(m.Content, str("id"), str(strconv.Itoa(id)), str("session"), str(strconv.Itoa(session)))
	add(m, "speaker", speaker)
	add(m, "lang", lang)
	add(m, "url", url)
	return m
}

func add(m *yaml.Node, key, value string) {
	if value == "" {
		return
	}
	m.Content = append(m.Content, str(key), &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value})
}

func flow(list []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, s := range list {
		n.Content = append(n.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s})
	}
	return n
}
