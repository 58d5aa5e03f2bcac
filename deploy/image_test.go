package deploy_test

import (
	"debug/elf"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	"golang.org/x/mod/modfile"

	"github.com/techconf/techconf/conference"
	"github.com/techconf/techconf/content"
)

// image is what the test reads of ../Dockerfile: its stages, parsed by
// BuildKit's own parser, and what the parser and linter warned about.
type image struct {
	build, final instructions.Stage
	warnings     []string
}

func parseDockerfile(tb testing.TB) *image {
	tb.Helper()
	f, err := os.Open(filepath.Join(repoRoot(tb), "Dockerfile"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	res, err := parser.Parse(f)
	if err != nil {
		tb.Fatalf("Dockerfile: %v", err)
	}
	img := &image{}
	for _, w := range res.Warnings {
		img.warnings = append(img.warnings, fmt.Sprintf("line %d: %s", w.Location.Start.Line, w.Short))
	}
	lint := linter.New(&linter.Config{Warn: func(rule, _, _, msg string, loc []parser.Range) {
		line := 0
		if len(loc) > 0 {
			line = loc[0].Start.Line
		}
		img.warnings = append(img.warnings, fmt.Sprintf("line %d: %s: %s", line, rule, msg))
	}})
	stages, _, err := instructions.Parse(res.AST, lint)
	if err != nil {
		tb.Fatalf("Dockerfile: %v", err)
	}
	if len(stages) != 2 {
		tb.Fatalf("Dockerfile has %d stages; want 2 (build and the runtime image)", len(stages))
	}
	img.build, img.final = stages[0], stages[1]
	return img
}

func TestDockerfileParses(t *testing.T) {
	img := parseDockerfile(t)
	for _, w := range img.warnings {
		t.Errorf("Dockerfile: %s", w)
	}
	if img.build.Name != "build" {
		t.Errorf("first stage is named %q; want \"build\"", img.build.Name)
	}
}

func TestDockerfileGoMatchesGoMod(t *testing.T) {
	img := parseDockerfile(t)
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	mod, err := modfile.Parse("go.mod", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := mod.Go.Version
	if mod.Toolchain != nil {
		want = strings.TrimPrefix(mod.Toolchain.Name, "go")
	}
	repo, tag, _ := strings.Cut(img.build.BaseName, ":")
	version, _, _ := strings.Cut(tag, "-") // golang:1.26.8-bookworm
	if repo != "golang" || version != want {
		t.Errorf("build stage FROM %s; want golang:%s (go.mod's Go)", img.build.BaseName, want)
	}
	env := stageEnv(img.build)
	if env["GOTOOLCHAIN"] != "local" {
		t.Errorf("build stage GOTOOLCHAIN = %q; want local, so that go never fetches another toolchain", env["GOTOOLCHAIN"])
	}
	if env["CGO_ENABLED"] != "0" {
		t.Errorf("build stage CGO_ENABLED = %q; want 0 (a static binary for a distroless base)", env["CGO_ENABLED"])
	}
}

func TestDockerfileRuntimeStage(t *testing.T) {
	img := parseDockerfile(t)
	base := img.final.BaseName
	if base != "scratch" && !strings.HasPrefix(base, "gcr.io/distroless/static") {
		t.Errorf("runtime stage FROM %s; want distroless static or scratch", base)
	}
	var user, binary string
	var entrypoint []string
	var exposed []string
	for _, cmd := range img.final.Commands {
		switch c := cmd.(type) {
		case *instructions.UserCommand:
			user = c.User
		case *instructions.CopyCommand:
			if c.From == img.build.Name {
				binary = c.DestPath
			}
		case *instructions.EntrypointCommand:
			if c.PrependShell {
				t.Errorf("ENTRYPOINT %v is in shell form; want exec form (there is no shell, and signals must reach the server)", c.CmdLine)
			}
			entrypoint = c.CmdLine
		case *instructions.ExposeCommand:
			exposed = append(exposed, c.Ports...)
		case *instructions.RunCommand:
			t.Errorf("runtime stage runs %v; a distroless image has no shell", c.CmdLine)
		}
	}
	uid, _, _ := strings.Cut(user, ":")
	if n, err := strconv.Atoi(uid); (err == nil && n == 0) || uid == "" || uid == "root" {
		t.Errorf("runtime stage USER %q; want a non-root user", user)
	}
	if binary == "" || len(entrypoint) == 0 || entrypoint[0] != binary {
		t.Errorf("ENTRYPOINT %v; want the binary copied from the build stage (%q)", entrypoint, binary)
	}
	addr := commandFlags(t, imageBinary(t), "serve")["addr"].Default
	if want := strconv.Itoa(portOf(t, addr)) + "/tcp"; len(exposed) != 1 || (exposed[0] != want && exposed[0]+"/tcp" != want) {
		t.Errorf("EXPOSE %v; want %s, the port of --addr's default %q", exposed, want, addr)
	}
}

// stageEnv is the environment a stage's ENV instructions set.
func stageEnv(st instructions.Stage) map[string]string {
	env := map[string]string{}
	for _, cmd := range st.Commands {
		if c, ok := cmd.(*instructions.EnvCommand); ok {
			for _, kv := range c.Env {
				env[kv.Key] = kv.Value
			}
		}
	}
	return env
}

var (
	imageOnce sync.Once
	imagePath string
	imageErr  error
)

// imageBinary builds the binary as the Dockerfile does: it copies the
// build context that .dockerignore leaves into a fresh folder and runs the
// build stage's RUN lines there with its ENV and ARG values (TARGETOS and
// TARGETARCH for this machine). The result is what the image would ship,
// minus the base image; the other tests run it.
func imageBinary(tb testing.TB) string {
	tb.Helper()
	if runtime.GOOS != "linux" {
		tb.Skip("the image is a Linux one; building its binary natively needs Linux")
	}
	imageOnce.Do(func() { imagePath, imageErr = buildImageBinary(tb) })
	if imageErr != nil {
		tb.Fatal(imageErr)
	}
	return imagePath
}

// imageDir holds the build context and the binary; TestMain removes it.
var imageDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if imageDir != "" {
		os.RemoveAll(imageDir)
	}
	os.Exit(code)
}

func buildImageBinary(tb testing.TB) (string, error) {
	img := parseDockerfile(tb)
	var err error
	imageDir, err = os.MkdirTemp("", "techconf-image")
	if err != nil {
		return "", err
	}
	ctxDir := filepath.Join(imageDir, "context")
	if err := copyBuildContext(repoRoot(tb), ctxDir); err != nil {
		return "", err
	}

	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	delete(env, "GOFLAGS") // only the Dockerfile's own
	workdir, contextAt := "/", ""
	for _, cmd := range img.build.Commands {
		switch c := cmd.(type) {
		case *instructions.WorkdirCommand:
			workdir = path.Join(workdir, c.Path)
		case *instructions.EnvCommand:
			for _, kv := range c.Env {
				env[kv.Key] = os.Expand(kv.Value, func(k string) string { return env[k] })
			}
		case *instructions.ArgCommand:
			for _, a := range c.Args {
				switch {
				case a.Key == "TARGETOS":
					env[a.Key] = "linux"
				case a.Key == "TARGETARCH":
					env[a.Key] = runtime.GOARCH
				case a.Value != nil:
					env[a.Key] = *a.Value
				}
			}
		case *instructions.CopyCommand:
			if c.From != "" {
				return "", fmt.Errorf("build stage: %s: copies from another stage; this test only knows the build context", c)
			}
			if len(c.SourcePaths) == 1 && c.SourcePaths[0] == "." {
				contextAt = path.Join(workdir, c.DestPath)
				continue
			}
			for _, src := range c.SourcePaths {
				if _, err := os.Stat(filepath.Join(ctxDir, src)); err != nil {
					return "", fmt.Errorf("build stage: %s: %s is not in the build context (.dockerignore?)", c, src)
				}
			}
		case *instructions.RunCommand:
			if contextAt == "" && strings.Contains(strings.Join(c.CmdLine, " "), "go build") {
				return "", fmt.Errorf("build stage: %s runs before COPY . . has brought the sources", c)
			}
			if contextAt != "" && contextAt != workdir {
				return "", fmt.Errorf("build stage: RUN in %s but the context was copied to %s", workdir, contextAt)
			}
			args := c.CmdLine
			if c.PrependShell {
				args = []string{"/bin/sh", "-c", strings.Join(c.CmdLine, " ")}
			}
			run := exec.Command(args[0], args[1:]...)
			run.Dir = ctxDir
			for k, v := range env {
				run.Env = append(run.Env, k+"="+v)
			}
			if out, err := run.CombinedOutput(); err != nil {
				return "", fmt.Errorf("build stage: %s: %v\n%s", c, err, out)
			}
		}
	}
	// COPY --from=build /src/bin/techconf /techconf: find the file.
	for _, cmd := range img.final.Commands {
		if c, ok := cmd.(*instructions.CopyCommand); ok && c.From == img.build.Name {
			if len(c.SourcePaths) != 1 {
				return "", fmt.Errorf("runtime stage: %s: want one file, the binary", c)
			}
			rel, err := filepath.Rel(contextAt, c.SourcePaths[0])
			if err != nil || strings.HasPrefix(rel, "..") {
				return "", fmt.Errorf("runtime stage: %s: the binary is not under the build folder %s", c, contextAt)
			}
			return filepath.Join(ctxDir, rel), nil
		}
	}
	return "", fmt.Errorf("runtime stage copies nothing from the build stage")
}

// copyBuildContext copies what `docker build .` would send: every file
// under root that .dockerignore does not exclude.
func copyBuildContext(root, dst string) error {
	f, err := os.Open(filepath.Join(root, ".dockerignore"))
	if err != nil {
		return err
	}
	patterns, err := ignorefile.ReadAll(f)
	f.Close()
	if err != nil {
		return err
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return fmt.Errorf(".dockerignore: %v", err)
	}
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "." {
			return nil
		}
		ignored, err := pm.MatchesOrParentMatches(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		switch {
		case ignored && d.IsDir() && !pm.Exclusions():
			return filepath.SkipDir
		case ignored || d.IsDir() || !d.Type().IsRegular():
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return copyFile(p, filepath.Join(dst, rel), info.Mode())
	})
}

func TestImageContextLeavesOutRepositoryState(t *testing.T) {
	imageBinary(t) // copies the context
	ctxDir := filepath.Join(imageDir, "context")
	for _, name := range []string{".git", "deploy", "Dockerfile"} {
		if _, err := os.Stat(filepath.Join(ctxDir, name)); err == nil {
			t.Errorf("build context holds %s; want it left out by .dockerignore", name)
		}
	}
}

func TestImageBinaryIsStatic(t *testing.T) {
	bin := imageBinary(t)
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatalf("%s: %v", bin, err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("binary has a program interpreter (PT_INTERP); want a static binary for distroless static")
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("binary needs shared libraries %v; want none", libs)
	}
}

func TestImageBinaryServesEmbeddedContent(t *testing.T) {
	bin := imageBinary(t)
	catalog, err := conference.Load(content.Sample())
	if err != nil {
		t.Fatal(err)
	}
	// From an empty folder and an empty environment, as in the image.
	cmd := exec.Command(bin, "content", "check")
	cmd.Dir = t.TempDir()
	cmd.Env = []string{}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("techconf content check in an empty folder: %v\n%s", err, out)
	}
	for _, ed := range catalog.Editions {
		if !strings.Contains(string(out), ed.ID) {
			t.Errorf("content check output %q does not mention edition %s; want the embedded sample", out, ed.ID)
		}
	}
}
