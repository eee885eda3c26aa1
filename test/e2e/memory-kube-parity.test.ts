// The in-memory Kubernetes of the unit tests and benchmarks (test/support/memory-kube.ts) holds the real
// apiserver's semantics where the reconciler relies on them: one sequence of calls — a user's create, edit and
// delete, and KubeClient's finalizer and status writes, some with stale reads — runs against the fake and
// against KubeClient on the real apiserver, and every outcome must be the same: the call's result or the
// exact error it threw, and then the object's generation, finalizers, status, deletion mark, existence and
// whether its resourceVersion moved.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  API_VERSION,
  BATCHPOOL_PLURAL,
  GROUP,
  VERSION,
  type BatchPool,
  type BatchPoolSpec,
  type BatchPoolStatus,
} from '../../src/api/types.ts';
import { CallError } from '../../src/errors.ts';
import { KubeClient } from '../../src/kube/client.ts';
import type { KubeApi } from '../../src/kube/ports.ts';
import { installCrds } from '../support/e2e/install.ts';
import { KubeHelpers } from '../support/e2e/kube-helpers.ts';
import { uniqueNamespace } from '../support/kubectl.ts';
import { MemoryKube } from '../support/memory-kube.ts';

/** One side: the KubeApi under test, and a user's writes as kubectl would make them. */
interface World {
  kube: KubeApi;
  create(pool: BatchPool): Promise<void>;
  editSpec(name: string, spec: Partial<BatchPoolSpec>): Promise<void>;
  delete(name: string): Promise<void>;
}

interface Outcome {
  step: string;
  result: unknown;
  object?: {
    generation?: number;
    finalizers?: string[];
    status?: BatchPoolStatus;
    deleting: boolean;
    resourceVersionMoved: boolean;
  };
}

const F = 'batch.pooloperator.dev/finalizer';
const B = 'example.com/b';
const C = 'example.com/c';

let ns: string;
let helpers: KubeHelpers;

function manifest(name: string): BatchPool {
  return {
    apiVersion: API_VERSION,
    kind: 'BatchPool',
    metadata: { name, namespace: ns, generation: 1 },
    spec: {
      accountRef: { name: 'parity-none' },
      vmSize: 'Standard_D4s_v5',
      image: {
        id: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/images/parity',
      },
      nodeAgentSkuId: 'batch.node.ubuntu 22.04',
      targetDedicatedNodes: 2,
    },
  };
}

