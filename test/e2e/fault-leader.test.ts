// Two replicas under leader election, and the leader SIGKILLed while a resize runs: the standby must take
// the Lease once it expires and finish the job, with no duplicate pool and every status true to Azure.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlOk } from './support/kubectl.ts';
import { FAST_ARGS, OperatorProcess } from './support/operator-process.ts';
import {
  applyPools,
  expectInvariants,
  neverDuplicated,
  setupFaultEnv,
  until,
  type FaultEnv,
} from './fault-support.ts';

let env: FaultEnv;
let leader: OperatorProcess;
let standby: OperatorProcess;

beforeAll(async () => {
  env = await setupFaultEnv('fault-leader');
  const args = [
    ...FAST_ARGS,
    '--leader-elect',
    '--leader-election-namespace',
    env.namespace,
    '--leader-election-id',
    `fault-leader-${randomBytes(3).toString('hex')}`,
  ];
  leader = await OperatorProcess.start({ sim: env.sim, args });
  standby = await OperatorProcess.start({ sim: env.sim, args, readyMessage: 'starting' });
}, 120_000);

afterAll(async () => {
  await Promise.all([leader?.stop(), standby?.stop()]);
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
    await kubectlOk([
      'patch',
      'batchpool',
      'l-1',
      '-n',
      env.namespace,
      '--type=merge',
      '-p',
      '{"spec":{"targetDedicatedNodes":1500}}',
    ]);
    await until(() => env.sim.pools.get('l-1')?.targetDedicatedNodes === 1500, 'the resize to 1500');
    await leader.kill('SIGKILL');
    // A spec change while nobody leads must be picked up by the new leader.
    await kubectlOk([
      'patch',
      'batchpool',
      'l-2',
      '-n',
      env.namespace,
      '--type=merge',
      '-p',
      '{"spec":{"targetDedicatedNodes":300}}',
    ]);
    await until(() => standby.lines('controller started').length > 0, 'the standby to lead', 60_000);
    await expectInvariants(env, 90_000);
    expect(neverDuplicated(env)).toEqual([]);
    expect(env.sim.pools.get('l-2')?.currentDedicatedNodes).toBe(300);
  });
});
