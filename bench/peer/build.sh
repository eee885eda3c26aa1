#!/usr/bin/env bash
# Builds the controller-runtime peer (main.go beside this script) once per controller-runtime version and
# module hash, into a cache outside the repository. Prints the binary's path on stdout; progress goes to
# stderr. A cache hit costs nothing; a cold build takes a few minutes on two cores.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CR_VERSION=$(awk '$1 == "sigs.k8s.io/controller-runtime" || ($1 == "require" && $2 == "sigs.k8s.io/controller-runtime") { print ($1 == "require" ? $3 : $2); exit }' "$HERE/go.mod")
[[ -n $CR_VERSION ]] || { echo "build.sh: cannot read the controller-runtime version from go.mod" >&2; exit 1; }
HASH=$(cat "$HERE"/go.mod "$HERE"/go.sum "$HERE"/*.go "$0" | sha256sum | cut -c1-12)
KEY="controller-runtime-${CR_VERSION}_$(go env GOVERSION)_$(go env GOOS)-$(go env GOARCH)_${HASH}"
DIR="${XDG_CACHE_HOME:-$HOME/.cache}/batchpool-operator/peer-bin/$KEY"
if [[ -x $DIR/batchpool-peer ]]; then
  echo "$DIR/batchpool-peer"
  exit 0
fi

echo "build.sh: building the peer on controller-runtime $CR_VERSION; later runs reuse $DIR" >&2
start=$(date +%s)
export CGO_ENABLED=0 GOFLAGS="-mod=readonly -trimpath -buildvcs=false"
tmp="$DIR.tmp.$$"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"
(cd "$HERE" && go build -ldflags "-s -w" -o "$tmp/batchpool-peer" .) >&2
mkdir -p "$(dirname "$DIR")"
# Atomic publish: a concurrent build that loses the race just discards its copy.
mv -T "$tmp" "$DIR" 2>/dev/null || rm -rf "$tmp"
echo "build.sh: built in $(($(date +%s) - start)) s" >&2
echo "$DIR/batchpool-peer"
