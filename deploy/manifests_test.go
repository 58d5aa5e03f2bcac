package deploy_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os/exec"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/techconf/techconf/conference"
	"github.com/techconf/techconf/content"
)

// The kustomizations that the tests render. The overlays are what the
// pipeline deploys; base is rendered too, so that its own mistakes show
// with its own name.
var (
	appKustomizations = []string{"base", "overlays/dev", "overlays/prod"}
	deployedOverlays  = []string{"overlays/dev", "overlays/prod"}
)

// Objects of other APIs than Kubernetes' own (GKE, Managed Prometheus,
// cert-manager) are decoded strictly into the part of their schema that
// the manifests use, so that a misspelt field still fails.
type backendConfig struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		TimeoutSec         *int64 `json:"timeoutSec,omitempty"`
		ConnectionDraining *struct {
			DrainingTimeoutSec int64 `json:"drainingTimeoutSec"`
		} `json:"connectionDraining,omitempty"`
		HealthCheck *struct {
			Type               string `json:"type"`
			RequestPath        string `json:"requestPath"`
			Port               int32  `json:"port"`
			CheckIntervalSec   int64  `json:"checkIntervalSec"`
			TimeoutSec         int64  `json:"timeoutSec"`
			HealthyThreshold   int64  `json:"healthyThreshold"`
			UnhealthyThreshold int64  `json:"unhealthyThreshold"`
		} `json:"healthCheck,omitempty"`
	} `json:"spec"`
}

type frontendConfig struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		RedirectToHTTPS struct {
			Enabled bool `json:"enabled"`
		} `json:"redirectToHttps"`
	} `json:"spec"`
}

type podMonitoring struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		Selector  metav1.LabelSelector `json:"selector"`
		Endpoints []struct {
			Port     string `json:"port"`
			Path     string `json:"path"`
			Interval string `json:"interval"`
		} `json:"endpoints"`
		TargetLabels struct {
			FromPod []struct {
				From string `json:"from"`
				To   string `json:"to"`
			} `json:"fromPod"`
		} `json:"targetLabels"`
	} `json:"spec"`
}

// ruleGroups is Prometheus's rule-file format, as Managed Prometheus's
// Rules and prometheus-operator's PrometheusRule embed it.
type ruleGroups struct {
	Groups []struct {
		Name     string `json:"name"`
		Interval string `json:"interval,omitempty"`
		Rules    []struct {
			Alert       string            `json:"alert,omitempty"`
			Record      string            `json:"record,omitempty"`
			Expr        string            `json:"expr"`
			For         string            `json:"for,omitempty"`
			Labels      map[string]string `json:"labels,omitempty"`
			Annotations map[string]string `json:"annotations,omitempty"`
		} `json:"rules"`
	} `json:"groups"`
}

type rules struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              ruleGroups `json:"spec"`
}

type clusterIssuer struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		ACME struct {
			Server              string `json:"server"`
			Email               string `json:"email"`
			PrivateKeySecretRef struct {
				Name string `json:"name"`
			} `json:"privateKeySecretRef"`
			Solvers []struct {
				DNS01 struct {
					CloudDNS struct {
						Project string `json:"project"`
					} `json:"cloudDNS"`
				} `json:"dns01"`
			} `json:"solvers"`
		} `json:"acme"`
	} `json:"spec"`
}

// manifests are the objects of one rendered kustomization, by kind and
// name.
type manifests struct {
	dir             string
	Namespaces      map[string]*corev1.Namespace
	ServiceAccounts map[string]*corev1.ServiceAccount
	ConfigMaps      map[string]*corev1.ConfigMap
	Services        map[string]*corev1.Service
	Deployments     map[string]*appsv1.Deployment
	Jobs            map[string]*batchv1.Job
	HPAs            map[string]*autoscalingv2.HorizontalPodAutoscaler
	PDBs            map[string]*policyv1.PodDisruptionBudget
	Ingresses       map[string]*networkingv1.Ingress
	BackendConfigs  map[string]*backendConfig
	FrontendConfigs map[string]*frontendConfig
	PodMonitorings  map[string]*podMonitoring
	Rules           map[string]*rules
	ClusterIssuers  map[string]*clusterIssuer
	namespaced      []metav1.Object
}

