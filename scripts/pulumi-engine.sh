#!/usr/bin/env bash
# Build the real Pulumi engine from the Go module proxy, offline from any other download:
# the `pulumi` CLI, the Python language host and the two scripts that ship beside it, and
# the YAML, Node.js and Go language hosts. Reuses what is built; builds only the binaries a cache lacks (a
# cache from an older version of this script gains the new ones); prints the folder that
# holds the binaries (last line).
#
#   scripts/pulumi-engine.sh              # build if needed, print the bin folder
#   scripts/pulumi-engine.sh --version    # print the pinned engine version
#   scripts/pulumi-engine.sh --bin-dir    # print the bin folder without building
#
# Environment: ALIREAD_ENGINE_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-aliread).
set -euo pipefail

# The one place the engine version is pinned (README "Tested against the real Pulumi
# engine" names it; tests/engine reads it from here).
PULUMI_VERSION=3.274.1
# The Python language host. Since sdk v3.80.0 it is a module of its own,
# github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3, which has no version
# tags; the proxy reachable here answers "403 Forbidden: This module version is not
# available" for its version list and for every pseudo-version tried. v3.79.0 is the last
# sdk/v3 module that still carries the host, so it is built from there; it speaks the same
# LanguageRuntime gRPC service, and the newer CLI falls back for the RPCs it lacks.
PYTHON_HOST_SDK_VERSION=3.79.0
# The Node.js language host (TypeScript programs). Its own module since sdk v3.69.0
# (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3, which the proxy here
# answers 403 "This module version is not available" for, like the Python host's); v3.68.0
# is the last sdk/v3 module that carries it. It runs the program with the @pulumi/pulumi
# the program installs from npm.
NODEJS_HOST_SDK_VERSION=3.68.0
# The Go language host (Go programs), likewise: its own module
# (github.com/pulumi/pulumi/sdk/go/pulumi-language-go/v3, answered 403 too) since sdk
# v3.67.0; v3.66.0 is the last sdk/v3 module that carries it.
GO_HOST_SDK_VERSION=3.66.0
# The YAML language host: github.com/pulumi/pulumi-yaml is one module with v1.x tags and no
# replace lines; v1.25.0 is served by the proxy and builds against the versions it requires.
YAML_VERSION=1.25.0

cache_root=${ALIREAD_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-aliread}
engine_dir=$cache_root/engine-$PULUMI_VERSION
bin_dir=$engine_dir/bin

case "${1:-}" in
  --version) echo "$PULUMI_VERSION"; exit 0 ;;
  --bin-dir) echo "$bin_dir"; exit 0 ;;
  "") ;;
  *) echo "usage: $0 [--version|--bin-dir]" >&2; exit 2 ;;
esac

# Every binary this script provides; a cache that has them all is reused as it is.
expected=(pulumi pulumi-language-python pulumi-language-python-exec
          pulumi-resource-pulumi-python pulumi-language-yaml pulumi-language-nodejs
          pulumi-language-go)
missing() { [ ! -x "$bin_dir/$1" ]; }
all_present=1
for b in "${expected[@]}"; do if missing "$b"; then all_present=0; fi; done
if [ "$all_present" = 1 ]; then
  echo "$bin_dir"
  exit 0
fi

command -v go >/dev/null 2>&1 || {
  echo "pulumi-engine: Go >= 1.26 is needed to build the Pulumi engine (go not found on PATH)" >&2
  exit 2
}

log() { printf 'pulumi-engine: %s\n' "$*" >&2; }
export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=${GOTOOLCHAIN:-local}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin"

# go install pkg@version refuses modules whose go.mod has replace lines, so build from a
# small wrapper module that repeats pkg's non-relative replace lines.
build_cli() {
  local mod=$work/cli
  mkdir -p "$mod" && cd "$mod"
  printf 'module aliread.local/engine/cli\n\ngo 1.26\n' > go.mod
  go mod download -json "github.com/pulumi/pulumi/pkg/v3@v$PULUMI_VERSION" > pkg.json
  local pkg_mod
  pkg_mod=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["GoMod"])' pkg.json)
  go mod edit -json "$pkg_mod" | python3 -c '
