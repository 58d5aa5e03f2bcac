package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/techconf/techconf/conference"
	"github.com/techconf/techconf/schedule"
	"github.com/techconf/techconf/sessionize"
)

// Import formats.
const (
	formatJSON       = "schedule.json"
	formatXML        = "schedule.xml"
	formatSessionize = "sessionize"
)

var importEditionID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// runContentImport reads a programme from pretalx, frab or Sessionize and
// writes it as an edition folder. Nothing is written unless the result
// passes the same check as `content check`.
func runContentImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fset := flag.NewFlagSet("content import", flag.ContinueOnError)
	fset.SetOutput(stderr)
	format := fset.String("format", "", "schedule.json, schedule.xml or sessionize (default: detected)")
	edition := fset.String("edition", "", "the edition id: the folder under DIR and the URL path (required)")
	zone := fset.String("timezone", "", "time zone of the source's local times, e.g. Europe/Berlin: required for sessionize, used by schedule files that name none")
	lang := fset.String("language", "", "language of the source's texts (default: the existing edition's, or en)")
	maxSize := fset.Int64("max-size", 32<<20, "largest SOURCE accepted, in bytes")
	timeout := fset.Duration("timeout", 60*time.Second, "time allowed to download an https SOURCE")
	fset.Usage = func() {
		fmt.Fprintln(fset.Output(), "usage: techconf content import [--format F] --edition ID [--timezone TZ] SOURCE DIR\n\n"+
			"SOURCE is a file or an https URL; DIR is the content folder (the edition goes to DIR/ID).")
		fset.PrintDefaults()
	}
	for _, a := range args {
		if a == "-h" || a == "--help" || a == "-help" {
			fset.SetOutput(stdout) // help asked for is an answer, not an error
		}
	}
	if err := fset.Parse(args); err != nil {
		return err
	}
	if fset.NArg() != 2 {
		return usagef("want SOURCE and DIR (see --help)")
	}
	if !importEditionID.MatchString(*edition) {
		return usagef("--edition: %q must be 1 to 32 letters, digits, '-' or '_' (it becomes a URL path)", *edition)
	}
	switch *format {
	case "", formatJSON, formatXML, formatSessionize:
	default:
		return usagef("--format: %q is not schedule.json, schedule.xml or sessionize", *format)
	}
	source, dir := fset.Arg(0), fset.Arg(1)

	data, err := readSource(ctx, source, *maxSize, *timeout)
	if err != nil {
		return err
	}
	if *format == "" {
		if *format, err = detectFormat(data); err != nil {
			return fmt.Errorf("%s: %w", source, err)
		}
	}
	var prog *schedule.Programme
	var notes []string
	switch *format {
	case formatJSON:
		prog, err = schedule.ReadJSON(data)
	case formatXML:
		prog, err = schedule.ReadXML(data, *zone)
	case formatSessionize:
		prog, notes, err = sessionize.Read(data, *zone)
	}
	if err != nil {
		return fmt.Errorf("%s (%s): %w", source, *format, err)
	}
	if *zone != "" && *format != formatSessionize && prog.TimeZone == "" {
		if err := setZone(prog, *zone); err != nil {
			return err
		}
	}

	existing, warn := existingEdition(dir, *edition)
	if warn != "" {
		notes = append(notes, warn)
	}
	ed, report, err := prog.Edition(schedule.ImportOptions{EditionID: *edition, Lang: *lang, Existing: existing})
	if err != nil {
		return err
	}
	files, err := conference.Files(ed)
	if err != nil {
		return err
	}
	if existing != nil && slicesEqual(existing.Languages, ed.Languages) {
		// Exhibitions and news are in no schedule format: keep them.
		for _, name := range []string{"exhibitions.yaml", "news.yaml"} {
			if b, err := os.ReadFile(filepath.Join(dir, *edition, name)); err == nil {
				files[name] = b
			}
		}
	} else if existing != nil {
		notes = append(notes, "exhibitions.yaml and news.yaml were not kept: the edition's languages changed")
	}
	if err := writeEdition(dir, *edition, files, stderr); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: imported %d sessions, %d speakers, %d rooms, %d slides, %d recordings into %s\n",
		source, len(ed.Sessions), len(ed.Speakers), len(ed.Rooms), len(ed.Slides), len(ed.Movies), filepath.Join(dir, *edition))
	all := append(notes, report...)
	if len(all) > 0 {
		fmt.Fprintf(stdout, "not mapped (%d):\n", len(all))
		for _, line := range all {
			fmt.Fprintln(stdout, "  "+line)
		}
	}
	return nil
}

func slicesEqual(a, b []string) bool {
	return strings.Join(a, "\x00") == strings.Join(b, "\x00")
}

// setZone gives a programme without a time zone the one from --timezone.
func setZone(p *schedule.Programme, zone string) error {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return usagef("--timezone: unknown time zone %q", zone)
	}
	p.TimeZone, p.Location = zone, loc
	for _, ev := range p.Events {
		ev.Start = ev.Start.In(loc)
	}
	return nil
}

