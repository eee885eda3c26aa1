// A BatchPool that uses every 2025-06-01 pool setting, applied to a real apiserver and carried out by the
// operator against the simulator: each setting is found in the simulator's pool (the raw 2025-06-01 GET, as
// any SDK reads it), the Secrets it references reach Azure (the simulator refuses a user account, a CIFS
// mount or a file share without its secret), and each setting Azure changes on a live pool (start task,
// application packages, metadata) is changed in place; an empty-pool change is made under DrainAndUpdate; an
// autoscaled pool is created with its formula and given a new one.
import { ClientSecretCredential } from '@azure/identity';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, type BatchPool, type BatchPoolSpec } from '../../src/api/types.ts';
import { BatchClient } from '../../src/azure/batch/client.ts';
import { toCreateOptions } from '../../src/azure/batch/mapping.ts';
import type { BatchPool as WirePool } from '../../src/azure/batch/wire.ts';
import { SecretValues } from '../../src/azure/ports.ts';
import { AZURE_DEFAULTS, SETTINGS } from '../../src/azure/settings-table.ts';
import { desiredSettings } from '../../src/controller/plan/settings.ts';
import { secretRefsOf } from '../../src/controller/secrets.ts';
import { listPools, setupFaultEnv, type FaultEnv } from '../support/e2e/fault-env.ts';
import { kubectlOk } from '../support/kubectl.ts';
import { runImport } from '../support/import-cli.ts';
import { eventually } from '../support/wait.ts';
import { validFullPoolSpec } from '../unit/api/full-objects.ts';

let env: FaultEnv;
let client: BatchClient;
let imageId: string;

const POOL = 'every-field';
const SECRET_VALUE = (name: string, key: string) =>
  key.endsWith('.json') ? JSON.stringify({ workspaceKey: `k-${name}` }) : `v-${name}-${key}`;

beforeAll(async () => {
  env = await setupFaultEnv('every');
  const i = env.sim.info;
  client = new BatchClient(
    i.batchUrl,
    new ClientSecretCredential(i.tenantId, i.clientId, i.clientSecret, {
      authorityHost: i.authorityHost,
      disableInstanceDiscovery: true,
      tlsOptions: { ca: i.caPem },
    }),
    { ca: i.caPem },
  );
  // The spec asks for Trusted Launch: a Generation 2 image definition that declares it.
  imageId = env.sim.images.createGalleryImageVersion('every-gallery', 'ubuntu-tl', '1.0.0', {
    securityType: 'TrustedLaunch',
    hyperVGeneration: 'V2',
  });
  // The Secrets the spec references, in the BatchPool's namespace.
  const refs = secretRefsOf(everySpec());
  for (const name of new Set(refs.map((r) => r.name))) {
    const keys = refs
      .filter((r) => r.name === name)
      .map((r) => `--from-literal=${r.key}=${SECRET_VALUE(name, r.key)}`);
    await kubectlOk(['create', 'secret', 'generic', name, '-n', env.namespace, ...keys]);
  }
  await env.startOperator();
}, 180_000);

afterAll(async () => {
  await env?.close();
});

function everySpec(): BatchPoolSpec {
  const spec = validFullPoolSpec();
  delete spec.adoption;
  // Pool identities need a management-plane account (controller-planes.test.ts); this account is the data
  // plane's, and the identityReferences name identities given to the pool outside the operator.
  delete spec.identity;
  return {
    ...spec,
    accountRef: { name: env?.account ?? 'account' },
    poolId: POOL,
    image: {
      id: imageId ?? '/subscriptions/s/resourceGroups/r/providers/Microsoft.Compute/galleries/g/images/i',
    },
    targetDedicatedNodes: 2,
    targetLowPriorityNodes: 0,
    resizeTimeout: 'PT15M',
    resizeStrategy: { maxNodesPerResize: 0, backoff: { initial: '1s', max: '4s' } },
    deletionPolicy: 'Delete',
    updateStrategy: 'DrainAndUpdate',
  };
}

function manifest(name: string, spec: BatchPoolSpec): Record<string, unknown> {
  return { apiVersion: API_VERSION, kind: 'BatchPool', metadata: { name, namespace: env.namespace }, spec };
}

const apply = (name: string, spec: BatchPoolSpec) =>
  kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', '-'], {
    input: JSON.stringify(manifest(name, spec)),
  });

async function object(name: string): Promise<BatchPool> {
  return (await listPools(env)).find((p) => p.metadata.name === name)!;
}