// decode decodes one object strictly into its Go type and files it.
func (m *manifests) decode(doc []byte) error {
	var tm metav1.TypeMeta
	if err := yaml.Unmarshal(doc, &tm); err != nil {
		return err
	}
	var obj metav1.Object
	var put func()
	switch gvk := tm.APIVersion + "/" + tm.Kind; gvk {
	case "v1/Namespace":
		o := &corev1.Namespace{}
		obj, put = o, func() { m.Namespaces[o.Name] = o }
	case "v1/ServiceAccount":
		o := &corev1.ServiceAccount{}
		obj, put = o, func() { m.ServiceAccounts[o.Name] = o; m.namespaced = append(m.namespaced, o) }
	case "v1/ConfigMap":
		o := &corev1.ConfigMap{}
		obj, put = o, func() { m.ConfigMaps[o.Name] = o; m.namespaced = append(m.namespaced, o) }
	case "v1/Service":
		o := &corev1.Service{}
		obj, put = o, func() { m.Services[o.Name] = o; m.namespaced = append(m.namespaced, o) }
	case "apps/v1/Deployment":
		o := &appsv1.Deployment{}
		obj, put = o, func() { m.Deployments[o.Name] = o; m.namespaced = append(m.namespaced, o) }
	case "batch/v1/Job":
		o := &batchv1.Job{}
		obj, put = o, func() { m.Jobs[o.Name] = o; m.namespaced = append(m.namespaced, o) }
	case "autoscaling/v2/HorizontalPodAutoscaler":
		o := &autoscalingv2.HorizontalPodAutoscaler{}
		obj, put = o, func() { m.HPAs[o.Name] = o; m.namespaced = append(m.namespaced, o) }
	case "policy/v1/PodDisruptionBudget":
		o := &policyv1.PodDisruptionBudget{}
		obj, put = o, func() { m.PDBs[o.Name] = o; m.namespaced = append(m.namespaced, o) }
	case "networking.k8s.io/v1/Ingress":
		o := &networkingv1.Ingress{}
		obj, put = o, func() { m.Ingresses[o.Name] = o; m.namespaced = append(m.namespaced, o) }
	case "cloud.google.com/v1/BackendConfig":
		o := &backendConfig{}
		obj, put = o, func() { m.BackendConfigs[o.Name] = o; m.namespaced = append(m.namespaced, o) }
	case "networking.gke.io/v1beta1/FrontendConfig":
		o := &frontendConfig{}
		obj, put = o, func() { m.FrontendConfigs[o.Name] = o; m.namespaced = append(m.namespaced, o) }
	case "monitoring.googleapis.com/v1/PodMonitoring":
		o := &podMonitoring{}
		obj, put = o, func() { m.PodMonitorings[o.Name] = o; m.namespaced = append(m.namespaced, o) }
	case "monitoring.googleapis.com/v1/Rules":
		o := &rules{}
		obj, put = o, func() { m.Rules[o.Name] = o; m.namespaced = append(m.namespaced, o) }
	case "cert-manager.io/v1/ClusterIssuer":
		o := &clusterIssuer{}
		obj, put = o, func() { m.ClusterIssuers[o.Name] = o }
	default:
		return fmt.Errorf("%s: a kind this test does not know; add its type to manifests.decode", gvk)
	}
	if err := yaml.UnmarshalStrict(doc, obj); err != nil {
		return fmt.Errorf("%s/%s: %v", tm.Kind, nameOf(doc), err)
	}
	put()
	return nil
}

func nameOf(doc []byte) string {
	var o struct {
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	yaml.Unmarshal(doc, &o)
	return o.Metadata.Name
}

// kustomizeCommand is how this machine renders a kustomization.
func kustomizeCommand(tb testing.TB) []string {
	tb.Helper()
	if _, err := exec.LookPath("kubectl"); err == nil {
		return []string{"kubectl", "kustomize"}
	}
	if _, err := exec.LookPath("kustomize"); err == nil {
		return []string{"kustomize", "build"}
	}
	needTool(tb, "neither kubectl nor kustomize is on PATH: install kubectl (Debian package kubectl from Google Cloud's apt repository) or run `go install sigs.k8s.io/kustomize/kustomize/v5@v5.5.0`")
	return nil
}

var renderCache sync.Map // dir -> *manifests

// render runs kustomize on deploy/<dir> and decodes every object strictly.
func render(tb testing.TB, dir string) *manifests {
	tb.Helper()
	if m, ok := renderCache.Load(dir); ok {
		return m.(*manifests)
	}
	args := append(kustomizeCommand(tb), dir)
	var stderr bytes.Buffer
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		tb.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	m := &manifests{dir: dir,
		Namespaces: map[string]*corev1.Namespace{}, ServiceAccounts: map[string]*corev1.ServiceAccount{},
		ConfigMaps: map[string]*corev1.ConfigMap{}, Services: map[string]*corev1.Service{},
		Deployments: map[string]*appsv1.Deployment{}, Jobs: map[string]*batchv1.Job{},
		HPAs: map[string]*autoscalingv2.HorizontalPodAutoscaler{}, PDBs: map[string]*policyv1.PodDisruptionBudget{},
		Ingresses: map[string]*networkingv1.Ingress{}, BackendConfigs: map[string]*backendConfig{},
		FrontendConfigs: map[string]*frontendConfig{}, PodMonitorings: map[string]*podMonitoring{},
		Rules: map[string]*rules{}, ClusterIssuers: map[string]*clusterIssuer{},
	}
	r := k8syaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(out)))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			tb.Fatalf("%s: %v", dir, err)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		if err := m.decode(doc); err != nil {
			tb.Fatalf("%s: %v", dir, err)
		}
	}
	renderCache.Store(dir, m)
	return m
}

func TestManifestsDecodeStrictly(t *testing.T) {
	for _, dir := range append(slices.Clone(appKustomizations), "cluster") {
		t.Run(dir, func(t *testing.T) { render(t, dir) })
	}
}

