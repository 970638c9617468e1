#!/usr/bin/env bash
# Generate the TypeScript and Go SDKs of the aliread provider plugin from its package
# schema (pulumi_aliread/plugin/schema.json) into sdk/nodejs and sdk/go (`make sdk`).
#
#   scripts/gen-sdk.sh            # build the generator if needed, regenerate sdk/
#   scripts/gen-sdk.sh OUTDIR     # generate into OUTDIR instead (the staleness test)
#   scripts/gen-sdk.sh --bin      # build the generator if needed, print its path
#   scripts/gen-sdk.sh --bin-path # print the generator's path without building it
#
# `pulumi package gen-sdk` generates code inside the Node.js / Go language hosts, and the
# Go module proxy does not serve those hosts (see scripts/pulumi-engine.sh); the same code
# generators are packages of github.com/pulumi/pulumi/pkg/v3, which it does serve, so a
# small program (scripts/sdkgen/main.go) calls them directly, at the engine's version.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
version=$("$repo/scripts/pulumi-engine.sh" --version)
cache_root=${ALIREAD_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-aliread}
source_hash=$(sha256sum "$repo/scripts/sdkgen/main.go" | cut -c1-12)
gen=$cache_root/sdkgen-$version-$source_hash/sdkgen

build() {
  command -v go >/dev/null 2>&1 || {
    echo "gen-sdk: Go >= 1.26 is needed to build the SDK generator (go not found)" >&2
    exit 2
  }
  local work
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  cp "$repo/scripts/sdkgen/main.go" "$work/"
  cd "$work"
  export CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=${GOTOOLCHAIN:-local}
  printf 'module aliread.local/sdkgen\n\ngo 1.26\n' > go.mod
  # pkg's non-relative replace lines, as for the CLI (scripts/pulumi-engine.sh).
  local pkg_mod
  pkg_mod=$(go mod download -json "github.com/pulumi/pulumi/pkg/v3@v$version" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["GoMod"])')
  go mod edit -json "$pkg_mod" | python3 -c '
import json, sys
for r in json.load(sys.stdin).get("Replace") or []:
    new = r["New"]
    if new.get("Version"):
        old = r["Old"]["Path"] + ("@" + r["Old"]["Version"] if r["Old"].get("Version") else "")
        print("-replace=%s=%s@%s" % (old, new["Path"], new["Version"]))
' | xargs -r go mod edit
  go get "github.com/pulumi/pulumi/pkg/v3@v$version" "github.com/pulumi/pulumi/sdk/v3@v$version"
  echo "gen-sdk: building the SDK generator (pkg/v3 v$version codegen)" >&2
  mkdir -p "$(dirname "$gen")"
  go build -trimpath -tags osusergo -ldflags "-s -w" -o "$gen.tmp" .
  mv -f "$gen.tmp" "$gen"
}

if [ "${1:-}" = --bin-path ]; then echo "$gen"; exit 0; fi
[ -x "$gen" ] || build
case "${1:-}" in
  --bin) echo "$gen"; exit 0 ;;
  "") out=$repo/sdk ;;
  *) out=$1 ;;
esac
"$gen" "$repo/pulumi_aliread/plugin/schema.json" "$out"
echo "gen-sdk: wrote $out/nodejs and $out/go" >&2
