# syntax=docker/dockerfile:1
#
# The techconf image: one static binary, with the sample content embedded,
# on a distroless base, run as a non-root user. The same image serves both
# Deployments (--role api and --role web) and runs `techconf migrate`.
#
#   docker build -t techconf .
#   docker run --rm -p 8080:8080 techconf        # SQLite in the container
#
# deploy/image_test.go checks this file: the build stage's Go matches
# go.mod, and its go build lines, run on the build context that
# .dockerignore leaves, make a static binary.

# The build runs on the builder's platform and cross-compiles, which needs
# no emulation since cgo is off.
FROM --platform=$BUILDPLATFORM golang:1.26.8 AS build
WORKDIR /src
# CGO_ENABLED=0: the SQLite driver is pure Go, so the binary needs no libc.
# GOTOOLCHAIN=local: build with this image's Go, never download another.
ENV CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-trimpath
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG TARGETOS
ARG TARGETARCH
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    GOOS=$TARGETOS GOARCH=$TARGETARCH go build -ldflags="-s -w" -o bin/techconf ./cmd/techconf

# distroless/static: CA certificates (for Spanner) and /etc/passwd, no shell.
FROM gcr.io/distroless/static-debian12:nonroot
LABEL org.opencontainers.image.title="techconf" \
      org.opencontainers.image.description="Conference website: pages, GraphQL API and live likes"
COPY --from=build /src/bin/techconf /techconf
# The distroless "nonroot" user; a writable home for a local SQLite file.
USER 65532:65532
WORKDIR /home/nonroot
EXPOSE 8080
ENTRYPOINT ["/techconf"]
CMD ["serve"]