// container is the techconf container of a Deployment or Job.
func container(tb testing.TB, spec corev1.PodSpec, owner string) corev1.Container {
	tb.Helper()
	if len(spec.Containers) != 1 {
		tb.Fatalf("%s has %d containers; want 1", owner, len(spec.Containers))
	}
	return spec.Containers[0]
}

// process is what a container's process would be started with: its
// command, its flags and its environment.
type process struct {
	Command string            // serve, migrate
	Flags   map[string]string // from --name=value arguments
	Env     map[string]string // env and envFrom ConfigMaps
}

func (m *manifests) process(tb testing.TB, c corev1.Container, owner string) process {
	tb.Helper()
	if len(c.Command) > 0 {
		tb.Errorf("%s: command %v overrides the image's entrypoint; want args only", owner, c.Command)
	}
	if len(c.Args) == 0 {
		tb.Fatalf("%s: no args; want a techconf command (serve, migrate)", owner)
	}
	p := process{Command: c.Args[0], Flags: map[string]string{}, Env: map[string]string{}}
	for _, a := range c.Args[1:] {
		name, value, ok := strings.Cut(strings.TrimPrefix(a, "--"), "=")
		if !strings.HasPrefix(a, "--") || !ok {
			tb.Errorf("%s: argument %q; want --name=value", owner, a)
			continue
		}
		p.Flags[name] = value
	}
	for _, from := range c.EnvFrom {
		if from.ConfigMapRef == nil {
			tb.Errorf("%s: envFrom %+v; want ConfigMaps only", owner, from)
			continue
		}
		cm, ok := m.ConfigMaps[from.ConfigMapRef.Name]
		if !ok {
			tb.Errorf("%s: envFrom names ConfigMap %s, which is not among the manifests", owner, from.ConfigMapRef.Name)
			continue
		}
		for k, v := range cm.Data {
			p.Env[from.Prefix+k] = v
		}
	}
	for _, e := range c.Env {
		if e.ValueFrom != nil {
			tb.Errorf("%s: env %s comes from %+v; the test knows only literal values", owner, e.Name, e.ValueFrom)
			continue
		}
		p.Env[e.Name] = e.Value
	}
	return p
}

// value is a flag's effective value: the argument, else its environment
// variable, else its default.
func (p process) value(flags map[string]flagHelp, name string) string {
	if v, ok := p.Flags[name]; ok {
		return v
	}
	for _, env := range flags[name].Env {
		if v, ok := p.Env[env]; ok {
			if env == "PORT" {
				return ":" + v
			}
			return v
		}
	}
	return flags[name].Default
}

// checkFlags checks that every flag and every TECHCONF_* variable that the
// process is given exists in `techconf <command> --help`.
func checkFlags(t *testing.T, p process, flags map[string]flagHelp, owner string) {
	t.Helper()
	for name := range p.Flags {
		if _, ok := flags[name]; !ok {
			t.Errorf("%s: --%s is not a flag of `techconf %s` (see techconf %s --help)", owner, name, p.Command, p.Command)
		}
	}
	byEnv := envFlag(flags)
	for name := range p.Env {
		if strings.HasPrefix(name, "TECHCONF_") || name == "PORT" {
			if _, ok := byEnv[name]; !ok && p.Command == "serve" {
				t.Errorf("%s: $%s is read by no flag of `techconf %s`", owner, name, p.Command)
			}
		}
	}
}

var (
	binFlagsOnce           sync.Once
	serveFlags, migFlags   map[string]flagHelp
	sampleEditions         []string
	sampleEditionsLoadOnce sync.Once
)

// flagsOf returns the flags of `techconf serve` and `techconf migrate`.
func flagsOf(tb testing.TB) (serve, migrate map[string]flagHelp) {
	tb.Helper()
	bin := imageBinary(tb)
	binFlagsOnce.Do(func() {
		serveFlags = commandFlags(tb, bin, "serve")
		migFlags = commandFlags(tb, bin, "migrate")
	})
	return serveFlags, migFlags
}

// editions are the editions of the embedded sample content, which the
// image serves.
func editions(tb testing.TB) []string {
	tb.Helper()
	sampleEditionsLoadOnce.Do(func() {
		catalog, err := conference.Load(content.Sample())
		if err != nil {
			tb.Fatal(err)
		}
		for _, e := range catalog.Editions {
			sampleEditions = append(sampleEditions, e.ID)
		}
	})
	if len(sampleEditions) == 0 {
		tb.Fatal("the sample content has no editions")
	}
	return sampleEditions
}

// role returns the --role of a Deployment's container.
func (m *manifests) role(tb testing.TB, d *appsv1.Deployment) string {
	serve, _ := flagsOf(tb)
	c := container(tb, d.Spec.Template.Spec, "Deployment/"+d.Name)
	return m.process(tb, c, "Deployment/"+d.Name).value(serve, "role")
}

// deploymentOf returns the Deployment whose pods a selector picks.
func (m *manifests) deploymentOf(sel map[string]string) *appsv1.Deployment {
	var found *appsv1.Deployment
	for _, d := range m.Deployments {
		if labels.SelectorFromSet(sel).Matches(labels.Set(d.Spec.Template.Labels)) {
			if found != nil {
				return nil // ambiguous
			}
			found = d
		}
	}
	return found
}

