package deploy_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

const workflowFile = ".github/workflows/ci.yaml"

// workflow is the part of the GitHub Actions workflow this test reads.
type workflow struct {
	Env  map[string]string `json:"env"`
	Jobs map[string]struct {
		Needs any               `json:"needs"`
		If    string            `json:"if"`
		Env   map[string]string `json:"env"`
		Steps []struct {
			Name string            `json:"name"`
			Uses string            `json:"uses"`
			Run  string            `json:"run"`
			With map[string]string `json:"with"`
		} `json:"steps"`
	} `json:"jobs"`
}

func TestWorkflowActionlint(t *testing.T) {
	root := repoRoot(t)
	// The tool is this module's (deploy/go.mod), and actionlint runs at
	// the repository's root, where it finds .github: `go tool -n` builds
	// it here and says where the executable is.
	out, err := exec.Command("go", "tool", "-n", "actionlint").CombinedOutput()
	if err != nil {
		needTool(t, "actionlint is not available as a Go tool (in deploy/: `go get -tool github.com/rhysd/actionlint/cmd/actionlint`): "+err.Error()+"\n"+string(out))
	}
	actionlint := strings.TrimSpace(string(out))
	// actionlint also runs shellcheck over the run: scripts when it is on
	// PATH (Debian package shellcheck).
	cmd := exec.Command(actionlint, "-no-color", workflowFile)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("actionlint %s: %v\n%s", workflowFile, err, out)
	}
}

func TestWorkflowDeploysWhatTheTestsCheck(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), workflowFile))
	if err != nil {
		t.Fatal(err)
	}
	var wf workflow
	if err := yaml.Unmarshal(data, &wf); err != nil {
		t.Fatalf("%s: %v", workflowFile, err)
	}
	test, deploy := wf.Jobs["test"], wf.Jobs["deploy"]
	runs := func(job string) string {
		var all []string
		for _, s := range wf.Jobs[job].Steps {
			all = append(all, s.Run)
		}
		return strings.Join(all, "\n")
	}
	for _, want := range []string{"bash .ci/run", "staticcheck"} {
		if !strings.Contains(runs("test"), want) {
			t.Errorf("job test does not run %q", want)
		}
	}
	for _, s := range test.Steps {
		if strings.HasPrefix(s.Uses, "actions/setup-go@") && s.With["go-version-file"] != "go.mod" {
			t.Errorf("job test: setup-go with %v; want go-version-file: go.mod, the Go the Dockerfile uses", s.With)
		}
	}
	if deploy.Needs != "test" {
		t.Errorf("job deploy needs %v; want test, so that nothing untested ships", deploy.Needs)
	}
	for _, want := range []string{"refs/heads/main", "refs/heads/develop", "push"} {
		if !strings.Contains(deploy.If, want) {
			t.Errorf("job deploy runs if %q; want it limited to pushes to main and develop", deploy.If)
		}
	}
	// main -> prod, develop -> dev, and both overlays exist.
	overlay := deploy.Env["OVERLAY"]
	if overlay != "${{ github.ref == 'refs/heads/main' && 'prod' || 'dev' }}" {
		t.Errorf("job deploy: OVERLAY = %q; want prod for main and dev otherwise", overlay)
	}
	for _, o := range []string{"prod", "dev"} {
		if _, err := os.Stat(filepath.Join("overlays", o, "kustomization.yaml")); err != nil {
			t.Errorf("the workflow deploys overlays/%s: %v", o, err)
		}
	}
	// The image it pushes is the one the overlays name.
	for _, dir := range deployedOverlays {
		for name, d := range render(t, dir).Deployments {
			image := container(t, d.Spec.Template.Spec, name).Image
			if repo, _, _ := strings.Cut(image, ":"); repo != wf.Env["IMAGE"] {
				t.Errorf("%s: Deployment/%s runs %s; the workflow pushes %s", dir, name, image, wf.Env["IMAGE"])
			}
		}
	}
	script := runs("deploy")
	for _, want := range []string{
		"kustomize edit set image \"techconf=${IMAGE}@${DIGEST}\"",
		"delete job -l app.kubernetes.io/component=migrate",
		"-l '" + migrationSelector + "'",
		"job techconf-migrate",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("job deploy does not run %q", want)
		}
	}
	for _, dir := range deployedOverlays {
		for name := range render(t, dir).Deployments {
			if !strings.Contains(script, name) || !strings.Contains(script, "rollout status") {
				t.Errorf("job deploy does not wait for the rollout of Deployment/%s", name)
			}
		}
		for name := range render(t, dir).Jobs {
			if !strings.Contains(script, "job/"+name) {
				t.Errorf("job deploy does not wait for Job/%s", name)
			}
		}
	}
}
