// Two replicas under leader election, and the leader SIGKILLed while a resize runs: the standby must take
// the Lease once it expires and finish the job, with no duplicate pool and every status true to Azure.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPools, setTarget, setupFaultEnv, type FaultEnv } from '../support/e2e/fault-env.ts';
import { expectInvariants, neverDuplicated } from '../support/e2e/fault-invariants.ts';
import { leaderElection } from '../support/operator-profiles.ts';
import type { OperatorProcess } from '../support/operator-process.ts';
import { until } from '../support/wait.ts';

let env: FaultEnv;
let leader: OperatorProcess;
let standby: OperatorProcess;

beforeAll(async () => {
  env = await setupFaultEnv('fault-leader');
  const lease = { namespace: env.namespace, id: `fault-leader-${randomBytes(3).toString('hex')}` };
  leader = await env.startOperator({ profiles: [leaderElection(lease)] });
  standby = await env.startOperator({ profiles: [leaderElection({ ...lease, standby: true })] });
}, 120_000);

afterAll(async () => {
  await env?.close();
});

describe('leader failover during a resize', () => {
  it('the standby takes over after the leader is SIGKILLed mid-resize and finishes it', async () => {
    await applyPools(env, [
      { name: 'l-1', target: 20 },
      { name: 'l-2', target: 20 },
    ]);
    await expectInvariants(env);
    expect(standby.lines('controller started')).toEqual([]); // only one replica reconciles
    await setTarget(env, 'l-1', 1500);
    await until(() => env.sim.pools.get('l-1')?.targetDedicatedNodes === 1500, 'the resize to 1500');
    await leader.kill('SIGKILL');
    // A spec change while nobody leads must be picked up by the new leader.
    await setTarget(env, 'l-2', 300);
    await until(() => standby.lines('controller started').length > 0, 'the standby to lead', 60_000);
    await expectInvariants(env, 90_000);
    expect(neverDuplicated(env)).toEqual([]);
    expect(env.sim.pools.get('l-2')?.currentDedicatedNodes).toBe(300);
  });
});
