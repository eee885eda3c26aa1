#!/usr/bin/env bash
# Starts a real etcd + kube-apiserver on free loopback ports, writes an admin kubeconfig, runs the
# given command with KUBECONFIG set and kubectl of the same version first on PATH, then tears down
# exactly the processes it started, whatever happened.
#
#   test/cluster/with-cluster.sh <command...>
#
# Environment for the command:
#   KUBECONFIG, E2E_ADMIN_KUBECONFIG   admin (system:masters) kubeconfig
#   E2E_API_URL                        https://127.0.0.1:<port>
#   E2E_CLUSTER_DIR                    work dir (pki/, logs); removed afterwards unless KEEP_E2E_WORK=1
#   E2E_OPERATOR_KUBECONFIG            only with E2E_OPERATOR_SA=namespace/name: a ServiceAccount token kubeconfig
# Inputs: K8S_TEST_BIN (binary dir; default: the output of build.sh, which builds on a cache miss).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
[[ $# -gt 0 ]] || { echo "usage: with-cluster.sh <command...>" >&2; exit 2; }
for tool in openssl curl base64; do
  command -v "$tool" >/dev/null || { echo "with-cluster.sh: $tool is required (Debian package: ${tool/base64/coreutils})" >&2; exit 2; }
done
BIN=${K8S_TEST_BIN:-$(bash "$HERE/build.sh")}
WORK=$(mktemp -d -t bpo-cluster.XXXXXX)
PKI=$WORK/pki
mkdir -p "$PKI" "$WORK/etcd-data" "$WORK/apiserver-certs"
ETCD_PID=""
API_PID=""

stop() {
  local rc=$?
  trap - EXIT INT TERM
  for pid in "$API_PID" "$ETCD_PID"; do
    [[ -n $pid ]] || continue
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [[ $rc -ne 0 ]]; then
    echo "--- kube-apiserver.log (tail)" >&2; tail -n 40 "$WORK/kube-apiserver.log" >&2 2>/dev/null || true
    echo "--- etcd.log (tail)" >&2; tail -n 20 "$WORK/etcd.log" >&2 2>/dev/null || true
  fi
  [[ ${KEEP_E2E_WORK:-0} == 1 ]] && echo "with-cluster.sh: kept $WORK" >&2 || rm -rf "$WORK"
  exit "$rc"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Three distinct free loopback ports, held open together while they are chosen.
read -r ETCD_PORT PEER_PORT API_PORT < <(node -e '
  const net = require("net"), ss = [0, 1, 2].map(() => net.createServer()); let n = 0;
  ss.forEach((s) => s.listen(0, "127.0.0.1", () => { if (++n === 3) {
    console.log(ss.map((x) => x.address().port).join(" ")); ss.forEach((x) => x.close()); } }));')
API="https://127.0.0.1:$API_PORT"

# Throw-away PKI, as envtest does: a CA, the serving certificate, an admin client certificate
# (O=system:masters) and the ServiceAccount token signing key.
cat >"$PKI/ssl.cnf" <<'CNF'
[req]
distinguished_name = dn
[dn]
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign,digitalSignature
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1,DNS:localhost
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = clientAuth
CNF
newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
newkey "$PKI/ca.key"
openssl req -x509 -new -key "$PKI/ca.key" -subj "/CN=batchpool-e2e-ca" -days 2 \
  -config "$PKI/ssl.cnf" -extensions ca -out "$PKI/ca.crt"
issue() { # name subject extension-section
  newkey "$PKI/$1.key"
  openssl req -new -key "$PKI/$1.key" -subj "$2" -config "$PKI/ssl.cnf" -out "$PKI/$1.csr"
  openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 2 -extfile "$PKI/ssl.cnf" -extensions "$3" -out "$PKI/$1.crt" 2>/dev/null
}
issue apiserver "/CN=kube-apiserver" server
issue admin "/O=system:masters/CN=e2e-admin" client
newkey "$PKI/sa.key"
openssl pkey -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub"
CURL_ADMIN=(--cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key")

wait_http() { # url pid seconds [curl args...]
  local url=$1 pid=$2 secs=$3
  shift 3
  for _ in $(seq 1 $((secs * 5))); do
    curl -sf -o /dev/null "$@" "$url" && return 0
    kill -0 "$pid" 2>/dev/null || { echo "with-cluster.sh: process $pid exited early" >&2; return 1; }
    sleep 0.2
  done
  echo "with-cluster.sh: timed out waiting for $url" >&2
  return 1
}

"$BIN/etcd" --name e2e --data-dir "$WORK/etcd-data" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$PEER_PORT" \
  --initial-cluster "e2e=http://127.0.0.1:$PEER_PORT" \
  --unsafe-no-fsync --log-level warn >"$WORK/etcd.log" 2>&1 &
ETCD_PID=$!
wait_http "http://127.0.0.1:$ETCD_PORT/health" "$ETCD_PID" 30

# shellcheck disable=SC2086 # KUBE_APISERVER_EXTRA_ARGS is word-split on purpose
"$BIN/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT" \
  --cert-dir="$WORK/apiserver-certs" \
  --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
  --client-ca-file="$PKI/ca.crt" \
  --service-account-issuer="$API" \
  --service-account-key-file="$PKI/sa.pub" \
  --service-account-signing-key-file="$PKI/sa.key" \
  --service-cluster-ip-range=10.0.0.0/24 \
  --authorization-mode=RBAC \
  --disable-admission-plugins=ServiceAccount \
  --allow-privileged=true \
  --endpoint-reconciler-type=none \
  ${KUBE_APISERVER_EXTRA_ARGS:-} >"$WORK/kube-apiserver.log" 2>&1 &
API_PID=$!
wait_http "$API/readyz" "$API_PID" 120 "${CURL_ADMIN[@]}"

b64() { base64 -w0 <"$1"; }
write_kubeconfig() { # out-file user-fields (indented 4 spaces)
  cat >"$1" <<KC
apiVersion: v1
kind: Config
clusters:
- name: e2e
  cluster:
    server: $API
    certificate-authority-data: $(b64 "$PKI/ca.crt")
contexts:
- name: e2e
  context: {cluster: e2e, user: e2e-user}
current-context: e2e
users:
- name: e2e-user
  user:
$2
KC
}
write_kubeconfig "$WORK/admin.kubeconfig" "    client-certificate-data: $(b64 "$PKI/admin.crt")
    client-key-data: $(b64 "$PKI/admin.key")"

if [[ -n ${E2E_OPERATOR_SA:-} ]]; then
  ns=${E2E_OPERATOR_SA%%/*} sa=${E2E_OPERATOR_SA##*/}
  "$BIN/kubectl" --kubeconfig "$WORK/admin.kubeconfig" create namespace "$ns" >/dev/null 2>&1 || true
  "$BIN/kubectl" --kubeconfig "$WORK/admin.kubeconfig" -n "$ns" create serviceaccount "$sa" >/dev/null 2>&1 || true
  token=$("$BIN/kubectl" --kubeconfig "$WORK/admin.kubeconfig" -n "$ns" create token "$sa" --duration=6h)
  write_kubeconfig "$WORK/operator.kubeconfig" "    token: $token"
  export E2E_OPERATOR_KUBECONFIG=$WORK/operator.kubeconfig
fi

export KUBECONFIG=$WORK/admin.kubeconfig E2E_ADMIN_KUBECONFIG=$WORK/admin.kubeconfig
export E2E_API_URL=$API E2E_CLUSTER_DIR=$WORK E2E_KUBE_BIN=$BIN
export PATH="$BIN:$PATH"
echo "with-cluster.sh: kube-apiserver ready at $API (etcd pid $ETCD_PID, apiserver pid $API_PID)" >&2
# Not exec: the EXIT trap must run after the command to tear the cluster down.
set +e
"$@"
