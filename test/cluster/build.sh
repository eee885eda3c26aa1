#!/usr/bin/env bash
# Builds kube-apiserver, kubectl and etcd from the Go tool modules beside this script, once per
# version, into a cache outside the repository. Prints the binary directory on stdout; progress
# goes to stderr. A cache hit costs nothing; a cold build takes many minutes on two cores.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
modver() { awk -v m="$1" '$1 == m || ($1 == "require" && $2 == m) { print ($1 == "require" ? $3 : $2); exit }' "$2"; }
K8S_VERSION=$(modver k8s.io/kubernetes "$HERE/apiserver/go.mod")
ETCD_VERSION=$(modver go.etcd.io/etcd/server/v3 "$HERE/etcd/go.mod")
[[ -n $K8S_VERSION && -n $ETCD_VERSION ]] || { echo "build.sh: cannot read versions from go.mod" >&2; exit 1; }
HASH=$(cat "$HERE"/apiserver/go.mod "$HERE"/apiserver/go.sum "$HERE"/etcd/go.mod "$HERE"/etcd/go.sum "$0" |
  sha256sum | cut -c1-12)
KEY="k8s-${K8S_VERSION}_etcd-${ETCD_VERSION}_$(go env GOVERSION)_$(go env GOOS)-$(go env GOARCH)_${HASH}"
BIN="${K8S_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/batchpool-operator/e2e-bin}/$KEY"
if [[ -x $BIN/kube-apiserver && -x $BIN/kubectl && -x $BIN/etcd ]]; then
  echo "$BIN"
  exit 0
fi

echo "build.sh: building kube-apiserver $K8S_VERSION, kubectl and etcd $ETCD_VERSION from Go modules" >&2
echo "build.sh: a cold build takes 10-25 minutes on two cores; later runs reuse $BIN" >&2
start=$(date +%s)
export CGO_ENABLED=0 GOFLAGS="-mod=readonly -trimpath -buildvcs=false"
minor=$(cut -d. -f2 <<<"$K8S_VERSION")
ldf="-s -w"
# Stamp the version the way hack/lib/version.sh does, so /version and `kubectl version` are right.
for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldf+=" -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
  ldf+=" -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
done
tmp="$BIN.tmp.$$"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"
(cd "$HERE/etcd" && go build -ldflags "-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3) >&2
(cd "$HERE/apiserver" && go build -ldflags "$ldf" -o "$tmp/" \
  k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl) >&2
"$tmp/kube-apiserver" --version >&2
# sed, not head: head would end etcd with SIGPIPE, and pipefail would fail the build.
"$tmp/etcd" --version | sed -n 1p >&2
mkdir -p "$(dirname "$BIN")"
# Atomic publish: a concurrent build that loses the race just discards its copy.
mv -T "$tmp" "$BIN" 2>/dev/null || rm -rf "$tmp"
echo "build.sh: built in $(($(date +%s) - start)) s" >&2
echo "$BIN"