// importClient downloads https sources; it follows redirects to https
// only. Tests swap it for one that trusts their server.
var importClient = &http.Client{CheckRedirect: httpsOnly}

func httpsOnly(req *http.Request, via []*http.Request) error {
	if req.URL.Scheme != "https" {
		return fmt.Errorf("redirect to %s refused: only https", req.URL)
	}
	if len(via) >= 5 {
		return errors.New("too many redirects")
	}
	return nil
}

// readSource reads a file or an https URL, refusing anything larger than
// max bytes and downloads slower than timeout.
func readSource(ctx context.Context, source string, max int64, timeout time.Duration) ([]byte, error) {
	var r io.Reader
	switch {
	case strings.HasPrefix(source, "https://"):
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, source, nil)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", source, err)
		}
		req.Header.Set("Accept", "application/json, application/xml;q=0.9, */*;q=0.1")
		resp, err := importClient.Do(req)
		if err != nil {
			return nil, fmt.Errorf("download %s: %w", source, err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("download %s: status %s", source, resp.Status)
		}
		r = resp.Body
	case strings.Contains(source, "://"):
		return nil, usagef("SOURCE: %q: only https URLs and files are read", source)
	default:
		f, err := os.Open(source)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", source, err)
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s is larger than --max-size %d bytes", source, max)
	}
	return data, nil
}

// detectFormat tells the formats apart by their first bytes and keys.
func detectFormat(data []byte) (string, error) {
	trimmed := bytes.TrimLeft(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), " \t\r\n")
	switch {
	case bytes.HasPrefix(trimmed, []byte("<")):
		return formatXML, nil
	case bytes.HasPrefix(trimmed, []byte("{")) && sessionize.Looks(trimmed):
		return formatSessionize, nil
	case bytes.HasPrefix(trimmed, []byte("{")):
		return formatJSON, nil
	}
	return "", errors.New("cannot tell the format (not XML, not JSON); give --format")
}

// onlyEdition shows one edition folder of a content folder, so that an
// edition is loaded and checked on its own.
type onlyEdition struct {
	fs.FS
	id string
}

func (o onlyEdition) ReadDir(name string) ([]fs.DirEntry, error) {
	entries, err := fs.ReadDir(o.FS, name)
	if err != nil || name != "." {
		return entries, err
	}
	var out []fs.DirEntry
	for _, e := range entries {
		if e.Name() == o.id {
			out = append(out, e)
		}
	}
	return out, nil
}

// existingEdition loads DIR/ID when it is there, so that a re-import keeps
// what no schedule format carries (venue, tagline, about, language).
func existingEdition(dir, id string) (*conference.Edition, string) {
	if _, err := os.Stat(filepath.Join(dir, id, "edition.yaml")); err != nil {
		return nil, ""
	}
	c, err := conference.Load(onlyEdition{os.DirFS(dir), id})
	if err != nil {
		return nil, fmt.Sprintf("the existing %s does not load (%v); its venue and texts were not kept", filepath.Join(dir, id), firstLine(err.Error()))
	}
	return c.Edition(id), ""
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}

// writeEdition writes the files into a temporary folder beside DIR/ID,
// checks them as `content check` would, and only then puts the folder in
// place: a failed import leaves DIR as it was.
func writeEdition(dir, id string, files map[string][]byte, stderr io.Writer) (err error) {
	created := false
	if _, statErr := os.Stat(dir); errors.Is(statErr, fs.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		created = true
	}
	tmp, err := os.MkdirTemp(dir, "."+id+".import-")
	if err != nil {
		return err
	}
	defer func() {
		os.RemoveAll(tmp)
		if err != nil && created {
			os.Remove(dir)
		}
	}()
	if err := os.Mkdir(filepath.Join(tmp, id), 0o755); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := os.WriteFile(filepath.Join(tmp, id, name), files[name], 0o644); err != nil {
			return err
		}
	}
	if _, err := conference.Load(onlyEdition{os.DirFS(tmp), id}); err != nil {
		var cerr *conference.ContentError
		if errors.As(err, &cerr) {
			for _, p := range cerr.Problems {
				fmt.Fprintln(stderr, p.String())
			}
			return fmt.Errorf("the imported edition has %d problem(s); nothing was written", len(cerr.Problems))
		}
		return err
	}
	target, previous := filepath.Join(dir, id), filepath.Join(tmp, ".previous") // no edition id starts with a dot
	moved := false
	if _, err := os.Stat(target); err == nil {
		if err := os.Rename(target, previous); err != nil {
			return err
		}
		moved = true
	}
	if err := os.Rename(filepath.Join(tmp, id), target); err != nil {
		if moved {
			_ = os.Rename(previous, target) // put the old edition back
		}
		return err
	}
	return nil
}