func TestDeployments(t *testing.T) {
	serve, _ := flagsOf(t)
	for _, dir := range appKustomizations {
		t.Run(dir, func(t *testing.T) {
			m := render(t, dir)
			roles := map[string]string{}
			images := map[string]bool{}
			for name, d := range m.Deployments {
				owner := "Deployment/" + name
				spec := d.Spec.Template.Spec
				c := container(t, spec, owner)
				images[c.Image] = true
				p := m.process(t, c, owner)
				if p.Command != "serve" {
					t.Errorf("%s runs `techconf %s`; want serve", owner, p.Command)
				}
				checkFlags(t, p, serve, owner)
				role := p.value(serve, "role")
				roles[role] = name
				if got := d.Spec.Template.Labels["app.kubernetes.io/component"]; got != role {
					t.Errorf("%s: pod label app.kubernetes.io/component=%q but --role=%s; want them equal (Services and alerts select on it)", owner, got, role)
				}
				if !labels.SelectorFromSet(d.Spec.Selector.MatchLabels).Matches(labels.Set(d.Spec.Template.Labels)) || len(d.Spec.Selector.MatchExpressions) > 0 {
					t.Errorf("%s: selector %v does not pick its own pods %v", owner, d.Spec.Selector.MatchLabels, d.Spec.Template.Labels)
				}

				// The port it listens on is the port it declares.
				addrPort := portOf(t, p.value(serve, "addr"))
				var http *corev1.ContainerPort
				for i, cp := range c.Ports {
					if cp.Name == "http" {
						http = &c.Ports[i]
					}
				}
				if http == nil || http.ContainerPort != int32(addrPort) {
					t.Errorf("%s: container port http = %v; want %d, where --addr=%s listens", owner, http, addrPort, p.value(serve, "addr"))
				}
				checkProbe(t, owner+" readiness", c.ReadinessProbe, "/healthz/readiness", c)
				checkProbe(t, owner+" liveness", c.LivenessProbe, "/healthz/liveness", c)

				// SIGTERM: not ready for --shutdown-delay, then up to
				// --shutdown-grace to store the likes held.
				delay, err1 := time.ParseDuration(p.value(serve, "shutdown-delay"))
				grace, err2 := time.ParseDuration(p.value(serve, "shutdown-grace"))
				if err := errors.Join(err1, err2); err != nil {
					t.Errorf("%s: %v", owner, err)
				}
				if tgp := spec.TerminationGracePeriodSeconds; tgp == nil || time.Duration(*tgp)*time.Second <= delay+grace {
					t.Errorf("%s: terminationGracePeriodSeconds = %v; want more than --shutdown-delay (%s) + --shutdown-grace (%s), or the kubelet kills the server before its likes are stored", owner, ptrString(tgp), delay, grace)
				}
				if delay <= 0 {
					t.Errorf("%s: --shutdown-delay = %s; want a few seconds so that the load balancer stops sending before the listener closes", owner, delay)
				}
				if d.Spec.Replicas != nil {
					t.Errorf("%s: replicas = %d; want none, since its HorizontalPodAutoscaler owns the count (apply would reset it)", owner, *d.Spec.Replicas)
				}
				if d.Spec.Strategy.RollingUpdate == nil || d.Spec.Strategy.RollingUpdate.MaxUnavailable == nil || d.Spec.Strategy.RollingUpdate.MaxUnavailable.IntValue() != 0 {
					t.Errorf("%s: rollingUpdate.maxUnavailable = %v; want 0, so that a rollout never lowers capacity", owner, d.Spec.Strategy.RollingUpdate)
				}
				checkPodSecurity(t, m, spec, c, owner)
				checkResources(t, c, p, owner)
				checkScaling(t, m, d)
			}
			for _, want := range []string{"api", "web"} {
				if _, ok := roles[want]; !ok {
					t.Errorf("no Deployment runs --role=%s; roles: %v", want, roles)
				}
			}
			if len(roles) != len(m.Deployments) {
				t.Errorf("Deployments %v share roles; want one per role", roles)
			}
			for name, j := range m.Jobs {
				images[container(t, j.Spec.Template.Spec, "Job/"+name).Image] = true
			}
			if len(images) != 1 {
				t.Errorf("images %v; want one image for every Deployment and Job", keys(images))
			}
		})
	}
}

