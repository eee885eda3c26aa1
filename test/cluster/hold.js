// Run by with-cluster.sh for the vitest e2e global setup: reports the cluster's environment on
// stdout as one JSON line, then holds the cluster up until its parent closes our stdin (normal
// teardown, or the parent dying), so the cluster never outlives the test run.
const keys = [
  'KUBECONFIG',
  'E2E_ADMIN_KUBECONFIG',
  'E2E_OPERATOR_KUBECONFIG',
  'E2E_API_URL',
  'E2E_CLUSTER_DIR',
  'E2E_KUBE_BIN',
  'PATH',
];
const env = Object.fromEntries(
  keys.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]]),
);
process.stdout.write(`${JSON.stringify(env)}\n`);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
