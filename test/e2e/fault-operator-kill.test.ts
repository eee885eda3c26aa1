// SIGKILL of the operator in the middle of create, resize and delete, at several points, then a restart: the
// new process must pick up where the old one died — no second Azure pool for one BatchPool, no pool left
// behind by a deleted one, every status true to Azure, every pool at its target.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPools, listPools, setTarget, setupFaultEnv, type FaultEnv } from '../support/e2e/fault-env.ts';
import { expectInvariants, neverDuplicated } from '../support/e2e/fault-invariants.ts';
import { kubectlOk } from '../support/kubectl.ts';
import type { OperatorProcess } from '../support/operator-process.ts';
import { sleep, until } from '../support/wait.ts';
import { poolOperation } from '../support/e2e/plane.ts';

let env: FaultEnv;
let op: OperatorProcess;

beforeAll(async () => {
  env = await setupFaultEnv('fault-kill');
  op = await env.startOperator();
});

afterAll(async () => {
  await env?.close();
});

async function killAndRestart(): Promise<void> {
  await op.kill('SIGKILL');
  expect(op.exit?.signal).toBe('SIGKILL');
  op = await env.startOperator();
}

async function finalizerOn(name: string): Promise<void> {
  const end = Date.now() + 20_000;
  for (;;) {
    const p = (await listPools(env)).find((x) => x.metadata.name === name);
    if (p?.metadata.finalizers?.length) return;
    if (Date.now() > end) throw new Error(`no finalizer on ${name}`);
    await sleep(20);
  }
}

describe('SIGKILL of the operator, then a restart', () => {
  it('mid-create, after the finalizer and before the pool exists in Azure', async () => {
    // Every pool GET takes 1.5 s for a while, which holds the reconcile between the finalizer and the create.
    env.sim.faults.slow({ operation: 'Pool_Get', delayMs: 1500, seconds: 4 });
    await applyPools(env, [{ name: 'create-a', target: 20 }]);
    await finalizerOn('create-a');
    await killAndRestart();
    expect(env.sim.pools.get('create-a')).toBeUndefined();
    await expectInvariants(env);
  });

  it('mid-create, the instant Azure has created the pool and before the operator hears back', async () => {
    env.sim.faults.slow({ operation: poolOperation('create'), delayMs: 800, count: 1 });
    await applyPools(env, [{ name: 'create-b', target: 30 }]);
    await until(() => env.sim.pools.get('create-b') !== undefined, 'the Azure pool create-b');
    await killAndRestart();
    await expectInvariants(env);
    expect(neverDuplicated(env)).toEqual([]);
  });

  it('mid-resize, the instant Azure has accepted the resize', async () => {
    env.sim.faults.slow({ operation: poolOperation('resize'), delayMs: 800, count: 1 });
    await setTarget(env, 'create-b', 900);
    await until(() => env.sim.pools.get('create-b')?.targetDedicatedNodes === 900, 'the resize to 900');
    await killAndRestart();
    await expectInvariants(env);
  });

  it('mid-resize, while Azure is still adding nodes, and again after a failed allocation', async () => {
    env.sim.faults.failNextResizes('create-a', 1, { fraction: 0.4 });
    await setTarget(env, 'create-a', 1200);
    await until(
      () =>
        env.sim.pools.get('create-a')?.allocationState === 'resizing' &&
        env.sim.pools.get('create-a')?.targetDedicatedNodes === 1200,
      'the resize to 1200',
    );
    await sleep(700);
    await killAndRestart();
    // The partial allocation ends with AllocationFailed; kill again once Azure reports it steady and short.
    await until(() => {
      const p = env.sim.pools.get('create-a');
      return p?.allocationState === 'steady' && p.currentDedicatedNodes < 1200;
    }, 'the failed allocation');
    await killAndRestart();
    await expectInvariants(env, 90_000);
  });

  it('mid-delete, the instant Azure has accepted the delete', async () => {
    env.sim.faults.slow({ operation: 'Pool_Delete', delayMs: 800, count: 1 });
    await kubectlOk(['delete', 'batchpool', 'create-b', '-n', env.namespace, '--wait=false']);
    await until(() => env.sim.pools.get('create-b')?.state === 'deleting', 'Azure deleting create-b');
    await killAndRestart();
    await expectInvariants(env);
    expect((await listPools(env)).map((p) => p.metadata.name)).toEqual(['create-a']);
  });

  it('mid-delete, after Azure has removed the pool and before the finalizer is gone', async () => {
    await kubectlOk(['delete', 'batchpool', 'create-a', '-n', env.namespace, '--wait=false']);
    await until(() => env.sim.pools.get('create-a')?.state === 'deleting', 'Azure deleting create-a');
    await until(() => env.sim.pools.get('create-a') === undefined, 'create-a gone from Azure');
    await killAndRestart();
    await expectInvariants(env);
    expect(await listPools(env)).toEqual([]);
  });

  it('many pools at once, killed three times while they are created and grown', async () => {
    // 12 pools on one image stay under its 2,500-node limit (2,220 in all).
    const wishes = Array.from({ length: 12 }, (_, i) => ({ name: `many-${i}`, target: 20 + i * 30 }));
    await applyPools(env, wishes);
    for (const wait of [150, 600, 1500]) {
      await sleep(wait);
      await killAndRestart();
      expect(neverDuplicated(env)).toEqual([]);
    }
    await expectInvariants(env, 90_000);
  });
});