/** The calls, in order; returns what each one did. */
async function story(w: World): Promise<Outcome[]> {
  const out: Outcome[] = [];
  const lastVersion = new Map<string, string | undefined>();
  const read = async (name: string) => (await w.kube.getPool(ns, name))!;
  const step = async (what: string, name: string, call: () => Promise<unknown>) => {
    let result: unknown;
    try {
      result = (await call()) === undefined ? 'ok' : 'ok, with a value';
    } catch (err) {
      result =
        err instanceof CallError ? { error: err.message, failure: err.failure } : `threw ${String(err)}`;
    }
    const now = await w.kube.getPool(ns, name);
    out.push({
      step: what,
      result,
      ...(now && {
        object: {
          generation: now.metadata.generation,
          finalizers: now.metadata.finalizers,
          status: now.status,
          deleting: now.metadata.deletionTimestamp !== undefined,
          resourceVersionMoved: now.metadata.resourceVersion !== lastVersion.get(name),
        },
      }),
    });
    lastVersion.set(name, now?.metadata.resourceVersion);
  };

  // A finalizer on and off again, on an object nobody deletes.
  await step('create "plain"', 'plain', () => w.create(manifest('plain')));
  await step('add a finalizer to "plain"', 'plain', async () => w.kube.addFinalizer(await read('plain'), F));
  await step('remove it again', 'plain', async () => w.kube.removeFinalizer(await read('plain'), F));

  await step('create "p"', 'p', () => w.create(manifest('p')));
  const unfinalized = await read('p');
  await step('add a finalizer to what was read', 'p', () => w.kube.addFinalizer(unfinalized, F));
  await step('add another to the same, now stale, read (resourceVersion test)', 'p', () =>
    w.kube.addFinalizer(unfinalized, B),
  );
  const oneFinalizer = await read('p');
  await step('add another to a fresh read', 'p', () => w.kube.addFinalizer(oneFinalizer, B));
  await step('add a third to the stale list (finalizer-list test)', 'p', () =>
    w.kube.addFinalizer(oneFinalizer, C),
  );

  const first: BatchPoolStatus = { phase: 'Pending', observedGeneration: 1 };
  await step('first status write', 'p', async () => w.kube.patchStatus(await read('p'), undefined, first));
  await step('a status write that changes nothing is not sent', 'p', async () =>
    w.kube.patchStatus(await read('p'), first, first),
  );
  await step('a status write from a stale previous merges into what is stored', 'p', async () =>
    w.kube.patchStatus(
      await read('p'),
      { phase: 'Pending' },
      { phase: 'Creating', currentDedicatedNodes: 0 },
    ),
  );
  await step('a status write whose patch already holds', 'p', async () =>
    w.kube.patchStatus(await read('p'), { phase: 'Pending' }, { phase: 'Creating' }),
  );
  await step('a status write that removes a field', 'p', async () =>
    w.kube.patchStatus(
      await read('p'),
      { phase: 'Creating', currentDedicatedNodes: 0 },
      { phase: 'Creating' },
    ),
  );

  await step('the user edits the spec', 'p', () => w.editSpec('p', { targetDedicatedNodes: 5 }));
  await step('the same edit again', 'p', () => w.editSpec('p', { targetDedicatedNodes: 5 }));
  await step('the user deletes it', 'p', () => w.delete('p'));
  await step('a status write while it is being deleted', 'p', async () => {
    const p = await read('p');
    return w.kube.patchStatus(p, p.status, { ...p.status, phase: 'Deleting' });
  });
  const twoFinalizers = await read('p');
  await step('remove one finalizer', 'p', () => w.kube.removeFinalizer(twoFinalizers, B));
  await step('remove it again from the stale read (index test)', 'p', () =>
    w.kube.removeFinalizer(twoFinalizers, B),
  );
  await step('remove the last finalizer: the object goes', 'p', async () =>
    w.kube.removeFinalizer(await read('p'), F),
  );

  await step('a status write to the gone object', 'p', () =>
    w.kube.patchStatus(twoFinalizers, undefined, { phase: 'Ready' }),
  );
  await step('remove a finalizer from the gone object', 'p', () => w.kube.removeFinalizer(twoFinalizers, F));
  await step('add a finalizer to the gone object', 'p', () => w.kube.addFinalizer(twoFinalizers, F));
  await step('read a missing account', 'p', () => w.kube.getAccount(`parity-none-${ns}`));
  await step('the user deletes "plain"', 'plain', () => w.delete('plain'));
  return out;
}

function apiserver(): World {
  const gvp = { group: GROUP, version: VERSION, plural: BATCHPOOL_PLURAL, namespace: ns };
  return {
    kube: new KubeClient(helpers.kc),
    create: async (pool) => {
      await helpers.custom.createNamespacedCustomObject({ ...gvp, body: pool });
    },
    editSpec: (name, spec) => helpers.patchPool(ns, name, { spec }),
    delete: async (name) => {
      await helpers.custom.deleteNamespacedCustomObject({ ...gvp, name });
    },
  };
}

function memory(): World {
  const kube = new MemoryKube();
  return {
    kube,
    create: (pool) => Promise.resolve(kube.put(pool)),
    editSpec: (name, spec) => Promise.resolve(void kube.updateSpec(ns, name, spec)),
    delete: (name) => Promise.resolve(kube.delete(ns, name)),
  };
}

beforeAll(async () => {
  await installCrds();
  ns = await uniqueNamespace('parity');
  helpers = new KubeHelpers();
});

describe('the in-memory Kubernetes against the real apiserver', () => {
  it('answers one sequence of calls exactly as KubeClient on the apiserver does', async () => {
    const real = await story(apiserver());
    const fake = await story(memory());
    // The conflicts are 422s (a failed JSON-patch test), which KubeClient takes as a conflict.
    expect(real.filter((o) => JSON.stringify(o.result).includes('"status":422'))).toHaveLength(3);
    expect(fake).toEqual(real);
  });
});
