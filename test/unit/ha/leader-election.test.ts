import { describe, expect, it } from 'vitest';
import { LeaderElector, defaultIdentity, validateDurations } from '../../../src/ha/leader-election.ts';
import type { StopReason } from '../../../src/ha/leader-election.ts';
import { FakeClock, FakeLeaseApi } from './fakes.ts';

const NS = 'batchpool-system';
const NAME = 'batchpool-operator-leader';

// The worst jitter (a retry of 2 s × 2.2) every time: the bounds below are the worst case, and a
// fixed source keeps the schedule the same on every run.
const worstJitter = (): number => 0.999999;

function candidate(api: FakeLeaseApi, clock: FakeClock, identity: string) {
  const elector = new LeaderElector({
    client: api,
    clock,
    namespace: NS,
    name: NAME,
    identity,
    random: worstJitter,
  });
  const events: string[] = [];
  let signal: AbortSignal | undefined;
  let stopped: StopReason | undefined;
  const done = elector.run(
    (s) => {
      signal = s;
      events.push('started');
    },
    (reason) => {
      stopped = reason;
      events.push(`stopped:${reason}`);
    },
  );
  return {
    elector,
    events,
    done,
    get signal() {
      return signal;
    },
    get stopped() {
      return stopped;
    },
  };
}

describe('LeaderElector', () => {
  it('lets exactly one of two candidates lead, and the Lease names it', async () => {
    const api = new FakeLeaseApi();
    const clock = new FakeClock();
    const a = candidate(api, clock, 'a');
    const b = candidate(api, clock, 'b');
    await clock.advance(30_000);

    const leaders = [a, b].filter((c) => c.elector.isLeader());
    expect(leaders).toHaveLength(1);
    expect([a, b].map((c) => c.elector.leadership()).sort()).toEqual(['leader', 'standby']);
    expect(api.holder(NS, NAME)).toBe(leaders[0]!.elector.identity);
    expect(leaders[0]!.events).toEqual(['started']);
    expect([a, b].find((c) => !c.elector.isLeader())!.events).toEqual([]);
    await Promise.all([a.elector.stop(), b.elector.stop()]);
  });

  it('writes MicroTime with 6 fractional digits and the configured lease duration', async () => {
    const api = new FakeLeaseApi();
    const clock = new FakeClock();
    const a = candidate(api, clock, 'a');
    await clock.advance(1);
    const spec = api.leases.get(`${NS}/${NAME}`)!.spec!;
    expect(String(spec.renewTime)).toMatch(/\.\d{6}Z$/);
    expect(spec.leaseDurationSeconds).toBe(15);
    expect(spec.leaseTransitions).toBe(0);
    await a.elector.stop();
  });

  it('keeps renewing while it leads, so a standby never takes over', async () => {
    const api = new FakeLeaseApi();
    const clock = new FakeClock();
    const a = candidate(api, clock, 'a');
    await clock.advance(1);
    const b = candidate(api, clock, 'b');
    const writesBefore = api.writes;
    await clock.advance(120_000);
    expect(a.elector.isLeader()).toBe(true);
    expect(b.elector.isLeader()).toBe(false);
    // one renewal per 2 s retry period
    expect(api.writes - writesBefore).toBeGreaterThanOrEqual(55);
    await Promise.all([a.elector.stop(), b.elector.stop()]);
  });

  it('hands over after a crashed leader (no more renewals) once the lease duration has passed', async () => {
    const api = new FakeLeaseApi();
    const clock = new FakeClock();
    const a = candidate(api, clock, 'a');
    await clock.advance(1);
    const b = candidate(api, clock, 'b');
    await clock.advance(10_000);

    await a.elector.stop(); // stops renewing without touching the Lease, as a SIGKILL would
    const crashedAt = clock.now();
    await clock.advance(14_000);
    expect(b.elector.isLeader()).toBe(false);
    expect(api.holder(NS, NAME)).toBe('a');

    // b sees a's last renewal at most one jittered retry (2 s × 2.2) after it happened; the Lease
    // expires 15 s after that; b acts at its next retry: at most 4.4 + 15 + 4.4 s after the crash.
    await clock.advance(23_800 - 14_000);
    expect(b.elector.isLeader()).toBe(true);
    expect(api.holder(NS, NAME)).toBe('b');
    expect(clock.now() - crashedAt).toBeLessThanOrEqual(23_800);
    expect(api.leases.get(`${NS}/${NAME}`)!.spec!.leaseTransitions).toBe(1);
    await b.elector.stop();
  });

  it('on release hands the Lease back at once: the standby leads within one retry', async () => {
    const api = new FakeLeaseApi();
    const clock = new FakeClock();
    const a = candidate(api, clock, 'a');
    await clock.advance(1);
    const b = candidate(api, clock, 'b');
    await clock.advance(10_000);

    const released = a.elector.release();
    await clock.advance(1);
    await released;
    expect(a.stopped).toBe('released');
    expect(a.signal?.aborted).toBe(true);
    expect(a.elector.isLeader()).toBe(false);
    expect(api.holder(NS, NAME)).toBe('');

    await clock.advance(4_400);
    expect(b.elector.isLeader()).toBe(true);
    await b.elector.stop();
  });

  it('gives up leadership when it cannot renew before the renew deadline, and says so', async () => {
    const api = new FakeLeaseApi();
    const clock = new FakeClock();
    const a = candidate(api, clock, 'a');
    await clock.advance(1);
    expect(a.elector.isLeader()).toBe(true);

    api.failWith = new Error('connect ECONNREFUSED');
    await clock.advance(6_000); // a few failed renewals inside the deadline: still leader
    expect(a.elector.isLeader()).toBe(true);
    expect(a.signal?.aborted).toBe(false);

    await clock.advance(6_000);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.signal?.aborted).toBe(true);
    expect(a.events).toEqual(['started', 'stopped:lost']);
    expect(a.elector.leadership()).toBe('lost');
    await expect(a.done).resolves.toBe('lost');
  });

  it('survives a transient renewal failure shorter than the renew deadline', async () => {
    const api = new FakeLeaseApi();
    const clock = new FakeClock();
    const a = candidate(api, clock, 'a');
    await clock.advance(1);
    api.failWith = new Error('503');
    await clock.advance(5_000);
    api.failWith = undefined;
    await clock.advance(30_000);
    expect(a.elector.isLeader()).toBe(true);
    expect(a.events).toEqual(['started']);
    await a.elector.stop();
  });

  it('gives up when a renewal hangs past the renew deadline', async () => {
    const api = new FakeLeaseApi();
    const clock = new FakeClock();
    const a = candidate(api, clock, 'a');
    await clock.advance(1);
    api.hang = true;
    await clock.advance(11_000);
    expect(a.elector.isLeader()).toBe(false);
    await expect(a.done).resolves.toBe('lost');
  });

  it('treats a 409 on replace as a lost race, not an error', async () => {
    const api = new FakeLeaseApi();
    const clock = new FakeClock();
    const a = candidate(api, clock, 'a');
    await clock.advance(1);
    // someone else rewrites the Lease behind a's back (new resourceVersion, new holder)
    const lease = api.leases.get(`${NS}/${NAME}`)!;
    lease.spec = { ...lease.spec, holderIdentity: 'intruder' };
    lease.metadata = { ...lease.metadata, resourceVersion: '999' };
    await clock.advance(12_000);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.stopped).toBe('lost');
    expect(api.holder(NS, NAME)).toBe('intruder');
  });
});