func ptrString[T any](p *T) string {
	if p == nil {
		return "unset"
	}
	return fmt.Sprint(*p)
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// checkProbe checks that a probe GETs path on the container's http port.
func checkProbe(t *testing.T, what string, p *corev1.Probe, path string, c corev1.Container) {
	t.Helper()
	if p == nil || p.HTTPGet == nil {
		t.Errorf("%s probe: %v; want an HTTP GET of %s", what, p, path)
		return
	}
	if p.HTTPGet.Path != path {
		t.Errorf("%s probe path = %q; want %q", what, p.HTTPGet.Path, path)
	}
	if containerPort(c, p.HTTPGet.Port.String()) == 0 {
		t.Errorf("%s probe port %s is none of the container's ports", what, p.HTTPGet.Port.String())
	}
}

// containerPort resolves a port name or number against a container.
func containerPort(c corev1.Container, port string) int32 {
	for _, cp := range c.Ports {
		if cp.Name == port || strconv.Itoa(int(cp.ContainerPort)) == port {
			return cp.ContainerPort
		}
	}
	return 0
}

func checkPodSecurity(t *testing.T, m *manifests, spec corev1.PodSpec, c corev1.Container, owner string) {
	t.Helper()
	psc := spec.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
		t.Errorf("%s: pod securityContext %+v; want runAsNonRoot and a non-zero runAsUser", owner, psc)
	}
	if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("%s: want seccompProfile RuntimeDefault", owner)
	}
	sc := c.SecurityContext
	switch {
	case sc == nil:
		t.Errorf("%s: container has no securityContext", owner)
	case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
		t.Errorf("%s: readOnlyRootFilesystem is not true", owner)
	case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
		t.Errorf("%s: allowPrivilegeEscalation is not false", owner)
	case sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0:
		t.Errorf("%s: capabilities %+v; want drop [ALL] and nothing added", owner, sc.Capabilities)
	}
	sa, ok := m.ServiceAccounts[spec.ServiceAccountName]
	switch {
	case spec.ServiceAccountName == "" || !ok:
		t.Errorf("%s: serviceAccountName %q is not among the manifests; want its own for Workload Identity", owner, spec.ServiceAccountName)
	case !strings.HasSuffix(sa.Annotations["iam.gke.io/gcp-service-account"], ".iam.gserviceaccount.com"):
		t.Errorf("ServiceAccount/%s: iam.gke.io/gcp-service-account = %q; want a Google service account (Workload Identity)", sa.Name, sa.Annotations["iam.gke.io/gcp-service-account"])
	}
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		t.Errorf("%s: automountServiceAccountToken is not false; the server never calls the Kubernetes API", owner)
	}
}

func checkResources(t *testing.T, c corev1.Container, p process, owner string) {
	t.Helper()
	req, lim := c.Resources.Requests, c.Resources.Limits
	if req.Cpu().IsZero() || req.Memory().IsZero() || lim.Memory().IsZero() {
		t.Errorf("%s: resources %+v; want cpu and memory requests and a memory limit", owner, c.Resources)
		return
	}
	if lim.Memory().Cmp(*req.Memory()) < 0 {
		t.Errorf("%s: memory limit %s is below its request %s", owner, lim.Memory(), req.Memory())
	}
	if v, ok := p.Env["GOMEMLIMIT"]; ok {
		q, err := resource.ParseQuantity(strings.TrimSuffix(v, "B"))
		if err != nil || q.Cmp(*lim.Memory()) >= 0 {
			t.Errorf("%s: GOMEMLIMIT=%s; want a size below the memory limit %s", owner, v, lim.Memory())
		}
	}
}

func checkScaling(t *testing.T, m *manifests, d *appsv1.Deployment) {
	t.Helper()
	var hpa *autoscalingv2.HorizontalPodAutoscaler
	for _, h := range m.HPAs {
		if h.Spec.ScaleTargetRef.Kind == "Deployment" && h.Spec.ScaleTargetRef.Name == d.Name {
			hpa = h
		}
	}
	min := int32(1)
	if hpa == nil {
		t.Errorf("Deployment/%s has no HorizontalPodAutoscaler", d.Name)
	} else {
		if hpa.Spec.MinReplicas != nil {
			min = *hpa.Spec.MinReplicas
		}
		if min < 1 || hpa.Spec.MaxReplicas < min {
			t.Errorf("HorizontalPodAutoscaler/%s: replicas %d..%d; want 1 <= min <= max", hpa.Name, min, hpa.Spec.MaxReplicas)
		}
	}
	var pdb *policyv1.PodDisruptionBudget
	for _, p := range m.PDBs {
		sel, err := metav1.LabelSelectorAsSelector(p.Spec.Selector)
		if err == nil && sel.Matches(labels.Set(d.Spec.Template.Labels)) {
			pdb = p
		}
	}
	switch {
	case pdb == nil:
		t.Errorf("Deployment/%s has no PodDisruptionBudget", d.Name)
	case pdb.Spec.MinAvailable != nil && pdb.Spec.MinAvailable.IntValue() >= int(min):
		// A budget that no eviction can meet blocks node upgrades.
		t.Errorf("PodDisruptionBudget/%s: minAvailable %s with as few as %d replicas blocks every node drain", pdb.Name, pdb.Spec.MinAvailable, min)
	case pdb.Spec.MinAvailable == nil && pdb.Spec.MaxUnavailable == nil:
		t.Errorf("PodDisruptionBudget/%s sets neither minAvailable nor maxUnavailable", pdb.Name)
	}
}

