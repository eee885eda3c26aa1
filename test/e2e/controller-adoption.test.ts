// Pools that existed before the operator, against a real apiserver and the simulator: `batchpool-operator
// import` prints manifests that, once applied, take the pools over without a single write to Azure;
// spec.adoption Adopt refuses a pool that differs where Azure changes only empty pools, and Observe only
// mirrors a pool, even when its BatchPool is deleted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { API_VERSION, type BatchPool, type BatchPoolSpec } from '../../src/api/types.ts';
import type { CreatePoolParams } from '../../src/azure/ports.ts';
import { listPools, setupFaultEnv, type FaultEnv } from '../support/e2e/fault-env.ts';
import { kubectlOk } from '../support/kubectl.ts';
import { runImport } from '../support/import-cli.ts';
import { connectAzure, type SimAzure } from '../support/sim-azure.ts';
import { eventually } from '../support/wait.ts';

let env: FaultEnv;
let azure: SimAzure;

beforeAll(async () => {
  env = await setupFaultEnv('adopt');
  azure = connectAzure(env.sim);
  await env.startOperator();
});

afterAll(async () => {
  await env?.close();
});

/** A pool made the way a script or the portal makes one: no owner entries in its metadata. */
async function outOfBand(id: string, extra: Partial<CreatePoolParams> = {}): Promise<void> {
  await azure.batch.create({
    id,
    vmSize: 'Standard_D4s_v5',
    imageId: env.imageId,
    nodeAgentSkuId: 'batch.node.ubuntu 22.04',
    targetDedicatedNodes: 2,
    targetLowPriorityNodes: 0,
    resizeTimeout: 'PT15M',
    metadata: [{ name: 'team', value: 'lighting' }],
    ...extra,
  });
  await eventually(
    async () => (await azure.batch.get(id))?.currentDedicatedNodes === (extra.targetDedicatedNodes ?? 2),
    `${id} allocated`,
  );
}

async function object(name: string): Promise<BatchPool | undefined> {
  return (await listPools(env)).find((p) => p.metadata.name === name);
}

const writesSince = (since: number) =>
  env.sim.requests
    .list({ since })
    .filter((e) => e.method !== 'GET' && e.api === 'batch')
    .map((e) => `${e.operation} ${e.path.split('?')[0]}`);

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
      targetDedicatedNodes: 2,
      metadata: [{ name: 'team', value: 'lighting' }],
      ...spec,
    },
  };
}

const apply = (doc: unknown) => kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(doc) });

