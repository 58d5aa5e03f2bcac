package deploy_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"text/template"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/techconf/techconf/conference"
	"github.com/techconf/techconf/content"
)

// scrapedMetrics are the metric families of a real server's /metrics, with
// the label names and values seen on each.
type scrapedMetrics map[string]map[string]map[string]bool // metric -> label -> values

// scrapeAfterLikes starts the api Deployment of the prod overlay, likes a
// session until the rate limit refuses a like (so that the counters with
// labels have a series), and scrapes /metrics.
func scrapeAfterLikes(t *testing.T) scrapedMetrics {
	t.Helper()
	m := render(t, "overlays/prod")
	var s *server
	for name, d := range m.Deployments {
		c := container(t, d.Spec.Template.Spec, name)
		if m.role(t, d) == "api" {
			s = startAsManifest(t, m, c, "Deployment/"+name, "--like-rate-limit=1", "--like-rate-burst=100")
		}
	}
	if s == nil {
		t.Fatal("no api Deployment in overlays/prod")
	}
	catalog, err := conference.Load(content.Sample())
	if err != nil {
		t.Fatal(err)
	}
	ed := catalog.Newest()
	like := fmt.Sprintf(`mutation { createLike(input: {uuid: "6c1f3a9e-8d2b-4f7a-9e0c-2b5d8a1f4c3e", sessionId: %d, count: 100}) { count } }`, ed.Sessions[0].ID)
	for i, want := range []string{`"count":100`, "RATE_LIMITED"} {
		if code, body := s.post(t, "/"+ed.ID+"/api/query", like); code != http.StatusOK || !strings.Contains(body, want) {
			t.Fatalf("createLike #%d = %d %s; want 200 and %s", i+1, code, body, want)
		}
	}
	resp, err := noRedirect.Get(s.admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	tp := expfmt.NewTextParser(model.UTF8Validation)
	families, err := tp.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics: %v", err)
	}
	out := scrapedMetrics{}
	add := func(name string, labels map[string]string) {
		if out[name] == nil {
			out[name] = map[string]map[string]bool{}
		}
		for k, v := range labels {
			if out[name][k] == nil {
				out[name][k] = map[string]bool{}
			}
			out[name][k][v] = true
		}
	}
	for name, f := range families {
		for _, metric := range f.Metric {
			labels := map[string]string{}
			for _, l := range metric.Label {
				labels[l.GetName()] = l.GetValue()
			}
			add(name, labels)
			if metric.Histogram != nil {
				add(name+"_sum", labels)
				add(name+"_count", labels)
				labels["le"] = ""
				add(name+"_bucket", labels)
			}
		}
	}
	return out
}

// prometheusSeries are series that Prometheus makes itself for every
// scrape target, with the labels it gives them.
var prometheusSeries = map[string][]string{"up": {"job", "instance", "pod", "namespace"}}

var severities = map[string]bool{"page": true, "ticket": true}

// templateFuncs are the functions Prometheus offers alert templates; the
// test only parses the templates, so they do nothing here.
var templateFuncs = template.FuncMap{}

func init() {
	for _, name := range []string{"humanize", "humanize1024", "humanizeDuration", "humanizePercentage",
		"humanizeTimestamp", "query", "first", "label", "value", "strvalue", "args", "reReplaceAll",
		"safeHtml", "match", "title", "toUpper", "toLower", "graphLink", "tableLink", "sortByLabel",
		"stripPort", "stripDomain", "parseDuration", "externalURL", "pathPrefix", "toTime", "toDuration", "now"} {
		templateFuncs[name] = func(...any) any { return nil }
	}
}

// docAnchors are the GitHub anchors of docs/operations.md's headings.
func docAnchors(t *testing.T) map[string]bool {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "docs", "operations.md"))
	if err != nil {
		t.Fatalf("the runbooks: %v", err)
	}
	anchors := map[string]bool{}
	punct := regexp.MustCompile(`[^\p{L}\p{N} _-]`)
	for _, line := range strings.Split(string(data), "\n") {
		if h := strings.TrimLeft(line, "#"); h != line && strings.HasPrefix(h, " ") {
			a := strings.ReplaceAll(punct.ReplaceAllString(strings.ToLower(strings.TrimSpace(h)), ""), " ", "-")
			anchors[a] = true
		}
	}
	return anchors
}

