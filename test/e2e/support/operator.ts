// The operator as a user runs it — a separate `batchpool-operator run` process — pointed at the e2e apiserver
// and at an in-process simulator, plus the few helpers the controller e2e tests share.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CustomObjectsApi,
  EventsV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import {
  FINALIZER,
  GROUP,
  PAUSED_ANNOTATION,
  VERSION,
  type BatchPool,
  type BatchPoolSpec,
} from '../../../src/api/types.ts';
import { ClientSecretCredential } from '@azure/identity';
import { BatchPoolsAdapter, makeBatchClient } from '../../../src/azure/batch.ts';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../../src/simulator/index.ts';
import { kubectlOk, uniqueNamespace } from './kubectl.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface OperatorProcess {
  readonly logs: string[];
  readonly running: boolean;
  /** Lines of the decision log (parsed JSON). */
  decisions(filter?: { key?: string }): Record<string, unknown>[];
  stop(): Promise<number | null>;
}

export async function startOperator(
  env: Record<string, string>,
  args: string[] = [],
): Promise<OperatorProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    // Loopback and free ports only: the defaults (:8080, :8081) listen on every interface and collide
    // with any other operator on the machine.
    ['src/cli.ts', 'run', '--health-addr', '127.0.0.1:0', '--metrics-addr', '127.0.0.1:0', ...args],
    {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logs: string[] = [];
  let started!: () => void;
  const ready = new Promise<void>((resolve) => (started = resolve));
  let buf = '';
  const onData = (d: Buffer) => {
    buf += d.toString('utf8');
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      logs.push(line);
      if (line.includes('"controller started"')) started();
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`operator did not start:\n${logs.join('\n')}`)), 60_000).unref(),
  );
  await Promise.race([
    ready,
    timeout,
    exited.then((c) => Promise.reject(new Error(`operator exited ${c}:\n${logs.join('\n')}`))),
  ]);
  return {
    logs,
    get running() {
      return child.exitCode === null && child.signalCode === null;
    },
    decisions(filter = {}) {
      return logs
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((j) => j.msg === 'decision' && (filter.key === undefined || j.key === filter.key));
    },
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

/** A fake service-account token: the simulator's Entra ID accepts any well-formed JWT as a federated assertion. */
export async function federatedTokenFile(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bpo-e2e-'));
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const file = path.join(dir, 'token');
  await writeFile(
    file,
    `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iss: 'e2e', sub: 'system:serviceaccount:batchpool-system:batchpool-operator', aud: 'api://AzureADTokenExchange' })}.c2ln`,
  );
  return file;
}

export interface Harness {
  sim: Simulator;
  /** Batch as someone other than the operator (out-of-band changes, reading pools back). */
  batch: BatchPoolsAdapter;
  operator: OperatorProcess;
  kube: KubeHelpers;
  close(): Promise<void>;
}

/** Simulator + CRDs + operator process, shared by the tests of one file. */
export async function startHarness(
  o: { sim?: SimulatorOptions; operatorArgs?: string[] } = {},
): Promise<Harness> {
  await kubectlOk([
    'apply',
    '--server-side',
    '--force-conflicts',
    '-f',
    path.join(ROOT, 'crds/batch.pooloperator.dev_batchpools.yaml'),
    '-f',
    path.join(ROOT, 'crds/batch.pooloperator.dev_batchaccounts.yaml'),
  ]);
  await kubectlOk([
    'wait',
    '--for=condition=Established',
    'crd/batchpools.batch.pooloperator.dev',
    'crd/batchaccounts.batch.pooloperator.dev',
    '--timeout=60s',
  ]);
  const sim = await startSimulator({
    timeScale: 100,
    seed: 42,
    allocation: {
      bootDelaySeconds: 20,
      nodesPerMinute: 3000,
      shrinkDelaySeconds: 10,
      stopDelaySeconds: 2,
      deleteDelaySeconds: 20,
    },
    ...o.sim,
  });
  const i = sim.info;
  const leaseNamespace = await uniqueNamespace('lease');
  const operator = await startOperator(
    {
      AZURE_TENANT_ID: i.tenantId,
      AZURE_CLIENT_ID: i.clientId,
      AZURE_FEDERATED_TOKEN_FILE: await federatedTokenFile(),
      AZURE_AUTHORITY_HOST: i.authorityHost,
      BATCHPOOL_ARM_ENDPOINT: i.armEndpoint,
      BATCHPOOL_CA_FILE: i.caFile,
      BATCHPOOL_DISABLE_INSTANCE_DISCOVERY: 'true',
      LOG_LEVEL: 'info',
    },
    [
      '--concurrency',
      '4',
      '--resizing-poll',
      '300ms',
      '--steady-resync',
      '2s',
      '--image-recheck',
      '1s',
      '--image-check-interval',
      '2s',
      '--drain-timeout',
      '5s',
      '--leader-elect',
      '--leader-election-namespace',
      leaseNamespace,
      ...(o.operatorArgs ?? []),
    ],
  );
  const cred = new ClientSecretCredential(i.tenantId, i.clientId, i.clientSecret, {
    authorityHost: i.authorityHost,
    disableInstanceDiscovery: true,
    tlsOptions: { ca: i.caPem },
  });
  const kube = new KubeHelpers();
  return {
    sim,
    batch: new BatchPoolsAdapter(makeBatchClient(cred, i.batchUrl, i.caPem)),
    operator,
    kube,
    async close() {
      // Leave nothing behind for the next file's operator: delete this file's BatchPools while our operator
      // still runs (it deletes their Azure pools and removes its finalizer), then their accounts.
      await cleanup(kube, sim.info.batchUrl, operator.running).catch((err: unknown) =>
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

  async createAccount(
    name: string,
    endpoint: string,
    allowedNamespaces: string[],
    clientId?: string,
  ): Promise<void> {
    await kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: `${GROUP}/${VERSION}`,
        kind: 'BatchAccount',
        metadata: { name },
        spec: { endpoint, allowedNamespaces, ...(clientId && { identity: { clientId } }) },
      }),
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

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
