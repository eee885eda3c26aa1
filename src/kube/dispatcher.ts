// @kubernetes/client-node 2.0.1 builds a new undici Agent for every API call
// (KubeConfig.applySecurityAuthentication → createDispatcher, uncached), so every call opens a new TLS
// connection with a fresh secure context and the idle ones linger until undici's keep-alive timeout. Under a
// burst of reconciles that was hundreds of sockets to the apiserver and hundreds of MiB of native memory
// (bench/RESULTS.md, "Scale"). This keeps one dispatcher per distinct connection setting instead. The key
// covers the TLS material itself, so a rotated client certificate or CA gets a new dispatcher.
import { createHash } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';

type CreateDispatcher = (cluster: unknown, agentOptions: unknown) => unknown;

/** How many distinct settings to keep; more only happens when credentials rotate. */
const KEEP = 4;

function keyOf(cluster: unknown, agentOptions: unknown): string {
  const c = (cluster ?? {}) as Record<string, unknown>;
  const hash = createHash('sha256');
  hash.update(JSON.stringify([c.name, c.server, c.proxyUrl, c.skipTLSVerify, c.tlsServerName]));
  for (const [k, v] of Object.entries((agentOptions ?? {}) as Record<string, unknown>).sort(([a], [b]) =>
    a < b ? -1 : 1,
  )) {
    hash.update(`\u0000${k}=`);
    if (v === undefined) continue;
    hash.update(Buffer.isBuffer(v) ? v : typeof v === 'string' ? v : JSON.stringify(v));
  }
  return hash.digest('hex');
}

/** Makes `kc` reuse its HTTP dispatchers (connections) across API calls. Returns `kc`. */
export function reuseDispatchers(kc: KubeConfig): KubeConfig {
  const target = kc as unknown as { createDispatcher: CreateDispatcher };
  const original = target.createDispatcher.bind(kc);
  const cache = new Map<string, unknown>();
  target.createDispatcher = (cluster, agentOptions) => {
    const key = keyOf(cluster, agentOptions);
    if (cache.has(key)) {
      const hit = cache.get(key);
      // Most recently used last, so the oldest setting is the one dropped.
      cache.delete(key);
      cache.set(key, hit);
      return hit;
    }
    const made = original(cluster, agentOptions);
    cache.set(key, made);
    if (cache.size > KEEP) cache.delete(cache.keys().next().value!);
    return made;
  };
  return kc;
}
