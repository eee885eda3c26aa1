// The CRDs as a user meets them: install, apply the examples, read them with kubectl get / explain,
// and keep them in Git (server-side apply twice changes nothing, kubectl diff stays empty).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fullAccountStatus, fullPoolStatus, validFullPoolSpec } from '../unit/api/full-objects.ts';
import { kubectl, kubectlOk, uniqueNamespace } from '../support/kubectl.ts';
import { account, pool } from '../support/e2e/api-manifests.ts';
import { CRD_NAMES, installCrds } from '../support/e2e/install.ts';
import { REPO_ROOT } from '../support/paths.ts';

const EXAMPLES = join(REPO_ROOT, 'deploy', 'examples');
const EXAMPLE_ACCOUNT = 'prod-westeurope';

/** The header line of `kubectl get`, split into column names. */
const header = (table: string) => (table.split('\n')[0] ?? '').trim().split(/\s+/);
/** The row of one object, split into cells (empty cells collapse, so read by known positions only). */
const row = (table: string, name: string) => table.split('\n').find((l) => l.startsWith(`${name} `)) ?? '';

describe('the CRDs', () => {
  let ns: string;

  beforeAll(async () => {
    await installCrds();
    ns = await uniqueNamespace('api-examples');
  });

  afterAll(async () => {
    // The example account is cluster-scoped: leave no trace for the other test files.
    await kubectl(['delete', 'batchaccount', EXAMPLE_ACCOUNT, '--ignore-not-found']);
  });

  it('install and become Established, with the names users type', async () => {
    const out = await kubectlOk([
      'wait',
      '--for=condition=Established',
      '--timeout=10s',
      ...CRD_NAMES.map((n) => `crd/${n}`),
    ]);
    expect(out).toContain('condition met');
    const resources = await kubectlOk(['api-resources', '--api-group=batch.pooloperator.dev', '-o', 'wide']);
    expect(resources).toMatch(
      /batchaccounts\s+ba\s+batch\.pooloperator\.dev\/v1alpha1\s+false\s+BatchAccount/,
    );
    expect(resources).toMatch(/batchpools\s+bp\s+batch\.pooloperator\.dev\/v1alpha1\s+true\s+BatchPool/);
    expect(resources).toContain('azure');
  });

  it('accept the examples in deploy/examples unchanged', async () => {
    const out = await kubectlOk(['apply', '-k', EXAMPLES, '-n', ns]);
    expect(out).toContain(`batchaccount.batch.pooloperator.dev/${EXAMPLE_ACCOUNT} `);
    for (const name of ['render-farm', 'genomics-align', 'spot-smoke-test']) {
      expect(out).toContain(`batchpool.batch.pooloperator.dev/${name} `);
    }
  });

  it('fill in the defaults a newcomer can leave out', async () => {
    const spec = JSON.parse(
      await kubectlOk(['get', 'bp', 'genomics-align', '-n', ns, '-o', 'jsonpath={.spec}']),
    );
    expect(spec).toMatchObject({
      resizeTimeout: 'PT20M',
      deletionPolicy: 'Delete',
      nodeDeallocationOption: 'requeue',
      targetLowPriorityNodes: 0,
      resizeStrategy: { maxNodesPerResize: 0, backoff: { initial: '30s', max: '10m' } },
    });
    // A field the user did write keeps its value; only the missing ones are defaulted.
    const farm = JSON.parse(
      await kubectlOk(['get', 'bp', 'render-farm', '-n', ns, '-o', 'jsonpath={.spec}']),
    );
    expect(farm).toMatchObject({
      resizeTimeout: 'PT25M',
      resizeStrategy: { maxNodesPerResize: 300, backoff: { initial: '1m', max: '15m' } },
    });
  });

  it('show NAME TARGET CURRENT PHASE ATTEMPTS READY AGE, and more with -o wide', async () => {
    expect(header(await kubectlOk(['get', 'batchpools', '-n', ns]))).toEqual([
      'NAME',
      'TARGET',
      'CURRENT',
      'USABLE',
      'PHASE',
      'ATTEMPTS',
      'READY',
      'AGE',
    ]);
    const wide = await kubectlOk(['get', 'bp', '-n', ns, '-o', 'wide']);
    expect(header(wide)).toEqual([
      'NAME',
      'TARGET',
      'CURRENT',
      'USABLE',
      'PHASE',
      'ATTEMPTS',
      'READY',
      'AGE',
      'SPOT-TARGET',
      'SPOT-CURRENT',
      'POOL-ID',
      'VM-SIZE',
      'LAST-ERROR',
    ]);
    expect(row(wide, 'render-farm')).toMatch(/^render-farm\s+600\s+\S+\s+0\s+Standard_D4s_v5\s*$/);
    const accounts = await kubectlOk(['get', 'ba', EXAMPLE_ACCOUNT]);
    expect(header(accounts)).toEqual(['NAME', 'ENDPOINT', 'NAMESPACES', 'AGE']);
    expect(row(accounts, EXAMPLE_ACCOUNT)).toContain('https://prodbatch.westeurope.batch.azure.com');
  });

  it('show what the operator writes into the status, column by column', async () => {
    const name = 'with-status';
    await kubectlOk(['create', '-n', ns, '-f', '-'], {
      input: JSON.stringify({ ...pool(name), spec: { ...validFullPoolSpec(), poolId: name } }),
    });
    // Every field of BatchPoolStatus in types.ts, through the status subresource.
    await kubectlOk([
      'patch',
      'bp',
      name,
      '-n',
      ns,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status: fullPoolStatus }),
    ]);
    const obj = JSON.parse(await kubectlOk(['get', 'bp', name, '-n', ns, '-o', 'json']));
    expect(obj.status).toEqual(fullPoolStatus);
    const wide = row(await kubectlOk(['get', 'bp', name, '-n', ns, '-o', 'wide']), name);
    expect(wide.split(/\s+/)).toEqual([
      name,
      '10',
      '7',
      '6',
      'Resizing',
      '3',
      'False',
      expect.any(String),
      '2',
      '1',
      'full-pool',
      'Standard_D4s_v5',
      'AllocationFailed',
    ]);
  });

  it('keep the status out of reach of spec writers: a status in a plain update is dropped', async () => {
    await kubectlOk([
      'patch',
      'bp',
      'genomics-align',
      '-n',
      ns,
      '--type=merge',
      '-p',
      '{"status":{"phase":"Ready"}}',
    ]);
    expect(await kubectlOk(['get', 'bp', 'genomics-align', '-n', ns, '-o', 'jsonpath={.status.phase}'])).toBe(
      '',
    );
  });

  it('give BatchAccount a status subresource too', async () => {
    const name = `status-${ns}`;
    await kubectlOk(['create', '-f', '-'], { input: JSON.stringify(account(name)) });
    try {
      await kubectlOk([
        'patch',
        'ba',
        name,
        '--subresource=status',
        '--type=merge',
        '-p',
        JSON.stringify({ status: fullAccountStatus }),
      ]);
      expect(JSON.parse(await kubectlOk(['get', 'ba', name, '-o', 'jsonpath={.status}']))).toEqual(
        fullAccountStatus,
      );
    } finally {
      await kubectl(['delete', 'ba', name, '--ignore-not-found']);
    }
  });

  it('let people list the pools of one account with a field selector', async () => {
    const out = await kubectlOk([
      'get',
      'bp',
      '-n',
      ns,
      '--field-selector',
      `spec.accountRef.name=${EXAMPLE_ACCOUNT}`,
      '-o',
      'name',
    ]);
    expect(out.trim().split('\n').sort()).toEqual(
      ['genomics-align', 'render-farm', 'spot-smoke-test', 'with-status'].map(
        (n) => `batchpool.batch.pooloperator.dev/${n}`,
      ),
    );
    expect(
      await kubectlOk([
        'get',
        'bp',
        '-n',
        ns,
        '--field-selector',
        'spec.accountRef.name=elsewhere',
        '-o',
        'name',
      ]),
    ).toBe('');
  });

  it('teach through kubectl explain', async () => {
    // The apiserver publishes a new CRD's OpenAPI a moment after it is Established.
    let out = '';
    for (let i = 0; i < 50; i++) {
      const r = await kubectl(['explain', 'batchpool.spec.resizeStrategy']);
      out = r.stdout;
      if (r.code === 0) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    expect(out).toContain('FIELD: resizeStrategy <Object>');
    expect(out).toMatch(/How the operator drives a pool to its target/);
    for (const field of ['backoff', 'maxAttempts', 'maxNodesPerResize'])
      expect(out).toMatch(new RegExp(`^  ${field}\\s+<`, 'm'));
    const timeout = await kubectlOk(['explain', 'batchpool.spec.resizeTimeout']);
    expect(timeout).toMatch(/20-30\s+minutes/);
    const image = await kubectlOk(['explain', 'batchpool.spec.image']);
    expect(image).toMatch(/distinct image/);
    expect(await kubectlOk(['explain', 'batchaccount.spec.allowedNamespaces'])).toMatch(/every\s+namespace/);
  });
});

