import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/observability/metrics.ts';
import {
  EventLoopWatchdog,
  parseBindAddress,
  readinessChecks,
  startObservabilityServers,
} from '../../../src/observability/server.ts';
import type { Leadership, ObservabilityServers } from '../../../src/observability/server.ts';

let servers: ObservabilityServers | undefined;
afterEach(async () => {
  await servers?.close();
  servers = undefined;
});

async function start(state: { synced: boolean; leadership?: Leadership }) {
  const metrics = createMetrics({ processMetrics: false });
  metrics.reconcile.register('batchpool', 1);
  servers = await startObservabilityServers({
    metricsBindAddress: '127.0.0.1:0',
    healthProbeBindAddress: '127.0.0.1:0',
    metrics,
    readiness: {
      cachesSynced: () => state.synced,
      ...(state.leadership !== undefined ? { leadership: () => state.leadership! } : {}),
    },
  });
  return servers;
}

async function get(port: number | undefined, path: string) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text(), type: res.headers.get('content-type') };
}

describe('probe and metrics servers', () => {
  it('serves the exposition on /metrics and nothing else on the metrics port', async () => {
    const s = await start({ synced: true });
    const m = await get(s.metricsPort, '/metrics');
    expect(m.status).toBe(200);
    expect(m.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(m.body).toContain('controller_runtime_reconcile_total{controller="batchpool",result="success"} 0');
    expect((await get(s.metricsPort, '/healthz')).status).toBe(404);
  });

  it('answers /healthz while the event loop runs', async () => {
    const s = await start({ synced: false });
    const h = await get(s.probePort, '/healthz');
    expect(h.status).toBe(200);
    expect(h.body).toContain('[+]event-loop ok');
  });

  it('is not ready until the caches have synced', async () => {
    const state: { synced: boolean; leadership?: Leadership } = { synced: false };
    const s = await start(state);
    expect((await get(s.probePort, '/readyz')).status).toBe(503);
    state.synced = true;
    const r = await get(s.probePort, '/readyz');
    expect(r.status).toBe(200);
    expect(r.body).toContain('readyz check passed');
  });

  it('with leader election: leader and healthy standby are ready, a leader that lost its Lease is not', async () => {
    const state: { synced: boolean; leadership?: Leadership } = { synced: true, leadership: 'standby' };
    const s = await start(state);
    expect((await get(s.probePort, '/readyz')).status).toBe(200);
    state.leadership = 'leader';
    expect((await get(s.probePort, '/readyz')).status).toBe(200);
    state.leadership = 'lost';
    const r = await get(s.probePort, '/readyz');
    expect(r.status).toBe(503);
    expect(r.body).toContain('[-]leader-election failed (lost)');
  });
});

describe('readiness decision', () => {
  it.each([
    [false, undefined, false],
    [true, undefined, true],
    [false, 'leader', false],
    [true, 'leader', true],
    [true, 'standby', true],
    [true, 'lost', false],
  ] as const)('synced=%s leadership=%s → ready=%s', (synced, leadership, ready) => {
    const checks = readinessChecks({
      cachesSynced: () => synced,
      ...(leadership ? { leadership: () => leadership } : {}),
    });
    expect(checks.every((c) => c.ok)).toBe(ready);
  });

  it('treats a throwing input as not ready', () => {
    expect(
      readinessChecks({
        cachesSynced: () => {
          throw new Error('boom');
        },
      }).every((c) => c.ok),
    ).toBe(false);
  });
});

describe('event loop watchdog', () => {
  it('fails liveness while timers run later than allowed, and recovers when they catch up', () => {
    let now = 0;
    const w = new EventLoopWatchdog(10_000, () => now);
    expect(w.intervalMs).toBe(1000);
    now = 1000;
    w.beat();
    expect(w.check().ok).toBe(true);
    now = 13_000; // no beat for 12 s: the loop is stalled right now
    expect(w.check()).toMatchObject({ ok: false, name: 'event-loop' });
    w.beat(); // the late beat reports the 11 s lag it saw
    expect(w.check().ok).toBe(false);
    now = 14_000;
    w.beat(); // on time again
    expect(w.check().ok).toBe(true);
  });
});

describe('bind addresses', () => {
  it('parses controller-runtime forms', () => {
    expect(parseBindAddress(undefined, ':8080')).toEqual({ port: 8080 });
    expect(parseBindAddress('127.0.0.1:9090', ':8080')).toEqual({ host: '127.0.0.1', port: 9090 });
    expect(parseBindAddress('[::1]:8081', ':8081')).toEqual({ host: '::1', port: 8081 });
    expect(parseBindAddress('0', ':8080')).toBeUndefined();
    expect(parseBindAddress('', ':8080')).toBeUndefined();
    expect(() => parseBindAddress('8080', ':8080')).toThrow(/invalid bind address/);
  });
});