func TestServicesAndIngress(t *testing.T) {
	for _, dir := range appKustomizations {
		t.Run(dir, func(t *testing.T) {
			m := render(t, dir)
			for name, s := range m.Services {
				d := m.deploymentOf(s.Spec.Selector)
				if d == nil {
					t.Errorf("Service/%s: selector %v picks no single Deployment's pods", name, s.Spec.Selector)
					continue
				}
				c := container(t, d.Spec.Template.Spec, "Deployment/"+d.Name)
				for _, sp := range s.Spec.Ports {
					if containerPort(c, sp.TargetPort.String()) == 0 {
						t.Errorf("Service/%s: targetPort %s is none of Deployment/%s's ports", name, sp.TargetPort.String(), d.Name)
					}
					// The Ingress reaches pods only through Services: a
					// Service port on the admin port would publish
					// /metrics and pprof.
					if admin := containerPort(c, "admin"); admin != 0 && containerPort(c, sp.TargetPort.String()) == admin {
						t.Errorf("Service/%s: port %s leads to the admin port %d (/metrics, pprof); want it reachable by the PodMonitoring only", name, sp.Name, admin)
					}
				}
				if containerPort(c, "admin") == 0 {
					t.Errorf("Deployment/%s: no container port named admin; --admin-addr serves /metrics there", d.Name)
				}
				checkBackendConfig(t, m, s, c)
			}

			if len(m.Ingresses) != 1 {
				t.Fatalf("%d Ingresses; want 1", len(m.Ingresses))
			}
			for _, ing := range m.Ingresses {
				checkIngress(t, m, ing)
			}
		})
	}
}

// checkBackendConfig checks that the load balancer's health check of a
// Service asks what the readiness probe asks.
func checkBackendConfig(t *testing.T, m *manifests, s *corev1.Service, c corev1.Container) {
	t.Helper()
	ann := s.Annotations["cloud.google.com/backend-config"]
	if ann == "" {
		t.Errorf("Service/%s has no cloud.google.com/backend-config; the load balancer would health-check / instead of readiness", s.Name)
		return
	}
	var ref struct {
		Default string `json:"default"`
	}
	if err := yaml.UnmarshalStrict([]byte(ann), &ref); err != nil {
		t.Errorf("Service/%s: cloud.google.com/backend-config %q: %v", s.Name, ann, err)
		return
	}
	bc, ok := m.BackendConfigs[ref.Default]
	if !ok {
		t.Errorf("Service/%s names BackendConfig %q, which is not among the manifests", s.Name, ref.Default)
		return
	}
	hc := bc.Spec.HealthCheck
	if hc == nil || hc.RequestPath != c.ReadinessProbe.HTTPGet.Path || hc.Port != containerPort(c, c.ReadinessProbe.HTTPGet.Port.String()) {
		t.Errorf("BackendConfig/%s: health check %+v; want GET %s on port %d, as the readiness probe", bc.Name, hc,
			c.ReadinessProbe.HTTPGet.Path, containerPort(c, c.ReadinessProbe.HTTPGet.Port.String()))
	}
	if s.Annotations["cloud.google.com/neg"] != `{"ingress": true}` {
		t.Errorf("Service/%s: cloud.google.com/neg = %q; want container-native load balancing", s.Name, s.Annotations["cloud.google.com/neg"])
	}
}

// route returns the Service that an Ingress sends a request path to, by
// the Kubernetes rules: Exact before Prefix, and the longest prefix, path
// element by path element.
func route(ing *networkingv1.Ingress, path string) string {
	best, bestLen := "", -1
	for _, rule := range ing.Spec.Rules {
		for _, p := range rule.HTTP.Paths {
			switch {
			case p.PathType != nil && *p.PathType == networkingv1.PathTypeExact:
				if p.Path == path {
					return p.Backend.Service.Name
				}
			case p.PathType != nil && *p.PathType == networkingv1.PathTypePrefix:
				prefix := strings.TrimSuffix(p.Path, "/")
				if (path == prefix || strings.HasPrefix(path, prefix+"/") || prefix == "") && len(prefix) > bestLen {
					best, bestLen = p.Backend.Service.Name, len(prefix)
				}
			}
		}
	}
	return best
}

// ingressPaths are request paths and the role that must serve each.
func ingressPaths(tb testing.TB) map[string]string {
	paths := map[string]string{
		"/":                 "web",
		"/static/site.css":  "web",
		"/healthz/liveness": "web",
	}
	for _, ed := range editions(tb) {
		paths["/"+ed+"/api/query"] = "api"
		paths["/"+ed+"/api/playground"] = "api"
		paths["/"+ed+"/"] = "web"
		paths["/"+ed+"/sessions/1"] = "web"
		paths["/"+ed+"/apiary"] = "web" // a prefix matches whole path elements only
	}
	return paths
}