describe('GitOps', () => {
  let ns: string;
  const manifest = () => parse(`${fileText()}`) as Record<string, unknown>;
  const fileText = () => readExample('render-farm.yaml');

  beforeAll(async () => {
    await installCrds();
    ns = await uniqueNamespace('api-gitops');
  });

  const identity = async (name: string) => {
    const o = JSON.parse(await kubectlOk(['get', 'bp', name, '-n', ns, '-o', 'json']));
    return {
      rv: o.metadata.resourceVersion,
      generation: o.metadata.generation,
      managedFields: o.metadata.managedFields,
      spec: o.spec,
    };
  };

  it('server-side apply of the same manifest twice is a no-op', async () => {
    const args = ['apply', '--server-side', '--field-manager=gitops', '-n', ns, '-f', '-'];
    const input = JSON.stringify(manifest());
    expect(await kubectlOk(args, { input })).toContain('serverside-applied');
    const first = await identity('render-farm');
    await new Promise((res) => setTimeout(res, 1100)); // a changed managedFields timestamp would show
    await kubectlOk(args, { input });
    const second = await identity('render-farm');
    expect(second).toEqual(first);
    expect(first.generation).toBe(1);
  });

  it('kubectl diff of an applied example is empty, with either kind of apply', async () => {
    const file = join(EXAMPLES, 'genomics-gallery-image.yaml');
    await kubectlOk(['apply', '-n', ns, '-f', file]);
    const clientSide = await kubectl(['diff', '-n', ns, '-f', file]);
    expect(clientSide.stdout).toBe('');
    expect(clientSide.code).toBe(0);
    const serverSide = await kubectl(
      ['diff', '--server-side', '--field-manager=gitops', '-n', ns, '-f', '-'],
      {
        input: JSON.stringify(manifest()),
      },
    );
    expect(serverSide.stdout).toBe('');
    expect(serverSide.code).toBe(0);
  });

  it('kubectl diff does show a real change (so the empty diff above means something)', async () => {
    const changed = manifest() as { spec: { targetDedicatedNodes: number } };
    changed.spec.targetDedicatedNodes = 700;
    const r = await kubectl(['diff', '--server-side', '--field-manager=gitops', '-n', ns, '-f', '-'], {
      input: JSON.stringify(changed),
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^\+\s+targetDedicatedNodes: 700$/m);
  });
});

function readExample(file: string): string {
  return readFileSync(join(EXAMPLES, file), 'utf8');
}
