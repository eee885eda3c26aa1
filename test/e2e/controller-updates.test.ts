// Changes to a live pool against a real apiserver and the simulator: the start task and metadata replaced in
// place (and repaired after an out-of-band edit), an image change refused under Manual with nothing written,
// and a new image version rolled out under DrainAndUpdate with the operator SIGKILLed at every step.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, type BatchPool, type BatchPoolSpec } from '../../src/api/types.ts';
import { BatchClient } from '../../src/azure/batch/client.ts';
import { ClientSecretCredential } from '@azure/identity';
import { listPools, setupFaultEnv, type FaultEnv } from '../support/e2e/fault-env.ts';
import { kubectlOk } from '../support/kubectl.ts';
import type { OperatorProcess } from '../support/operator-process.ts';
import { connectAzure, type SimAzure } from '../support/sim-azure.ts';
import { eventually, until } from '../support/wait.ts';
import { poolOperation, poolRequests } from '../support/e2e/plane.ts';

let env: FaultEnv;
let op: OperatorProcess;
let azure: SimAzure;

beforeAll(async () => {
  env = await setupFaultEnv('updates');
  azure = connectAzure(env.sim);
  op = await env.startOperator();
});

afterAll(async () => {
  await env?.close();
});

function manifest(name: string, spec: Partial<BatchPoolSpec>): Record<string, unknown> {
  return {
    apiVersion: API_VERSION,
    kind: 'BatchPool',
    metadata: { name, namespace: env.namespace },
    spec: {
      accountRef: { name: env.account },
      vmSize: 'Standard_D4s_v5',
      image: { id: env.imageId },
      nodeAgentSkuId: 'batch.node.ubuntu 22.04',
      resizeTimeout: 'PT15M',
      resizeStrategy: { backoff: { initial: '1s', max: '4s' } },
      ...spec,
    },
  };
}

const apply = (name: string, spec: Partial<BatchPoolSpec>) =>
  kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(manifest(name, spec)) });

const patch = (name: string, spec: Partial<BatchPoolSpec>) =>
  kubectlOk([
    'patch',
    'batchpool',
    name,
    '-n',
    env.namespace,
    '--type=merge',
    '-p',
    JSON.stringify({ spec }),
  ]);

async function object(name: string): Promise<BatchPool> {
  return (await listPools(env)).find((p) => p.metadata.name === name)!;
}

async function readyAt(name: string, target: number, also: (p: BatchPool) => boolean = () => true) {
  await eventually(
    async () => {
      const p = await object(name);
      return (
        p.status?.phase === 'Ready' &&
        p.status.observedGeneration === p.metadata.generation &&
        p.status.currentDedicatedNodes === target &&
        also(p)
      );
    },
    `${name} Ready at ${target}`,
    90_000,
  );
}

async function events(name: string): Promise<{ reason: string; message: string }[]> {
  const out = await kubectlOk([
    'get',
    'events',
    '-n',
    env.namespace,
    '--field-selector',
    `involvedObject.name=${name}`,
    '-o',
    'json',
  ]);
  return (JSON.parse(out) as { items: { reason: string; message: string }[] }).items;
}

/** Pool creations since the cursor, whatever their pool ID, on either plane. */
const creates = (since: number) => poolRequests(env.sim, 'create', undefined, since).length;

/** What was written to the pool since the cursor, in the request log's plane-neutral words. */
const writes = (poolId: string, since: number) =>
  poolRequests(env.sim, undefined, poolId, since)
    .map((e) => e.action)
    .filter((a) => a !== 'get' && a !== 'list');