async function readyAt(name: string, target: number) {
  await eventuallyOr(name, () =>
    eventually(
      async () => {
        const p = await object(name);
        return (
          p.status?.phase === 'Ready' &&
          p.status.observedGeneration === p.metadata.generation &&
          p.status.currentDedicatedNodes === target
        );
      },
      `${name} Ready at ${target}`,
      120_000,
    ),
  );
}

/** On a timeout, say what the BatchPool's status says (why it is not Ready). */
async function eventuallyOr(name: string, wait: () => Promise<void>) {
  try {
    await wait();
  } catch (err) {
    const st = (await object(name))?.status;
    const stalled = st?.conditions?.find((c) => c.type === 'Stalled' || c.type === 'Ready');
    throw new Error(`${(err as Error).message}: ${st?.phase} ${stalled?.reason}: ${stalled?.message}`, {
      cause: err,
    });
  }
}

/** What the operator sends for a spec, without the secrets (which a GET never shows). */
function expectedWire(name: string, spec: BatchPoolSpec): Record<string, unknown> {
  const obj = {
    ...(manifest(name, spec) as unknown as BatchPool),
    metadata: { name, namespace: env.namespace },
  };
  const secrets = new SecretValues(secretRefsOf(spec).map((r) => [r, SECRET_VALUE(r.name, r.key)]));
  const params = {
    ...desiredSettings(obj, undefined),
    id: spec.poolId!,
    targetDedicatedNodes: spec.targetDedicatedNodes ?? 0,
    targetLowPriorityNodes: spec.targetLowPriorityNodes ?? 0,
    resizeTimeout: spec.resizeTimeout!,
  };
  const body = toCreateOptions(params, secrets);
  const secretNames = new Set(['password', 'accountKey', 'sasKey', 'sshPrivateKey', 'protectedSettings']);
  return JSON.parse(JSON.stringify(body, (k, v: unknown) => (secretNames.has(k) ? undefined : v))) as Record<
    string,
    unknown
  >;
}

/** Every setting of the table in the pool Azure has, as the operator sent it (Azure may add defaults). */
function expectEverySetting(got: WirePool, want: Record<string, unknown>) {
  const vmWant = want.virtualMachineConfiguration as Record<string, unknown>;
  const vmGot = got.virtualMachineConfiguration as unknown as Record<string, unknown>;
  const missing: string[] = [];
  for (const r of SETTINGS) {
    if (r.place === 'special') continue;
    const [w, g] = r.place === 'vm' ? [vmWant[r.key], vmGot[r.key]] : [want[r.key], (got as never)[r.key]];
    if (w === undefined) continue;
    if (g === undefined) missing.push(r.field);
    // Azure lower-cases the VM size; everything else comes back as sent (plus defaults).
    else if (typeof w === 'string') expect((g as string).toLowerCase(), r.field).toBe(w.toLowerCase());
    else expect(g, r.field).toMatchObject(w as object);
  }
  expect(missing).toEqual([]);
}

const writes = (since: number) =>
  env.sim.requests
    .list({ since })
    .filter((e) => e.method !== 'GET' && e.path.split('/')[2]?.split('?')[0] === POOL)
    .map((e) => e.operation);

