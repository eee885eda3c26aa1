// The controller behaviour suites' world: the CRDs, a quick simulator, and the operator as shipped — its own
// process, workload identity, leader election — with a way to read Azure as someone other than the operator.
// One harness serves the tests of one file; each test takes a namespace of its own with tenant().

import {
  GROUP,
  PAUSED_ANNOTATION,
  VERSION,
  type BatchPool,
  type BatchPoolSpec,
} from '../../../src/api/types.ts';
import type { BatchPools } from '../../../src/azure/ports.ts';
import type { Simulator, SimulatorOptions } from '../../../src/simulator/index.ts';
import { uniqueNamespace } from '../kubectl.ts';
import { controllerPolling, leaderElection, workloadIdentity } from '../operator-profiles.ts';
import { OperatorProcess } from '../operator-process.ts';
import { connectAzure } from '../sim-azure.ts';
import { installCrds } from './install.ts';
import { e2ePlane } from './plane.ts';
import { KubeHelpers } from './kube-helpers.ts';
import { startQuickSimulator } from './simulators.ts';

export interface Tenant {
  ns: string;
  account: string;
  image: string;
  /** The spec fields every pool of this tenant starts from. */
  base: Pick<BatchPoolSpec, 'accountRef' | 'image'>;
}

export interface Harness {
  sim: Simulator;
  /** Batch as someone other than the operator (out-of-band changes, reading pools back). */
  batch: BatchPools;
  operator: OperatorProcess;
  kube: KubeHelpers;
  /** A fresh namespace, an account that allows it, and a fresh image of the given kind. */
  tenant(prefix: string, image: 'gallery-version' | 'managed'): Promise<Tenant>;
  close(): Promise<void>;
}

/** Simulator + CRDs + operator process, shared by the tests of one file. */
export async function startHarness(simulator: SimulatorOptions = {}): Promise<Harness> {
  await installCrds();
  const sim = await startQuickSimulator(simulator);
  const operator = await OperatorProcess.start({
    sim,
    profiles: [
      controllerPolling,
      await workloadIdentity(),
      leaderElection({ namespace: await uniqueNamespace('lease') }),
    ],
    // Loopback ports the OS picks: the defaults listen on every interface and collide with other operators.
    health: 'any-port',
    metrics: 'any-port',
  });
  const kube = new KubeHelpers();
  return {
    sim,
    batch: connectAzure(sim).batch,
    operator,
    kube,
    async tenant(prefix, imageKind) {
      const ns = await uniqueNamespace(prefix);
      const account = `acct-${ns}`;
      const rm = e2ePlane() === 'ResourceManager' ? sim.info.batchAccountId : undefined;
      await kube.createAccount(account, sim.info.batchUrl, [ns], undefined, sim.info.location, rm);
      const image =
        imageKind === 'managed'
          ? sim.images.createManagedImage(`img-${ns}`)
          : sim.images.createGalleryImageVersion(`Gal-${ns}`, 'Ubuntu', '1.0.0');
      return { ns, account, image, base: { accountRef: { name: account }, image: { id: image } } };
    },
    async close() {
      if (process.env.E2E_DEBUG)
        console.log(operator.logs.filter((l) => !l.includes('"decision"')).join('\n'));
      // Leave nothing behind for the next file's operator: delete this file's BatchPools while our operator
      // still runs (it deletes their Azure pools and removes its finalizer), then their accounts.
      await cleanup(kube, sim.info.batchUrl, operator.alive()).catch((err: unknown) =>
        console.error('e2e cleanup:', err),
      );
      await operator.stop();
      await sim.close();
    },
  };
}

async function cleanup(kube: KubeHelpers, batchUrl: string, operatorRunning: boolean): Promise<void> {
  const accounts = (
    (await kube.custom.listClusterCustomObject({
      group: GROUP,
      version: VERSION,
      plural: 'batchaccounts',
    })) as {
      items: { metadata: { name: string }; spec: { endpoint: string } }[];
    }
  ).items
    .filter((a) => a.spec.endpoint === batchUrl)
    .map((a) => a.metadata.name);
  const pools = (
    (await kube.custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural: 'batchpools' })) as {
      items: BatchPool[];
    }
  ).items.filter((p) => accounts.includes(p.spec.accountRef.name));
  for (const p of pools) {
    const ns = p.metadata.namespace ?? '';
    if (p.metadata.annotations?.[PAUSED_ANNOTATION]) {
      await kube.patchPool(ns, p.metadata.name, { metadata: { annotations: { [PAUSED_ANNOTATION]: null } } });
    }
    await kube.custom
      .deleteNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        plural: 'batchpools',
        namespace: ns,
        name: p.metadata.name,
      })
      .catch(() => {});
  }
  for (const p of pools) {
    const ns = p.metadata.namespace ?? '';
    try {
      if (!operatorRunning) throw new Error('no operator to remove the finalizer');
      await kube.waitForGone(ns, p.metadata.name, 20_000);
    } catch {
      // e.g. its account was never allowed: nobody will remove the finalizer, so the test does.
      await kube.patchPool(ns, p.metadata.name, { metadata: { finalizers: null } }).catch(() => {});
    }
  }
  for (const a of accounts) {
    await kube.custom
      .deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: 'batchaccounts', name: a })
      .catch(() => {});
  }
}