describe('changes Azure makes on a pool with nodes', () => {
  it('replaces a changed start task and metadata in place, and says which fields', async () => {
    await apply('live', {
      targetDedicatedNodes: 3,
      startTask: { commandLine: '/bin/sh -c "echo v1"' },
      metadata: [{ name: 'team', value: 'fx' }],
    });
    await readyAt('live', 3);
    const since = env.sim.requests.cursor();
    await patch('live', {
      startTask: { commandLine: '/bin/sh -c "echo v2"', waitForSuccess: true, maxTaskRetryCount: 2 },
      metadata: [{ name: 'team', value: 'sim' }],
    });
    await eventually(
      async () =>
        (await azure.batch.get('live'))?.settings?.startTask?.commandLine === '/bin/sh -c "echo v2"',
      'start task v2 in Azure',
    );
    await readyAt('live', 3);
    const pool = (await azure.batch.get('live'))!;
    expect(pool.settings?.startTask).toMatchObject({ maxTaskRetryCount: 2, waitForSuccess: true });
    expect(pool.settings?.metadata).toContainEqual({ name: 'team', value: 'sim' });
    expect(pool.owner).toMatchObject({ namespace: env.namespace, name: 'live' });
    expect(pool.currentDedicatedNodes).toBe(3);
    expect(writes('live', since)).toEqual(['update']);
    const updated = (await events('live')).filter((e) => e.reason === 'PoolUpdated');
    expect(updated.map((e) => e.message).join('\n')).toMatch(/spec\.startTask, spec\.metadata/);
  });

  it('repairs metadata someone changed in Azure', async () => {
    const i = env.sim.info;
    const cred = new ClientSecretCredential(i.tenantId, i.clientId, i.clientSecret, {
      authorityHost: i.authorityHost,
      disableInstanceDiscovery: true,
      tlsOptions: { ca: i.caPem },
    });
    const client = new BatchClient(i.batchUrl, cred, { ca: i.caPem });
    const current = (await azure.batch.get('live'))!.settings!.metadata;
    await client.updatePool('live', {
      metadata: [...current.filter((m) => m.name !== 'team'), { name: 'team', value: 'edited' }],
    });
    // The operator looks again on its steady resync (fast polling in these tests).
    await eventually(
      async () =>
        (await azure.batch.get('live'))?.settings?.metadata.find((m) => m.name === 'team')?.value === 'sim',
      'metadata repaired',
      60_000,
    );
  });
});