describe('import and adoption', () => {
  it('import prints a manifest per pool; applying them takes the pools over with no write to Azure', async () => {
    await outOfBand('Render_Farm', {
      taskSlotsPerNode: 4,
      startTask: { commandLine: '/bin/sh -c "echo setup"', waitForSuccess: true },
    });
    await outOfBand('sim-nightly', { targetDedicatedNodes: 3 });
    const r = await runImport(env.sim, ['--account', env.account, '--namespace', env.namespace]);
    expect(r.stderr).toContain('2 of 2 pools');
    expect(r.code).toBe(0);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJSON() as BatchPool);
    expect(docs.map((d) => [d.metadata.name, d.spec.poolId, d.spec.adoption])).toEqual([
      ['render-farm', 'Render_Farm', 'Adopt'],
      ['sim-nightly', 'sim-nightly', 'Adopt'],
    ]);
    expect(docs[0]!.spec).toMatchObject({
      taskSlotsPerNode: 4,
      targetDedicatedNodes: 2,
      startTask: { commandLine: '/bin/sh -c "echo setup"' },
      metadata: [{ name: 'team', value: 'lighting' }],
    });

    const since = env.sim.requests.cursor();
    await kubectlOk(['apply', '-f', '-'], { input: r.stdout });
    await eventually(async () => {
      const all = await Promise.all(['render-farm', 'sim-nightly'].map(object));
      return all.every((p) => p?.status?.phase === 'Ready' && p.status.adoptedAt !== undefined);
    }, 'both imported pools Ready and adopted');
    // A few more passes, then the request log: reads only.
    await new Promise((res) => setTimeout(res, 3000));
    expect(writesSince(since)).toEqual([]);
    expect((await object('sim-nightly'))?.status?.currentDedicatedNodes).toBe(3);

    // Once adopted, a change is the operator's to make: the owner entries go on with the first write.
    await kubectlOk([
      'patch',
      'batchpool',
      'sim-nightly',
      '-n',
      env.namespace,
      '--type=merge',
      '-p',
      '{"spec":{"targetDedicatedNodes":4}}',
    ]);
    await eventually(
      async () => (await azure.batch.get('sim-nightly'))?.targetDedicatedNodes === 4,
      'resized',
    );
    expect((await azure.batch.get('sim-nightly'))?.owner).toMatchObject({
      namespace: env.namespace,
      name: 'sim-nightly',
    });
  });

  it('import by endpoint finds the BatchAccount, and skips pools a BatchPool already manages', async () => {
    const r = await runImport(env.sim, ['--account', env.sim.info.batchUrl, '--namespace', env.namespace]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/skipped pool sim-nightly: a BatchPool already manages it/);
    // Render_Farm was adopted without a write, so it still names no BatchPool and is printed again.
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJSON() as BatchPool);
    expect(docs.map((d) => d.spec.poolId)).toContain('Render_Farm');
    for (const d of docs) expect(d.spec.accountRef.name).toBe(env.account);
  });

  it('Adopt refuses a pool that differs in what Azure changes only on an empty pool, naming each difference', async () => {
    await outOfBand('mismatch');
    const since = env.sim.requests.cursor();
    await apply(manifest('mismatch', { adoption: 'Adopt', vmSize: 'Standard_D8s_v5', taskSlotsPerNode: 2 }));
    await eventually(async () => (await object('mismatch'))?.status?.phase === 'Stalled', 'mismatch Stalled');
    const stalled = (await object('mismatch'))!.status!.conditions!.find((c) => c.type === 'Stalled')!;
    expect(stalled.reason).toBe('AdoptionMismatch');
    // Azure reports VM sizes in lower case.
    expect(stalled.message).toContain(
      'spec.vmSize is Standard_D8s_v5 in the spec but standard_d4s_v5 in Azure',
    );
    expect(stalled.message).toContain('spec.taskSlotsPerNode is 2 in the spec but 1 in Azure');
    expect(writesSince(since)).toEqual([]);
  });

  it('without spec.adoption a foreign pool is left alone and reported', async () => {
    await outOfBand('foreign');
    const since = env.sim.requests.cursor();
    await apply(manifest('foreign', { targetDedicatedNodes: 5 }));
    await eventually(async () => (await object('foreign'))?.status?.phase === 'Stalled', 'foreign Stalled');
    expect((await object('foreign'))!.status!.conditions!.find((c) => c.type === 'Stalled')!.reason).toBe(
      'PoolNotOwned',
    );
    expect(writesSince(since)).toEqual([]);
  });

  it('Observe mirrors the pool into status and never writes, not even when the BatchPool is deleted', async () => {
    await outOfBand('watched');
    const since = env.sim.requests.cursor();
    await apply(
      manifest('watched', { adoption: 'Observe', targetDedicatedNodes: 9, vmSize: 'Standard_D2s_v5' }),
    );
    await eventually(
      async () => (await object('watched'))?.status?.currentDedicatedNodes === 2,
      'watched mirrored into status',
    );
    await kubectlOk(['delete', 'batchpool', 'watched', '-n', env.namespace, '--wait=true', '--timeout=60s']);
    expect(writesSince(since)).toEqual([]);
    expect((await azure.batch.get('watched'))?.currentDedicatedNodes).toBe(2);
  });
});