func TestAlertRules(t *testing.T) {
	scraped := scrapeAfterLikes(t)
	anchors := docAnchors(t)
	serve, _ := flagsOf(t)
	m := render(t, "overlays/prod")
	if len(m.Rules) == 0 {
		t.Fatal("no alert rules among the manifests")
	}
	alerts := map[string]parser.Expr{}
	for _, r := range m.Rules {
		for _, g := range r.Spec.Groups {
			if g.Name == "" || len(g.Rules) == 0 {
				t.Errorf("Rules/%s: group %q has no name or no rules", r.Name, g.Name)
			}
			if _, err := model.ParseDuration(g.Interval); g.Interval != "" && err != nil {
				t.Errorf("group %s: interval %q: %v", g.Name, g.Interval, err)
			}
			for _, rule := range g.Rules {
				name := rule.Alert
				if (rule.Alert == "") == (rule.Record == "") {
					t.Errorf("group %s: a rule names %q as alert and %q as record; want exactly one", g.Name, rule.Alert, rule.Record)
					continue
				}
				if name == "" {
					name = rule.Record
				}
				expr, err := parser.ParseExpr(rule.Expr)
				if err != nil {
					t.Errorf("%s: expr is not valid PromQL: %v\n%s", name, err, rule.Expr)
					continue
				}
				alerts[name] = expr
				checkSelectors(t, name, expr, scraped)
				if rule.Record != "" {
					continue
				}
				if _, err := model.ParseDuration(rule.For); rule.For != "" && err != nil {
					t.Errorf("%s: for %q: %v", name, rule.For, err)
				}
				if !severities[rule.Labels["severity"]] {
					t.Errorf("%s: severity %q; want page or ticket", name, rule.Labels["severity"])
				}
				for _, key := range []string{"summary", "description", "runbook_url"} {
					text := rule.Annotations[key]
					if text == "" {
						t.Errorf("%s: no %s annotation", name, key)
						continue
					}
					// Prometheus defines these variables before the text.
					full := "{{$labels := .Labels}}{{$externalLabels := .ExternalLabels}}{{$value := .Value}}" + text
					if _, err := template.New(name).Funcs(templateFuncs).Parse(full); err != nil {
						t.Errorf("%s: %s is not a valid template: %v", name, key, err)
					}
				}
				if _, anchor, ok := strings.Cut(rule.Annotations["runbook_url"], "docs/operations.md#"); !ok || !anchors[anchor] {
					t.Errorf("%s: runbook_url %q; want a heading of docs/operations.md", name, rule.Annotations["runbook_url"])
				}
			}
		}
	}

	// What an operator must wake up for is there.
	for _, metric := range []string{"techconf_like_buffer_depth", "techconf_like_flush_errors_total", "techconf_http_requests_total"} {
		found := false
		for _, expr := range alerts {
			parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
				if vs, ok := n.(*parser.VectorSelector); ok && vs.Name == metric {
					found = true
				}
				return nil
			})
		}
		if !found {
			t.Errorf("no alert watches %s", metric)
		}
	}

	// The buffer alert fires before the buffer is full.
	for name, d := range m.Deployments {
		if m.role(t, d) != "api" {
			continue
		}
		size, err := strconv.ParseFloat(m.process(t, container(t, d.Spec.Template.Spec, name), name).value(serve, "like-buffer-size"), 64)
		if err != nil {
			t.Fatal(err)
		}
		threshold := comparedNumber(alerts["TechconfLikeBufferFilling"])
		if threshold <= 0 || threshold >= size {
			t.Errorf("TechconfLikeBufferFilling fires above %v; want a threshold between 0 and --like-buffer-size (%v) of Deployment/%s", threshold, size, name)
		}
	}
}

// checkSelectors checks that each series an expression selects exists on
// a real server: its metric name, its label names, and the routes it
// names.
func checkSelectors(t *testing.T, alert string, expr parser.Expr, scraped scrapedMetrics) {
	t.Helper()
	parser.Inspect(expr, func(n parser.Node, _ []parser.Node) error {
		vs, ok := n.(*parser.VectorSelector)
		if !ok {
			return nil
		}
		if synthetic, ok := prometheusSeries[vs.Name]; ok {
			for _, lm := range vs.LabelMatchers {
				if lm.Name != model.MetricNameLabel && !contains(synthetic, lm.Name) {
					t.Errorf("%s: %s has no label %s", alert, vs.Name, lm.Name)
				}
			}
			return nil
		}
		labels, ok := scraped[vs.Name]
		if !ok {
			t.Errorf("%s: metric %s is not in the server's /metrics", alert, vs.Name)
			return nil
		}
		for _, lm := range vs.LabelMatchers {
			if lm.Name == model.MetricNameLabel {
				continue
			}
			values, ok := labels[lm.Name]
			if !ok {
				t.Errorf("%s: %s has no label %s in the server's /metrics", alert, vs.Name, lm.Name)
				continue
			}
			// Routes are the server's patterns: a renamed one would
			// silence the alert.
			if lm.Name == "route" && lm.Type.String() == "=" && !values[lm.Value] {
				t.Errorf("%s: %s{route=%q} never appears; routes seen: %v", alert, vs.Name, lm.Value, keys(values))
			}
		}
		return nil
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// comparedNumber returns the number an expression compares against
// (the 50000 of `x > 50000`), or 0.
func comparedNumber(expr parser.Expr) float64 {
	var n float64
	parser.Inspect(expr, func(node parser.Node, _ []parser.Node) error {
		if b, ok := node.(*parser.BinaryExpr); ok && b.Op.IsComparisonOperator() {
			if lit, ok := b.RHS.(*parser.NumberLiteral); ok {
				n = lit.Val
			}
		}
		return nil
	})
	return n
}
