// Package deploy holds how techconf ships: the container image (../Dockerfile),
// the Kubernetes manifests (kustomize: base/, overlays/dev, overlays/prod,
// cluster/), the alert rules (base/alerts.yaml) and the CI/CD workflow
// (../.github/workflows). It has no code; its tests check that these files
// parse strictly and agree with what the server really serves.
package deploy
