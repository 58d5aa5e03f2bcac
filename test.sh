#!/usr/bin/env bash
# Runs every test of techconf, as the README says: the root module (the
# binary's packages), then deploy/ (the image, manifests, alert rules and
# workflow) and e2e/ (the browser tests). deploy/ and e2e/ are modules of
# their own so that their heavy dependencies (Kubernetes, PromQL, BuildKit,
# chromedp) stay out of `go run ./cmd/techconf`'s download and build; one
# `go test ./...` does not cross into them. Arguments go to every go test:
#
#   ./test.sh -run TestBrowser -v
#
# Every module runs even when one fails; the exit status says if any did.
set -uo pipefail
cd "$(dirname "$0")"
failed=""
for module in . deploy e2e; do
  echo "--- go test ./... in $module"
  # The browser tests and Lighthouse take longer than go test's default
  # 10 minutes on a busy 2-core machine.
  (cd "$module" && go test -timeout 30m "$@" ./...) || failed="$failed $module"
done
if [ -n "$failed" ]; then
  echo "FAIL in:$failed"
  exit 1
fi
