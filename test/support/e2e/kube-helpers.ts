// The e2e suites' view of the cluster: BatchAccounts and BatchPools applied with kubectl as a user would,
// BatchPools and events read back through client-node, and waits for the states the suites expect.
import {
  CustomObjectsApi,
  EventsV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { FINALIZER, GROUP, VERSION, type BatchPool, type BatchPoolSpec } from '../../../src/api/types.ts';
import { kubectlOk } from '../kubectl.ts';
import { sleep } from '../wait.ts';
import { applyAccount } from './accounts.ts';

export interface EventView {
  type: string;
  reason: string;
  note: string;
  count: number;
}

export class KubeHelpers {
  readonly kc: KubeConfig;
  readonly custom: CustomObjectsApi;
  readonly eventsApi: EventsV1Api;

  constructor() {
    this.kc = new KubeConfig();
    this.kc.loadFromDefault();
    this.custom = this.kc.makeApiClient(CustomObjectsApi);
    this.eventsApi = this.kc.makeApiClient(EventsV1Api);
  }

  /**
   * A BatchAccount at `endpoint`; the simulator's endpoint has no region in its host, so pass `location`.
   * With `resourceManager` (the account's resource ID) its pools are written through the management plane.
   */
  createAccount(
    name: string,
    endpoint: string,
    allowedNamespaces: string[],
    clientId?: string,
    location = 'westeurope',
    resourceManager?: string,
  ): Promise<void> {
    return applyAccount({
      name,
      endpoint,
      allowedNamespaces,
      location,
      ...(clientId && { clientId }),
      ...(resourceManager && { resourceManager }),
    });
  }

  /** kubectl apply, as a user would. */
  async applyPool(
    namespace: string,
    name: string,
    spec: Partial<BatchPoolSpec> & Pick<BatchPoolSpec, 'accountRef' | 'image'>,
    annotations?: Record<string, string>,
  ): Promise<void> {
    const body = {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'BatchPool',
      metadata: { name, namespace, ...(annotations && { annotations }) },
      spec: {
        vmSize: 'Standard_D4s_v5',
        nodeAgentSkuId: 'batch.node.ubuntu 22.04',
        resizeStrategy: { backoff: { initial: '1s', max: '4s' } },
        ...spec,
      },
    };
    await kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(body) });
  }

  async patchPool(namespace: string, name: string, patch: object): Promise<void> {
    await this.custom.patchNamespacedCustomObject(
      { group: GROUP, version: VERSION, plural: 'batchpools', namespace, name, body: patch },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  async getPool(namespace: string, name: string): Promise<BatchPool | undefined> {
    try {
      return (await this.custom.getNamespacedCustomObject({
        group: GROUP,
        version: VERSION,
        plural: 'batchpools',
        namespace,
        name,
      })) as BatchPool;
    } catch (err) {
      if ((err as { code?: number }).code === 404) return undefined;
      throw err;
    }
  }

  async waitForPool(
    namespace: string,
    name: string,
    pred: (p: BatchPool) => boolean,
    what: string,
    timeoutMs = 30_000,
  ): Promise<BatchPool> {
    const end = Date.now() + timeoutMs;
    let last: BatchPool | undefined;
    for (;;) {
      last = await this.getPool(namespace, name);
      if (last && pred(last)) return last;
      if (Date.now() > end)
        throw new Error(
          `timed out waiting for ${namespace}/${name}: ${what}\nlast: ${JSON.stringify(last?.status, null, 1)}`,
        );
      await sleep(150);
    }
  }

  async waitForGone(namespace: string, name: string, timeoutMs = 30_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (await this.getPool(namespace, name)) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${namespace}/${name} to be deleted`);
      await sleep(150);
    }
  }

  async events(namespace: string, name?: string): Promise<EventView[]> {
    const list = await this.eventsApi.listNamespacedEvent({ namespace });
    return list.items
      .filter((e) => name === undefined || e.regarding?.name === name)
      .sort((a, b) => String(a.eventTime ?? '').localeCompare(String(b.eventTime ?? '')))
      .map((e) => ({
        type: e.type ?? '',
        reason: e.reason ?? '',
        note: e.note ?? '',
        count: e.series?.count ?? 1,
      }));
  }

  async waitForEvent(
    namespace: string,
    name: string,
    reason: string,
    timeoutMs = 30_000,
  ): Promise<EventView> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const e = (await this.events(namespace, name)).find((x) => x.reason === reason);
      if (e) return e;
      if (Date.now() > end)
        throw new Error(
          `timed out waiting for event ${reason} on ${namespace}/${name}: ${JSON.stringify(await this.events(namespace, name))}`,
        );
      await sleep(200);
    }
  }
}

export function condition(p: BatchPool, type: string) {
  return p.status?.conditions?.find((c) => c.type === type);
}

export const isReadyAt =
  (dedicated: number, lowPriority = 0) =>
  (p: BatchPool) =>
    p.status?.phase === 'Ready' &&
    p.status.currentDedicatedNodes === dedicated &&
    (p.status.currentLowPriorityNodes ?? 0) === lowPriority &&
    p.status.observedGeneration === p.metadata.generation &&
    condition(p, 'Ready')?.status === 'True';

export const hasFinalizer = (p: BatchPool) => p.metadata.finalizers?.includes(FINALIZER) ?? false;