describe('a BatchPool with every 2025-06-01 setting', () => {
  it('is created with every setting, its secrets sent, and is Ready', async () => {
    await apply(POOL, everySpec());
    await readyAt(POOL, 2);
    const got = await client.getPool(POOL);
    expectEverySetting(got, expectedWire(POOL, everySpec()));
    expect(got.enableInterNodeCommunication).toBe(false);
    expect(got.displayName).toBe('Render farm');
    // Nothing secret in the object, its status or its events.
    const text = JSON.stringify([
      await object(POOL),
      await kubectlOk(['get', 'events', '-n', env.namespace, '-o', 'json']),
    ]);
    expect(text).not.toMatch(/v-render-user|v-storage|v-registry|k-monitor/);
  });

  it('is left alone once Ready: the pool the operator made does not differ from its spec', async () => {
    const since = env.sim.requests.cursor();
    await new Promise((r) => setTimeout(r, 5000));
    expect(writes(since)).toEqual([]);
    expect((await object(POOL)).status?.phase).toBe('Ready');
  });

  it('has each setting Azure changes on a live pool changed in place', async () => {
    const since = env.sim.requests.cursor();
    const spec = everySpec();
    spec.startTask = {
      ...spec.startTask!,
      commandLine: '/bin/sh -c "echo v2"',
      containerSettings: { ...spec.startTask!.containerSettings!, workingDirectory: 'taskWorkingDirectory' },
    };
    spec.applicationPackageReferences = [{ ...spec.applicationPackageReferences![0]!, version: '4.3' }];
    spec.metadata = [{ name: 'team', value: 'lighting' }];
    await apply(POOL, spec);
    await eventually(async () => {
      const got = await client.getPool(POOL);
      return (
        got.startTask?.commandLine === '/bin/sh -c "echo v2"' &&
        got.startTask.containerSettings?.workingDirectory === 'taskWorkingDirectory' &&
        got.applicationPackageReferences?.[0]?.version === '4.3' &&
        got.metadata?.some((m) => m.name === 'team' && m.value === 'lighting') === true
      );
    }, 'the live settings in Azure');
    await readyAt(POOL, 2);
    expect(writes(since).filter((w) => w !== 'Pool_UpdateProperties')).toEqual([]);
    expect(writes(since)).toContain('Pool_UpdateProperties');
  });

  it('has an empty-pool setting changed under DrainAndUpdate: drained, changed, grown back', async () => {
    const spec = everySpec();
    spec.startTask!.commandLine = '/bin/sh -c "echo v2"';
    spec.startTask!.containerSettings!.workingDirectory = 'taskWorkingDirectory';
    spec.applicationPackageReferences = [{ ...spec.applicationPackageReferences![0]!, version: '4.3' }];
    spec.metadata = [{ name: 'team', value: 'lighting' }];
    spec.displayName = 'Render farm 2';
    spec.osDisk = { ...spec.osDisk!, diskSizeGB: 256 };
    spec.taskSchedulingPolicy = { nodeFillType: 'spread' };
    await apply(POOL, spec);
    await eventually(
      async () => {
        const got = await client.getPool(POOL);
        return (
          got.displayName === 'Render farm 2' && got.virtualMachineConfiguration?.osDisk?.diskSizeGB === 256
        );
      },
      'the empty-pool settings in Azure',
      120_000,
    );
    await readyAt(POOL, 2);
    const got = await client.getPool(POOL);
    expect(String(got.taskSchedulingPolicy?.nodeFillType).toLowerCase()).toBe('spread');
    expectEverySetting(got, expectedWire(POOL, spec));
  });
});

describe('an autoscaled BatchPool', () => {
  const AUTO = 'every-autoscale';
  const auto = (formula: string): BatchPoolSpec => {
    const spec: BatchPoolSpec = {
      accountRef: { name: env.account },
      poolId: AUTO,
      vmSize: 'Standard_D4s_v5',
      image: { id: env.imageId },
      nodeAgentSkuId: 'batch.node.ubuntu 22.04',
      targetLowPriorityNodes: 0,
      autoScale: { formula, evaluationInterval: 'PT5M' },
    };
    return spec;
  };

  it('is created with its formula, sized by Azure, and Ready without a resize from the operator', async () => {
    await apply(AUTO, auto('$TargetDedicatedNodes = 2;'));
    await eventually(
      async () => {
        const p = await object(AUTO);
        return p.status?.phase === 'Ready' && p.status.currentDedicatedNodes === 2;
      },
      'autoscaled pool Ready at 2',
      120_000,
    );
    const got = await client.getPool(AUTO);
    expect(got).toMatchObject({ enableAutoScale: true, autoScaleFormula: '$TargetDedicatedNodes = 2;' });
    const ops = env.sim.requests
      .list({ since: 0 })
      .filter((e) => e.path.split('/')[2]?.split('?')[0] === AUTO && e.method !== 'GET')
      .map((e) => e.operation);
    expect(ops.filter((o) => /Resize/i.test(o))).toEqual([]);
  });

  it('gets a new formula through enableautoscale', async () => {
    await apply(AUTO, auto('$TargetDedicatedNodes = 3;'));
    await eventuallyOr(AUTO, () =>
      eventually(
        async () => (await client.getPool(AUTO)).autoScaleFormula === '$TargetDedicatedNodes = 3;',
        'the new formula in Azure',
        60_000,
      ),
    );
  });
});

