// Leader election between real processes against a real apiserver, each with the operator
// ServiceAccount's token (so the shipped Lease Role is what allows it), default durations
// (15 s lease, 10 s renew deadline, 2 s retry). Exactly one leads; SIGKILL of the leader hands over
// once the lease has expired; SIGTERM releases the Lease and hands over at once.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installDeploy } from '../support/e2e/install.ts';
import { kubectl } from '../support/kubectl.ts';
import { sleep } from '../support/wait.ts';
import { DEFAULT_DURATIONS, DEFAULT_LEASE_NAME } from '../../src/ha/leader-election.ts';

const NS = 'batchpool-system';
const script = new URL('./ha/elector-process.ts', import.meta.url).pathname;

interface Candidate {
  name: string;
  child: ChildProcess;
  events: { event: string; t: number; reason?: string; identity?: string }[];
  identity: string;
  next(event: string, timeoutMs: number): Promise<{ t: number }>;
}

const started: Candidate[] = [];

function candidate(name: string): Candidate {
  const child = spawn(process.execPath, [script], {
    env: {
      ...process.env,
      ELECTOR_KUBECONFIG: process.env.E2E_OPERATOR_KUBECONFIG,
      ELECTOR_IDENTITY: `${name}_${process.pid}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const c: Candidate = {
    name,
    child,
    events: [],
    identity: `${name}_${process.pid}`,
    next(event, timeoutMs) {
      const from = c.events.length;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`${name}: no "${event}" within ${timeoutMs} ms; saw ${JSON.stringify(c.events)}`),
            ),
          timeoutMs,
        );
        const check = () => {
          const hit = c.events.slice(from).find((e) => e.event === event);
          if (hit) {
            clearTimeout(timer);
            resolve(hit);
          } else setTimeout(check, 50);
        };
        check();
      });
    },
  };
  createInterface({ input: child.stdout }).on('line', (l) => c.events.push(JSON.parse(l)));
  child.stderr.on('data', () => undefined);
  started.push(c);
  return c;
}

async function holder(): Promise<string | undefined> {
  const r = await kubectl(['get', 'lease', DEFAULT_LEASE_NAME, '-n', NS, '-o', 'json']);
  return r.code === 0 ? JSON.parse(r.stdout).spec.holderIdentity : undefined;
}

async function kill(c: Candidate, signal: NodeJS.Signals): Promise<number | null> {
  if (c.child.exitCode !== null || c.child.signalCode !== null) return c.child.exitCode;
  const exited = once(c.child, 'exit');
  c.child.kill(signal);
  const [code] = (await exited) as [number | null];
  return code;
}

const { leaseDurationMs, retryPeriodMs } = DEFAULT_DURATIONS;
const maxAcquireDelay = retryPeriodMs * 2.2; // one jittered retry

beforeAll(async () => {
  await installDeploy();
  await kubectl(['delete', 'lease', DEFAULT_LEASE_NAME, '-n', NS, '--ignore-not-found']);
});

afterAll(async () => {
  await Promise.all(started.map((c) => kill(c, 'SIGKILL')));
});

describe('leader election between operator processes', () => {
  it('one leads; SIGKILL hands over after the lease expires; SIGTERM hands over at once', async () => {
    const a = candidate('a');
    const b = candidate('b');
    const first = await Promise.race([
      a.next('leading', 30_000).then(() => a),
      b.next('leading', 30_000).then(() => b),
    ]);
    const second = first === a ? b : a;
    // A few renewal periods later, still exactly one leader, and the Lease names it.
    await sleep(3 * retryPeriodMs);
    expect(second.events.map((e) => e.event)).toEqual(['started']);
    expect(await holder()).toBe(first.identity);

    // Crash: SIGKILL, no release. The other must wait for the lease to expire, then take over.
    const killedAt = Date.now();
    await kill(first, 'SIGKILL');
    const takeover = await second.next('leading', leaseDurationMs + maxAcquireDelay + 10_000);
    const crashFailoverMs = takeover.t - killedAt;
    expect(await holder()).toBe(second.identity);
    // Never before the lease could have expired (the last renewal was at most one retry period
    // before the kill). And within the lease plus two jittered retries: the standby may first see the
    // leader's final renewal on its next poll after the kill, and expiry counts from that sighting.
    expect(takeover.t - (killedAt - retryPeriodMs)).toBeGreaterThanOrEqual(leaseDurationMs - 1000);
    expect(crashFailoverMs).toBeLessThanOrEqual(leaseDurationMs + 2 * maxAcquireDelay + 2_000);

    // Graceful: a new standby, then SIGTERM to the leader, which releases the Lease and exits 0.
    const c = candidate('c');
    await c.next('started', 10_000);
    await sleep(2 * retryPeriodMs);
    expect(c.events.map((e) => e.event)).toEqual(['started']);
    const termAt = Date.now();
    expect(await kill(second, 'SIGTERM')).toBe(0);
    expect(second.events.map((e) => e.event)).toEqual(['started', 'leading', 'stopped', 'exiting']);
    expect(second.events.find((e) => e.event === 'stopped')?.reason).toBe('released');
    const handover = await c.next('leading', maxAcquireDelay + 5_000);
    const releaseFailoverMs = handover.t - termAt;
    expect(releaseFailoverMs).toBeLessThan(leaseDurationMs);
    expect(await holder()).toBe(c.identity);

    console.log(
      `leader election failover: SIGKILL → new leader in ${crashFailoverMs} ms; ` +
        `SIGTERM (release) → new leader in ${releaseFailoverMs} ms ` +
        `(lease ${leaseDurationMs} ms, renew deadline ${DEFAULT_DURATIONS.renewDeadlineMs} ms, retry ${retryPeriodMs} ms)`,
    );
    expect(await kill(c, 'SIGTERM')).toBe(0);
  });
});
