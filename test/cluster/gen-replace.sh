#!/usr/bin/env bash
# Prints the go/godebug lines and the staging replace block of k8s.io/kubernetes@<tag>, read from
# the module proxy's copy of that tag's go.mod. Run once per version bump, paste into apiserver/go.mod.
set -euo pipefail
K=${1:?usage: gen-replace.sh v1.35.4}
S="v0.${K#v1.}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mod=$(cd "$tmp" && go mod download -json "k8s.io/kubernetes@$K" | sed -n 's/.*"GoMod": "\([^"]*\)".*/\1/p')
echo "# from $K go.mod:"
grep -E '^(go|godebug|toolchain) ' "$mod" || true
echo 'replace ('
sed -n 's#^[[:space:]]*\(k8s\.io/[A-Za-z0-9._-]*\) => \./staging/src/.*#\t\1 => \1 '"$S"'#p' "$mod"
echo ')'
echo "# non-staging replace lines in $K (should be none; review if any):"
grep -E '=>' "$mod" | grep -v '\./staging/src/' || echo "#   none"
