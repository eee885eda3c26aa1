// Two small node:http servers, as in controller-runtime: metrics on :8080 (/metrics) and probes on
// :8081 (/healthz, /readyz). They are separate so the metrics port can be scraped through a Service
// while the probe port stays a kubelet-only concern.
//
// Readiness: a replica is ready when its caches have synced AND it is not a leader that has lost its
// Lease. A healthy standby is ready too — otherwise a 2-replica Deployment could never finish a
// rolling update or satisfy its PodDisruptionBudget, since only one replica can ever lead. The leader
// is therefore "ready only once caches are synced and the Lease is held"; a replica whose Lease was
// lost reports not-ready until it exits.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { OperatorMetrics } from './metrics.ts';

export type Leadership = 'leader' | 'standby' | 'lost';

export interface ReadinessSource {
  /** True once the informers have listed everything (a standby that does not watch may pass () => true). */
  cachesSynced(): boolean;
  /** Leave out when leader election is off. */
  leadership?(): Leadership;
}

export interface ProbeLog {
  info(obj: object, msg: string): void;
}

export interface ObservabilityOptions {
  /** "host:port", ":port" (all interfaces), or "0" / "" to disable. Default ":8080". */
  metricsBindAddress?: string;
  /** Same forms. Default ":8081". */
  healthProbeBindAddress?: string;
  metrics: OperatorMetrics;
  readiness: ReadinessSource;
  /** Liveness fails when the event loop has not run a timer for this long. Default 10 s. */
  maxEventLoopStallMs?: number;
  log?: ProbeLog;
}

export interface ObservabilityServers {
  /** Bound ports (useful with port 0); undefined when disabled. */
  metricsPort: number | undefined;
  probePort: number | undefined;
  close(): Promise<void>;
}

export interface Check {
  name: string;
  ok: boolean;
  detail?: string;
}

/** The readiness checks, pure so the decision can be tested without sockets. */
export function readinessChecks(src: ReadinessSource): Check[] {
  const checks: Check[] = [{ name: 'informers', ok: safe(() => src.cachesSynced()) }];
  if (src.leadership) {
    const l = safeValue(() => src.leadership?.(), 'lost');
    checks.push({ name: 'leader-election', ok: l !== 'lost', detail: l });
  }
  return checks;
}

/** Parses controller-runtime style bind addresses; undefined = disabled. */
export function parseBindAddress(
  addr: string | undefined,
  fallback: string,
): { host?: string; port: number } | undefined {
  const a = addr ?? fallback;
  if (a === '' || a === '0') return undefined;
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(a);
  if (!m) throw new Error(`invalid bind address "${a}" (want host:port or :port)`);
  const host = m[1] ?? m[2];
  return { ...(host ? { host } : {}), port: Number(m[3]) };
}

export async function startObservabilityServers(opts: ObservabilityOptions): Promise<ObservabilityServers> {
  const watchdog = new EventLoopWatchdog(opts.maxEventLoopStallMs ?? 10_000);
  const heartbeat = setInterval(() => watchdog.beat(), watchdog.intervalMs);
  heartbeat.unref();
  const liveness = (): Check[] => [watchdog.check()];

  const servers: Server[] = [];
  let metricsPort: number | undefined;
  let probePort: number | undefined;
  try {
    const metricsAddr = parseBindAddress(opts.metricsBindAddress, ':8080');
    if (metricsAddr) {
      const s = createServer((req, res) => void serveMetrics(req, res, opts.metrics));
      metricsPort = await listen(s, metricsAddr);
      servers.push(s);
      opts.log?.info({ port: metricsPort }, 'serving metrics');
    }
    const probeAddr = parseBindAddress(opts.healthProbeBindAddress, ':8081');
    if (probeAddr) {
      const s = createServer((req, res) => {
        const path = pathOf(req);
        if (path === '/healthz' || path === '/livez') return answer(res, req, liveness());
        if (path === '/readyz') return answer(res, req, readinessChecks(opts.readiness));
        res.writeHead(404).end('not found\n');
      });
      probePort = await listen(s, probeAddr);
      servers.push(s);
      opts.log?.info({ port: probePort }, 'serving health probes');
    }
  } catch (err) {
    clearInterval(heartbeat);
    await Promise.all(servers.map(closeServer));
    throw err;
  }

  return {
    metricsPort,
    probePort,
    async close() {
      clearInterval(heartbeat);
      await Promise.all(servers.map(closeServer));
    },
  };
}

/**
 * Liveness of the event loop. A fully blocked loop cannot answer the probe at all (the kubelet's
 * timeout catches that); this catches a loop that still turns but so slowly that timers fire
 * seconds late, which starves renewals of the Lease and the work queue alike.
 */
export class EventLoopWatchdog {
  readonly maxStallMs: number;
  readonly intervalMs: number;
  #now: () => number;
  #lastBeat: number;
  #lastLag = 0;

  constructor(maxStallMs: number, now: () => number = () => performance.now()) {
    this.maxStallMs = maxStallMs;
    this.intervalMs = Math.max(1, Math.min(1000, Math.floor(maxStallMs / 4)));
    this.#now = now;
    this.#lastBeat = now();
  }

  beat(): void {
    const t = this.#now();
    this.#lastLag = Math.max(0, t - this.#lastBeat - this.intervalMs);
    this.#lastBeat = t;
  }

  check(): Check {
    const pending = Math.max(0, this.#now() - this.#lastBeat - this.intervalMs);
    const lag = Math.max(this.#lastLag, pending);
    return { name: 'event-loop', ok: lag < this.maxStallMs, detail: `timer lag ${Math.round(lag)}ms` };
  }
}

async function serveMetrics(
  req: IncomingMessage,
  res: ServerResponse,
  metrics: OperatorMetrics,
): Promise<void> {
  if (pathOf(req) !== '/metrics') {
    res.writeHead(404).end('not found\n');
    return;
  }
  try {
    const body = await metrics.render();
    res.writeHead(200, { 'Content-Type': metrics.contentType }).end(req.method === 'HEAD' ? undefined : body);
  } catch (err) {
    res.writeHead(500).end(`${err instanceof Error ? err.message : String(err)}\n`);
  }
}

// controller-runtime's format: "[+]name ok" lines, then "healthz check passed" / "… failed".
function answer(res: ServerResponse, req: IncomingMessage, checks: Check[]): void {
  const ok = checks.every((c) => c.ok);
  const lines = checks.map(
    (c) => `[${c.ok ? '+' : '-'}]${c.name} ${c.ok ? 'ok' : 'failed'}${c.detail ? ` (${c.detail})` : ''}`,
  );
  const what = pathOf(req).slice(1);
  res
    .writeHead(ok ? 200 : 503, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
    .end(
      req.method === 'HEAD' ? undefined : `${lines.join('\n')}\n${what} check ${ok ? 'passed' : 'failed'}\n`,
    );
}

function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?')[0] ?? '/';
}

function listen(server: Server, addr: { host?: string; port: number }): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(addr.port, addr.host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function safe(fn: () => boolean): boolean {
  try {
    return fn();
  } catch {
    return false;
  }
}

function safeValue<T>(fn: () => T | undefined, fallback: T): T {
  try {
    return fn() ?? fallback;
  } catch {
    return fallback;
  }
}