import json, sys
for r in json.load(sys.stdin).get("Replace") or []:
    new = r["New"]
    if new.get("Version"):  # relative (local path) replaces do not apply to a dependency
        old = r["Old"]["Path"] + ("@" + r["Old"]["Version"] if r["Old"].get("Version") else "")
        print("-replace=%s=%s@%s" % (old, new["Path"], new["Version"]))
' | xargs -r go mod edit
  go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@v$PULUMI_VERSION" \
         "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION"
  log "building pulumi v$PULUMI_VERSION (a cold build takes several minutes on 2 cores)"
  go build -trimpath -tags osusergo \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PULUMI_VERSION" \
    -o "$work/bin/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
}

build_yaml_host() {
  local mod=$work/yaml-host
  mkdir -p "$mod" && cd "$mod"
  printf 'module aliread.local/engine/yamlhost\n\ngo 1.26\n' > go.mod
  go get "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@v$YAML_VERSION"
  log "building pulumi-language-yaml v$YAML_VERSION"
  go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=v$YAML_VERSION" \
    -o "$work/bin/pulumi-language-yaml" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml
}

build_nodejs_host() {
  local mod=$work/nodejs-host
  mkdir -p "$mod" && cd "$mod"
  printf 'module aliread.local/engine/nodejshost\n\ngo 1.26\n' > go.mod
  go get "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs@v$NODEJS_HOST_SDK_VERSION"
  log "building pulumi-language-nodejs (sdk v$NODEJS_HOST_SDK_VERSION)"
  go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$NODEJS_HOST_SDK_VERSION" \
    -o "$work/bin/pulumi-language-nodejs" \
    github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs
}

build_go_host() {
  local mod=$work/go-host
  mkdir -p "$mod" && cd "$mod"
  printf 'module aliread.local/engine/gohost\n\ngo 1.26\n' > go.mod
  go get "github.com/pulumi/pulumi/sdk/v3/go/pulumi-language-go@v$GO_HOST_SDK_VERSION"
  log "building pulumi-language-go (sdk v$GO_HOST_SDK_VERSION)"
  go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$GO_HOST_SDK_VERSION" \
    -o "$work/bin/pulumi-language-go" github.com/pulumi/pulumi/sdk/v3/go/pulumi-language-go
}

build_python_host() {
  local mod=$work/python-host
  mkdir -p "$mod" && cd "$mod"
  printf 'module aliread.local/engine/pythonhost\n\ngo 1.26\n' > go.mod
  go get "github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python@v$PYTHON_HOST_SDK_VERSION"
  log "building pulumi-language-python (sdk v$PYTHON_HOST_SDK_VERSION)"
  go build -trimpath \
    -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$PYTHON_HOST_SDK_VERSION" \
    -o "$work/bin/pulumi-language-python" \
    github.com/pulumi/pulumi/sdk/v3/python/cmd/pulumi-language-python
  # The scripts that ship beside the host, from the engine's own sdk module (the module
  # cache drops exec bits, hence install -m 0755).
  local sdk_dir
  sdk_dir=$(go mod download -json "github.com/pulumi/pulumi/sdk/v3@v$PULUMI_VERSION" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')
  install -m 0755 "$sdk_dir/python/cmd/pulumi-language-python-exec" "$work/bin/"
  install -m 0755 "$sdk_dir/python/dist/pulumi-resource-pulumi-python" "$work/bin/"
}

mkdir -p "$bin_dir"
if missing pulumi; then build_cli; fi
if missing pulumi-language-python || missing pulumi-language-python-exec \
   || missing pulumi-resource-pulumi-python; then
  build_python_host
fi
if missing pulumi-language-yaml; then build_yaml_host; fi
if missing pulumi-language-nodejs; then build_nodejs_host; fi
if missing pulumi-language-go; then build_go_host; fi
"$work/bin/pulumi" version >/dev/null 2>&1 || "$bin_dir/pulumi" version >/dev/null

# Move in only what was built (each binary is renamed into place whole).
for f in "$work"/bin/*; do
  [ -e "$f" ] && mv -f "$f" "$bin_dir/"
done
touch "$engine_dir/.complete"
log "ready: $bin_dir"
echo "$bin_dir"