describe('changes Azure makes only on an empty pool', () => {
  it('Manual (the default): a new image version on a pool with nodes is refused, naming the field, and nothing is written', async () => {
    await apply('manual', { targetDedicatedNodes: 2 });
    await readyAt('manual', 2);
    const next = env.sim.images.createGalleryImageVersion(env.gallery, 'ubuntu', '1.1.0');
    const since = env.sim.requests.cursor();
    await patch('manual', { image: { id: next } });
    await eventually(async () => (await object('manual')).status?.phase === 'Stalled', 'manual Stalled');
    const p = await object('manual');
    const stalled = p.status?.conditions?.find((c) => c.type === 'Stalled');
    expect(stalled).toMatchObject({ status: 'True', reason: 'UpdateRefused' });
    expect(stalled?.message).toContain('spec.image.id');
    expect(p.status?.update).toMatchObject({ fields: ['spec.image.id'], state: 'Refused' });
    expect(writes('manual', since)).toEqual([]);
    expect((await azure.batch.get('manual'))?.imageId).toBe(env.imageId);
    // Reverting the change is the way back.
    await patch('manual', { image: { id: env.imageId } });
    await readyAt('manual', 2, (o) => o.status?.update === undefined);
  });

  it('DrainAndUpdate: a new image version ends Ready on it, with the operator SIGKILLed at every step', async () => {
    const kill = async () => {
      await op.kill('SIGKILL');
      expect(op.exit?.signal).toBe('SIGKILL');
      op = await env.startOperator();
    };
    await apply('rollout', {
      targetDedicatedNodes: 4,
      updateStrategy: 'DrainAndUpdate',
      nodeDeallocationOption: 'taskcompletion',
    });
    await readyAt('rollout', 4);
    const next = env.sim.images.createGalleryImageVersion(env.gallery, 'ubuntu', '1.2.0');
    const since = env.sim.requests.cursor();
    const sim = () => env.sim.pools.get('rollout')!;

    // 1. The instant Azure has accepted the shrink to 0, before the operator hears back.
    env.sim.faults.slow({ operation: poolOperation('resize'), delayMs: 1000, count: 1 });
    await patch('rollout', { image: { id: next } });
    await until(() => sim().targetDedicatedNodes === 0, 'the shrink to 0');
    await kill();
    // 2. The instant Azure has changed the image of the empty pool.
    env.sim.faults.slow({ operation: poolOperation('update'), delayMs: 1000, count: 1 });
    await until(
      () => sim().imageId?.toLowerCase() === next.toLowerCase(),
      'the new image on the pool',
      60_000,
    );
    expect(sim().currentDedicatedNodes).toBe(0);
    await kill();
    // 3. The instant Azure has accepted the grow back.
    env.sim.faults.slow({ operation: poolOperation('resize'), delayMs: 1000, count: 1 });
    await until(() => sim().targetDedicatedNodes === 4, 'the grow back to 4', 60_000);
    await kill();

    await readyAt('rollout', 4, (o) => o.status?.update === undefined);
    expect(sim().imageId?.toLowerCase()).toBe(next.toLowerCase());
    const ops = writes('rollout', since);
    expect(creates(since)).toBe(0);
    expect(ops.filter((o) => o === 'update')).toHaveLength(1);
    expect(env.sim.pools.list().filter((p) => p.id === 'rollout')).toHaveLength(1);
    // Every write above was killed in flight, before its event was recorded; a restarted operator finds the
    // step done in Azure and goes on, so the object's status is the record of what happened.
  });

  it('BlueGreen: a new image version ends Ready on a second pool, with the operator SIGKILLed at every step', async () => {
    const kill = async () => {
      await op.kill('SIGKILL');
      expect(op.exit?.signal).toBe('SIGKILL');
      op = await env.startOperator();
    };
    await apply('bluegreen', { targetDedicatedNodes: 3, updateStrategy: 'BlueGreen' });
    await readyAt('bluegreen', 3);
    const next = env.sim.images.createGalleryImageVersion(env.gallery, 'ubuntu', '1.3.0');
    const since = env.sim.requests.cursor();
    const sim = (id: string) => env.sim.pools.get(id);
    // The old pool serves, untouched, until the new one is full.
    const served: number[] = [];
    const watch = setInterval(() => {
      const old = sim('bluegreen');
      const fresh = sim('bluegreen-bg');
      served.push(Math.max(old?.currentDedicatedNodes ?? 0, fresh?.currentDedicatedNodes ?? 0));
    }, 50);
    try {
      // 1. The instant Azure has accepted the new pool, before the operator hears back.
      env.sim.faults.slow({ operation: poolOperation('create'), delayMs: 1000, count: 1 });
      await patch('bluegreen', { image: { id: next } });
      await until(() => sim('bluegreen-bg') !== undefined, 'the new pool', 60_000);
      await kill();
      const during = await object('bluegreen');
      expect(during.status?.update?.blueGreen).toMatchObject({
        from: { poolId: 'bluegreen' },
        to: { poolId: 'bluegreen-bg' },
      });
      // 2. The instant Azure has accepted the shrink of the old pool to 0 (the new one serves by then).
      env.sim.faults.slow({ operation: poolOperation('resize'), delayMs: 1000, count: 1 });
      await until(() => sim('bluegreen')?.targetDedicatedNodes === 0, 'the old pool shrinking', 60_000);
      expect(sim('bluegreen-bg')?.currentDedicatedNodes).toBe(3);
      await kill();
      // 3. The instant Azure has accepted the delete of the empty old pool.
      env.sim.faults.slow({ operation: 'Pool_Delete', delayMs: 1000, count: 1 });
      await until(() => sim('bluegreen')?.state === 'deleting', 'the old pool deleting', 60_000);
      await kill();

      await readyAt(
        'bluegreen',
        3,
        (o) => o.status?.update === undefined && o.status?.poolId === 'bluegreen-bg',
      );
    } finally {
      clearInterval(watch);
    }
    await until(() => sim('bluegreen') === undefined, 'the old pool gone', 60_000);
    expect(sim('bluegreen-bg')!.imageId?.toLowerCase()).toBe(next.toLowerCase());
    expect(creates(since)).toBe(1);
    expect(env.sim.pools.list().filter((p) => p.id.startsWith('bluegreen'))).toHaveLength(1);
    expect(Math.min(...served)).toBe(3);
    // kubectl shows which pool serves.
    expect((await object('bluegreen')).status?.poolId).toBe('bluegreen-bg');
  });
});