func checkIngress(t *testing.T, m *manifests, ing *networkingv1.Ingress) {
	t.Helper()
	if ing.Annotations["kubernetes.io/ingress.class"] != "gce" && ing.Spec.IngressClassName == nil {
		t.Errorf("Ingress/%s names no ingress class", ing.Name)
	}
	issuer := ing.Annotations["cert-manager.io/cluster-issuer"]
	if issuer == "" {
		t.Errorf("Ingress/%s: no cert-manager.io/cluster-issuer; TLS needs cert-manager", ing.Name)
	} else if _, ok := render(t, "cluster").ClusterIssuers[issuer]; !ok {
		t.Errorf("Ingress/%s: cluster issuer %q is not in deploy/cluster", ing.Name, issuer)
	}
	var hosts []string
	for _, r := range ing.Spec.Rules {
		hosts = append(hosts, r.Host)
	}
	if len(hosts) != 1 || hosts[0] == "" {
		t.Fatalf("Ingress/%s: hosts %v; want one hostname", ing.Name, hosts)
	}
	host := hosts[0]
	if len(ing.Spec.TLS) != 1 || !slices.Equal(ing.Spec.TLS[0].Hosts, hosts) || ing.Spec.TLS[0].SecretName == "" {
		t.Errorf("Ingress/%s: tls %+v; want one certificate Secret for %s", ing.Name, ing.Spec.TLS, host)
	}
	if got := ing.Annotations["external-dns.alpha.kubernetes.io/hostname"]; got != host {
		t.Errorf("Ingress/%s: external-dns hostname %q; want %q, the rule's host", ing.Name, got, host)
	}
	if fc := ing.Annotations["networking.gke.io/v1beta1.FrontendConfig"]; fc != "" {
		if f, ok := m.FrontendConfigs[fc]; !ok || !f.Spec.RedirectToHTTPS.Enabled {
			t.Errorf("Ingress/%s: FrontendConfig %q missing or not redirecting to HTTPS", ing.Name, fc)
		}
	}
	// Each backend is a Service port that exists, and each path lands on
	// the role that serves it.
	for _, r := range ing.Spec.Rules {
		for _, p := range r.HTTP.Paths {
			svc, ok := m.Services[p.Backend.Service.Name]
			if !ok {
				t.Errorf("Ingress/%s: path %s goes to Service %s, which is not among the manifests", ing.Name, p.Path, p.Backend.Service.Name)
				continue
			}
			if !slices.ContainsFunc(svc.Spec.Ports, func(sp corev1.ServicePort) bool {
				return sp.Name == p.Backend.Service.Port.Name && sp.Name != "" || sp.Port == p.Backend.Service.Port.Number && sp.Port != 0
			}) {
				t.Errorf("Ingress/%s: path %s goes to port %+v of Service/%s, which has no such port", ing.Name, p.Path, p.Backend.Service.Port, svc.Name)
			}
		}
	}
	paths := ingressPaths(t)
	for _, path := range keys(paths) {
		want := paths[path]
		svc, ok := m.Services[route(ing, path)]
		if !ok {
			t.Errorf("Ingress/%s sends %s nowhere; want the %s Deployment", ing.Name, path, want)
			continue
		}
		d := m.deploymentOf(svc.Spec.Selector)
		if d == nil {
			continue // reported by the Service checks
		}
		if got := m.role(t, d); got != want {
			hint := ""
			if want == "api" {
				hint = " (every edition of the content needs its Prefix path /{edition}/api to the api Service)"
			}
			t.Errorf("Ingress/%s sends %s to Service/%s (--role=%s); want role %s%s", ing.Name, path, svc.Name, got, want, hint)
		}
	}

	// The server's own idea of its address and origins agrees.
	serve, _ := flagsOf(t)
	for name, d := range m.Deployments {
		p := m.process(t, container(t, d.Spec.Template.Spec, name), "Deployment/"+name)
		u, err := url.Parse(p.value(serve, "public-url"))
		if err != nil || u.Scheme != "https" || u.Host != host {
			t.Errorf("Deployment/%s: --public-url = %q; want https://%s, the Ingress host", name, p.value(serve, "public-url"), host)
		}
		if origins := strings.Split(p.value(serve, "allowed-origins"), ","); !slices.Contains(origins, "https://"+host) && !slices.Contains(origins, "*") {
			t.Errorf("Deployment/%s: --allowed-origins = %v; want it to allow https://%s", name, origins, host)
		}
	}
}

// migrationSelector picks what the pipeline applies before the migration
// has run: everything but the servers. The workflow test checks that the
// workflow uses it.
const migrationSelector = "app.kubernetes.io/component notin (api,web)"

