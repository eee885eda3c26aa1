// Secrets a BatchPool references: read (one key of one Secret in its namespace) before planning, sent to Azure
// as values at the write, and never anywhere else; a missing Secret, key or permission is reported on status
// and in an event, naming the Secret and key, and nothing is written to Azure.
import { describe, expect, it } from 'vitest';
import type { BatchPool } from '../../../src/api/types.ts';
import { SecretValues } from '../../../src/azure/ports.ts';
import { DEFAULT_SETTINGS } from '../../../src/controller/plan/index.ts';
import { reconcile, type ReconcilerDeps } from '../../../src/controller/reconciler.ts';
import type { SecretRead, SecretReader } from '../../../src/kube/secrets.ts';
import { makeLogger } from '../../../src/log.ts';
import { FakeClock } from '../../support/fake-clock.ts';
import { batchPool, IMAGE } from '../../support/fixtures.ts';
import { MemoryAzure } from '../../support/memory-azure.ts';
import { MemoryKube } from '../../support/memory-kube.ts';

const PASSWORD = 'hunter2-not-for-logs';

class MapSecrets implements SecretReader {
  readonly secrets = new Map<string, Record<string, string> | 'forbidden'>();
  readonly reads: string[] = [];
  read(namespace: string, name: string, key: string): Promise<SecretRead> {
    this.reads.push(`${namespace}/${name}/${key}`);
    const s = this.secrets.get(`${namespace}/${name}`);
    if (s === 'forbidden') return Promise.resolve({ kind: 'Forbidden' });
    if (!s) return Promise.resolve({ kind: 'SecretNotFound' });
    const value = s[key];
    return Promise.resolve(value === undefined ? { kind: 'KeyNotFound' } : { kind: 'ok', value });
  }
}

function world() {
  const pool: BatchPool = batchPool('render');
  pool.spec.userAccounts = [
    { name: 'render', passwordSecretRef: { name: 'render-secrets', key: 'password' } },
  ];
  pool.spec.extensions = [
    {
      name: 'mon',
      publisher: 'Microsoft.Azure.Monitor',
      type: 'AzureMonitorLinuxAgent',
      protectedSettingsSecretRef: { name: 'render-secrets', key: 'monitor.json' },
    },
  ];
  pool.metadata.finalizers = [];
  const kube = new MemoryKube();
  kube.put(pool);
  kube.accounts.set('acct', {
    apiVersion: 'batch.pooloperator.dev/v1alpha1',
    kind: 'BatchAccount',
    metadata: { name: 'acct' },
    spec: { endpoint: 'https://acct.example', allowedNamespaces: ['vfx'] },
  });
  const azure = new MemoryAzure();
  azure.imageIds.add(IMAGE);
  const secrets = new MapSecrets();
  const logged: string[] = [];
  const log = makeLogger('debug', { write: (line: string) => void logged.push(line) });
  const deps: ReconcilerDeps = {
    kube,
    events: kube,
    azure,
    clock: new FakeClock(),
    random: () => 0.5,
    settings: DEFAULT_SETTINGS,
    log,
    account: (name) => kube.accounts.get(name),
    pools: () => [...kube.pools.values()],
    secrets,
  };
  return { kube, azure, secrets, deps, logged, obj: () => kube.pools.get('vfx/render')! };
}

describe('Secrets of a BatchPool', () => {
  it('are read from its namespace and reach Azure as values, and only there', async () => {
    const w = world();
    w.secrets.secrets.set('vfx/render-secrets', { password: PASSWORD, 'monitor.json': '{"key":"k"}' });
    await reconcile('vfx/render', w.deps);
    expect(w.azure.calls).toContain('create');
    expect(w.secrets.reads).toEqual(['vfx/render-secrets/password', 'vfx/render-secrets/monitor.json']);
    const sent = w.azure.secretsSent.at(-1)!;
    expect(sent.get({ name: 'render-secrets', key: 'password' })).toBe(PASSWORD);
    const everywhere = JSON.stringify([w.obj(), w.kube.events, w.logged, [...w.azure.pools.values()]]);
    expect(everywhere).not.toContain(PASSWORD);
  });

  it.each([
    ['a missing Secret', undefined, 'Secret vfx/render-secrets does not exist'],
    ['a missing key', { 'monitor.json': '{}' }, 'Secret vfx/render-secrets has no key password'],
    [
      'a Secret the operator may not read',
      'forbidden' as const,
      'the operator may not read Secret vfx/render-secrets',
    ],
    [
      'protected settings that are not a JSON object',
      { password: PASSWORD, 'monitor.json': 'not json' },
      'Secret vfx/render-secrets, key monitor.json, must hold a JSON object',
    ],
  ])(
    'stall the pool on %s, naming the Secret and key, without writing to Azure',
    async (_n, secret, words) => {
      const w = world();
      if (secret) w.secrets.secrets.set('vfx/render-secrets', secret);
      const r = await reconcile('vfx/render', w.deps);
      expect(w.azure.calls).not.toContain('create');
      const status = w.obj().status!;
      expect(status.phase).toBe('Stalled');
      const stalled = status.conditions?.find((c) => c.type === 'Stalled');
      expect(stalled).toMatchObject({ status: 'True', reason: 'SecretUnavailable' });
      expect(stalled?.message).toContain(words);
      expect(w.kube.events.map((e) => e.reason)).toContain('SecretUnavailable');
      expect(w.kube.events.find((e) => e.reason === 'SecretUnavailable')?.message).toContain(words);
      expect(r.requeueAfterMs).toBeGreaterThan(0);
      expect(JSON.stringify([status, w.kube.events, w.logged])).not.toContain(PASSWORD);
    },
  );

  it('do not hold up a pool that exists and has nothing to change', async () => {
    const w = world();
    w.secrets.secrets.set('vfx/render-secrets', { password: PASSWORD, 'monitor.json': '{}' });
    await reconcile('vfx/render', w.deps);
    w.azure.settle('render');
    w.secrets.secrets.delete('vfx/render-secrets');
    await reconcile('vfx/render', w.deps);
    expect(w.obj().status?.phase).toBe('Ready');
  });

  it('are never shown by the values holder', () => {
    const v = new SecretValues([[{ name: 'a', key: 'b' }, PASSWORD]]);
    expect(JSON.stringify({ v })).not.toContain(PASSWORD);
    expect(`${JSON.stringify(v)}`).toBe('"[1 secret values]"');
  });
});