describe('Secrets and import of a pool with every setting', () => {
  it('stall a BatchPool whose Secret is missing, naming it, with nothing created', async () => {
    const name = 'missing-secret';
    const spec: BatchPoolSpec = {
      accountRef: { name: env.account },
      poolId: name,
      vmSize: 'Standard_D4s_v5',
      image: { id: env.imageId },
      nodeAgentSkuId: 'batch.node.ubuntu 22.04',
      targetDedicatedNodes: 1,
      userAccounts: [{ name: 'render', passwordSecretRef: { name: 'no-such-secret', key: 'password' } }],
    };
    await apply(name, spec);
    await eventually(async () => {
      const c = (await object(name))?.status?.conditions?.find((x) => x.type === 'Stalled');
      return c?.status === 'True' && c.reason === 'SecretUnavailable';
    }, 'Stalled SecretUnavailable');
    const c = (await object(name)).status!.conditions!.find((x) => x.type === 'Stalled')!;
    expect(c.message).toContain(`Secret ${env.namespace}/no-such-secret does not exist`);
    const events = JSON.parse(
      await kubectlOk([
        'get',
        'events',
        '-n',
        env.namespace,
        '--field-selector',
        `involvedObject.name=${name}`,
        '-o',
        'json',
      ]),
    ) as { items: { reason: string; message: string }[] };
    expect(
      events.items.some((e) => e.reason === 'SecretUnavailable' && e.message.includes('no-such-secret')),
    ).toBe(true);
    expect(
      env.sim.requests.list({ since: 0 }).filter((e) => e.method === 'POST' && e.path.startsWith('/pools?')),
    ).not.toContainEqual(expect.objectContaining({ path: expect.stringContaining(name) }));
    // Once the Secret exists, the pool is created.
    await kubectlOk([
      'create',
      'secret',
      'generic',
      'no-such-secret',
      '-n',
      env.namespace,
      '--from-literal=password=pw',
    ]);
    await readyAt(name, 1);
  });

  it('import prints every setting of a pool made outside the operator, and the Secret to create', async () => {
    const spec = { ...everySpec(), poolId: 'foreign-every' };
    const body = toCreateOptions(
      {
        ...desiredSettings(
          { ...(manifest('x', spec) as unknown as BatchPool), metadata: { name: 'x' } },
          undefined,
        ),
        metadata: [{ name: 'team', value: 'vfx' }],
        id: 'foreign-every',
        targetDedicatedNodes: 1,
        targetLowPriorityNodes: 0,
        resizeTimeout: 'PT15M',
      },
      new SecretValues(secretRefsOf(spec).map((r) => [r, SECRET_VALUE(r.name, r.key)])),
    );
    await client.createPool(body);
    const r = await runImport(env.sim, ['--account', env.account, '--namespace', env.namespace]);
    expect(r.code, r.stderr).toBe(0);
    const imported = parseAllDocuments(r.stdout)
      .map((d) => d.toJS() as BatchPool)
      .find((m) => m.spec.poolId === 'foreign-every')!;
    expect(imported).toBeDefined();
    // Every setting the pool has, but those at Azure's default (enableInterNodeCommunication false) that the
    // manifest leaves out.
    const written = spec as Record<string, unknown>;
    const missing = SETTINGS.filter(
      (row) =>
        row.place !== 'special' &&
        written[row.key] !== undefined &&
        written[row.key] !== AZURE_DEFAULTS[row.key] &&
        (imported.spec as Record<string, unknown>)[row.key] === undefined,
    ).map((row) => row.field);
    expect(missing).toEqual([]);
    expect(r.stderr).toContain(`references Secret ${env.namespace}/foreign-every-secrets`);
    expect(r.stderr).toContain('user.render.password');
    // Applied (with the Secret it names), it takes the pool over without a write to Azure.
    const keys = secretRefsOf(imported.spec).map(
      (x) => `--from-literal=${x.key}=${SECRET_VALUE('x', x.key)}`,
    );
    await kubectlOk(['create', 'secret', 'generic', 'foreign-every-secrets', '-n', env.namespace, ...keys]);
    const since = env.sim.requests.cursor();
    await kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(imported) });
    await eventually(
      async () => (await object(imported.metadata.name))?.status?.adoptedAt !== undefined,
      'adopted',
    );
    await new Promise((res) => setTimeout(res, 3000));
    const poolWrites = env.sim.requests
      .list({ since })
      .filter((e) => e.method !== 'GET' && e.path.split('/')[2]?.split('?')[0] === 'foreign-every')
      .map((e) => e.operation);
    // Only the owner entries go into the metadata (updateproperties): no settings differ.
    expect(poolWrites.filter((o) => o !== 'Pool_UpdateProperties')).toEqual([]);
  });
});
