// Preload (node --import) for measuring the operator with one HTTP dispatcher per cluster and user.
// @kubernetes/client-node 2.0.1 builds a new undici Agent for every request
// (KubeConfig.applySecurityAuthentication → createDispatcher, not cached), so every API call opens a new TLS
// connection with a new secure context, and the idle ones linger until undici's keep-alive timeout. Under a
// burst of reconciles that is hundreds of sockets and hundreds of MiB of native memory. This patch caches the
// dispatcher; the benchmark runs the operator with and without it to show the difference.
import { KubeConfig } from '@kubernetes/client-node';

type CreateDispatcher = (
  this: KubeConfig,
  cluster: { name?: string; server?: string } | null,
  options: unknown,
) => unknown;
const proto = KubeConfig.prototype as unknown as { createDispatcher: CreateDispatcher };
const original = proto.createDispatcher;
const cache = new WeakMap<KubeConfig, Map<string, unknown>>();

proto.createDispatcher = function (cluster, options) {
  let byKey = cache.get(this);
  if (!byKey) cache.set(this, (byKey = new Map()));
  const key = JSON.stringify([cluster?.name ?? '', cluster?.server ?? '', this.getCurrentUser()?.name ?? '']);
  if (!byKey.has(key)) byKey.set(key, original.call(this, cluster, options));
  return byKey.get(key);
};
