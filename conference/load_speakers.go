package conference

import (
	"fmt"
	"strings"
)

// speakerFile is one item of speakers.yaml.
type speakerFile struct {
	ID        string    `yaml:"id"`
	GUID      string    `yaml:"guid"`
	Name      string    `yaml:"name"`
	Company   string    `yaml:"company"`
	Position  string    `yaml:"position"`
	Profile   string    `yaml:"profile"`
	IconURL   string    `yaml:"iconUrl"`
	TwitterID string    `yaml:"twitterId"`
	GithubID  string    `yaml:"githubId"`
	Other     otherKeys `yaml:",inline"`
}

// speakers reads speakers.yaml; they come first, as sessions refer to them.
func (l *editionLoader) speakers(fsp string, speakers []speakerFile) {
	tx, e := l.tx, l.e
	for i, sf := range speakers {
		item := fmt.Sprintf("speaker %q", sf.ID)
		switch {
		case sf.ID == "":
			item = fmt.Sprintf("speaker #%d", i+1)
			l.problem(fsp, item, "id", "is required")
		case !speakerIDPattern.MatchString(sf.ID):
			l.problem(fsp, item, "id", "must be lowercase letters, digits and '-' (it becomes a URL path)")
		case e.speakerByID[sf.ID] != nil:
			l.problem(fsp, item, "id", "duplicate speaker id")
			continue
		}
		name := tx.text(fsp, item, "name", sf.Name, sf.Other, true)
		position := tx.text(fsp, item, "position", sf.Position, sf.Other, false)
		profile := tx.text(fsp, item, "profile", sf.Profile, sf.Other, false)
		tx.unknown(fsp, item, sf.Other, "name", "position", "profile")
		l.guid(fsp, item, sf.GUID)
		l.url(fsp, item, "iconUrl", sf.IconURL, false)
		if sf.TwitterID != "" && !handlePattern.MatchString(sf.TwitterID) {
			l.problem(fsp, item, "twitterId", "%q is not a handle (letters, digits, '_' or '-', without '@')", sf.TwitterID)
		}
		if sf.GithubID != "" && !handlePattern.MatchString(sf.GithubID) {
			l.problem(fsp, item, "githubId", "%q is not a GitHub user name", sf.GithubID)
		}
		sp := &Speaker{
			ID: sf.ID, GUID: strings.ToLower(sf.GUID), Name: name, Company: sf.Company, Position: position, Profile: profile,
			IconURL: sf.IconURL, TwitterID: sf.TwitterID, GithubID: sf.GithubID,
		}
		e.Speakers = append(e.Speakers, sp)
		if sf.ID != "" {
			e.speakerByID[sf.ID] = sp
		}
	}
}