describe('shutdown of a standby', () => {
  it('release() of a replica that never led writes nothing and leaves the leader alone', async () => {
    const api = new FakeLeaseApi();
    const clock = new FakeClock();
    const a = candidate(api, clock, 'a');
    await clock.advance(1);
    const b = candidate(api, clock, 'b');
    await clock.advance(5_000);
    const writes = api.writes;
    const released = b.elector.release();
    await clock.advance(1);
    await released;
    expect(b.events).toEqual([]);
    expect(api.writes).toBe(writes); // no renewal of a's is due within 1 ms, and b wrote nothing
    expect(api.holder(NS, NAME)).toBe('a');
    expect(api.leases.get(`${NS}/${NAME}`)!.spec!.leaseDurationSeconds).toBe(15);
    await a.elector.stop();
  });

  it('reports every change of leadership, starting with "not leading"', async () => {
    const api = new FakeLeaseApi();
    const clock = new FakeClock();
    const seen: boolean[] = [];
    const e = new LeaderElector({
      client: api,
      clock,
      namespace: NS,
      name: NAME,
      onLeadershipChange: (l) => seen.push(l),
    });
    const done = e.run(() => undefined);
    await clock.advance(1);
    const released = e.release();
    await clock.advance(1);
    await released;
    await done;
    expect(seen).toEqual([false, true, false]);
  });

  it('refuses a second run()', () => {
    const e = new LeaderElector({
      client: new FakeLeaseApi(),
      clock: new FakeClock(),
      namespace: NS,
      name: NAME,
    });
    void e.run(() => undefined);
    expect(() => e.run(() => undefined)).toThrow(/already/);
    void e.stop();
  });
});

describe('configuration', () => {
  it('rejects durations that would let two leaders overlap', () => {
    expect(() =>
      validateDurations({ leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 }),
    ).toThrow(/lease duration/);
    expect(() =>
      validateDurations({ leaseDurationMs: 15_000, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 }),
    ).toThrow(/renew deadline/);
    expect(() =>
      validateDurations({ leaseDurationMs: 15_500, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 }),
    ).toThrow(/whole seconds/);
  });

  it('derives a unique identity from POD_NAME', () => {
    const a = defaultIdentity({ POD_NAME: 'op-7d9f' });
    const b = defaultIdentity({ POD_NAME: 'op-7d9f' });
    expect(a).toMatch(/^op-7d9f_[0-9a-f]{8}$/);
    expect(a).not.toBe(b);
  });
});