func TestMigrationJob(t *testing.T) {
	serve, migrate := flagsOf(t)
	for _, dir := range appKustomizations {
		t.Run(dir, func(t *testing.T) {
			m := render(t, dir)
			if len(m.Jobs) != 1 {
				t.Fatalf("%d Jobs; want 1, the migration", len(m.Jobs))
			}
			for name, j := range m.Jobs {
				owner := "Job/" + name
				spec := j.Spec.Template.Spec
				c := container(t, spec, owner)
				p := m.process(t, c, owner)
				if p.Command != "migrate" {
					t.Errorf("%s runs `techconf %s`; want migrate", owner, p.Command)
				}
				checkFlags(t, p, migrate, owner)
				// The pipeline deletes the previous Job by this label, then
				// applies what migrationSelector picks and waits for the Job.
				if j.Labels["app.kubernetes.io/component"] != "migrate" {
					t.Errorf("%s: label app.kubernetes.io/component = %q; want migrate (the pipeline finds the Job by it)", owner, j.Labels["app.kubernetes.io/component"])
				}
				sel, err := labels.Parse(migrationSelector)
				if err != nil {
					t.Fatal(err)
				}
				picked := func(kind string, o metav1.Object) {
					if !sel.Matches(labels.Set(o.GetLabels())) {
						t.Errorf("%s/%s, which %s needs, is not picked by the pipeline's first apply (-l %q)", kind, o.GetName(), owner, migrationSelector)
					}
				}
				picked("Job", j)
				if sa, ok := m.ServiceAccounts[spec.ServiceAccountName]; ok {
					picked("ServiceAccount", sa)
				}
				for _, from := range c.EnvFrom {
					if cm, ok := m.ConfigMaps[from.ConfigMapRef.Name]; ok {
						picked("ConfigMap", cm)
					}
				}
				for _, d := range m.Deployments {
					if sel.Matches(labels.Set(d.Labels)) {
						t.Errorf("Deployment/%s is picked by the pipeline's first apply (-l %q); the servers must change only after the migration", d.Name, migrationSelector)
					}
				}
				if spec.RestartPolicy != corev1.RestartPolicyNever && spec.RestartPolicy != corev1.RestartPolicyOnFailure {
					t.Errorf("%s: restartPolicy %q", owner, spec.RestartPolicy)
				}
				if j.Spec.ActiveDeadlineSeconds == nil {
					t.Errorf("%s: no activeDeadlineSeconds; a stuck migration would hold the rollout for ever", owner)
				}
				checkPodSecurity(t, m, spec, c, owner)
				// It migrates the database the servers use.
				for dname, d := range m.Deployments {
					dp := m.process(t, container(t, d.Spec.Template.Spec, dname), "Deployment/"+dname)
					if got, want := p.value(migrate, "db"), dp.value(serve, "db"); got != want {
						t.Errorf("%s migrates %s but Deployment/%s serves %s", owner, got, dname, want)
					}
				}
			}
		})
	}
}

func TestOverlaysNameTheirEnvironment(t *testing.T) {
	serve, _ := flagsOf(t)
	hosts := map[string]string{}
	for _, dir := range deployedOverlays {
		t.Run(dir, func(t *testing.T) {
			m := render(t, dir)
			for name, d := range m.Deployments {
				c := container(t, d.Spec.Template.Spec, name)
				if !strings.Contains(c.Image, "/") || !strings.Contains(c.Image, ":") && !strings.Contains(c.Image, "@") {
					t.Errorf("Deployment/%s: image %q; want a registry path with a tag or digest", name, c.Image)
				}
				db := m.process(t, c, "Deployment/"+name).value(serve, "db")
				project, ok := strings.CutPrefix(db, "spanner:projects/")
				project, _, _ = strings.Cut(project, "/")
				if !ok {
					t.Errorf("Deployment/%s: --db = %q; want Cloud Spanner", name, db)
				}
				for saName, sa := range m.ServiceAccounts {
					gsa := sa.Annotations["iam.gke.io/gcp-service-account"]
					if !strings.HasSuffix(gsa, "@"+project+".iam.gserviceaccount.com") {
						t.Errorf("ServiceAccount/%s acts as %s; want a service account of %s, the project of the database", saName, gsa, project)
					}
				}
			}
			for _, ing := range m.Ingresses {
				hosts[dir] = ing.Spec.Rules[0].Host
			}
		})
	}
	if len(hosts) == len(deployedOverlays) && hosts["overlays/dev"] == hosts["overlays/prod"] {
		t.Errorf("dev and prod share the hostname %s", hosts["overlays/dev"])
	}
}

func TestPodMonitoringScrapesEveryRole(t *testing.T) {
	for _, dir := range appKustomizations {
		t.Run(dir, func(t *testing.T) {
			m := render(t, dir)
			if len(m.PodMonitorings) == 0 {
				t.Fatal("no PodMonitoring; nothing would scrape /metrics")
			}
			for name, d := range m.Deployments {
				c := container(t, d.Spec.Template.Spec, name)
				scraped := false
				for _, pm := range m.PodMonitorings {
					sel, err := metav1.LabelSelectorAsSelector(&pm.Spec.Selector)
					if err != nil {
						t.Fatalf("PodMonitoring/%s: %v", pm.Name, err)
					}
					if !sel.Matches(labels.Set(d.Spec.Template.Labels)) {
						continue
					}
					for _, e := range pm.Spec.Endpoints {
						if e.Path == "/metrics" && containerPort(c, e.Port) != 0 {
							scraped = true
						}
					}
				}
				if !scraped {
					t.Errorf("Deployment/%s: no PodMonitoring scrapes /metrics on one of its ports", name)
				}
			}
		})
	}
}

func TestEverythingInTheNamespace(t *testing.T) {
	for _, dir := range appKustomizations {
		t.Run(dir, func(t *testing.T) {
			m := render(t, dir)
			if len(m.Namespaces) != 1 {
				t.Fatalf("%d Namespaces; want 1", len(m.Namespaces))
			}
			for _, o := range m.namespaced {
				if _, ok := m.Namespaces[o.GetNamespace()]; !ok {
					t.Errorf("%s is in namespace %q; want %v", o.GetName(), o.GetNamespace(), keys(m.Namespaces))
				}
			}
		})
	}
}
