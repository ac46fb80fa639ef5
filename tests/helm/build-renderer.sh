#!/usr/bin/env bash
# Builds tests/helm/render offline in GOPATH mode against Debian's Go sources (golang-1.19-go,
# golang-github-masterminds-sprig-dev). sprig v3 and semver v3 import each other by their module paths
# (.../v3), which GOPATH mode only finds through an overlay that aliases those paths to Debian's folders.
# Usage: build-renderer.sh OUTPUT_BINARY WORK_DIR      builds the renderer
#        build-renderer.sh --test WORK_DIR             runs its unit tests (go vet, go test)
set -euo pipefail

output=$1
work=$2
source_dir=$(cd "$(dirname "$0")/render" && pwd)
gocode=/usr/share/gocode/src
go=$(command -v go || true)
if [ -z "$go" ] && [ -x /usr/lib/go-1.19/bin/go ]; then go=/usr/lib/go-1.19/bin/go; fi
if [ -z "$go" ]; then
  echo "build-renderer: no go toolchain (Debian package golang-1.19-go)" >&2
  exit 1
fi
for dir in "$gocode/github.com/Masterminds/sprig" "$gocode/github.com/Masterminds/semver" "$gocode/gopkg.in/yaml.v2"; do
  if [ ! -d "$dir" ]; then
    echo "build-renderer: $dir is missing (Debian package golang-github-masterminds-sprig-dev)" >&2
    exit 1
  fi
done

overlay=$work/gopath
mkdir -p "$overlay/src/github.com/Masterminds/sprig" "$overlay/src/github.com/Masterminds/semver" "$work/cache"
ln -sfn "$gocode/github.com/Masterminds/sprig" "$overlay/src/github.com/Masterminds/sprig/v3"
ln -sfn "$gocode/github.com/Masterminds/semver" "$overlay/src/github.com/Masterminds/semver/v3"

cd "$source_dir"
export GO111MODULE=off GOPATH="$overlay:/usr/share/gocode" GOCACHE="$work/cache" GOFLAGS= GOPROXY=off HOME="$work"
if [ "$output" = "--test" ]; then
  "$go" vet .
  "$go" test -count=1 -v .
  exit 0
fi
"$go" build -o "$output" .
echo "build-renderer: built $output"
