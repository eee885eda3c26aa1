// Pool identities (spec.identity): only a management-plane account can give a pool identities, the nodes can
// use only the pool's own, and a pool written before spec.identity existed is judged as before.
import { describe, expect, it } from 'vitest';
import type { BatchPool } from '../../../src/api/types.ts';
import { findCondition } from '../../../src/controller/conditions.ts';
import { plan, type PlanInput } from '../../../src/controller/plan/index.ts';
import { identityReferences } from '../../../src/controller/plan/guards.ts';
import { batchPool, found, input, settingsOf, snapshot } from '../../support/fixtures.ts';

const PULLER =
  '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/puller';
const OTHER =
  '/subscriptions/0000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/other';
const RM: PlanInput['account'] = { kind: 'ok', name: 'acct', region: 'westeurope', api: 'ResourceManager' };

const withRegistry = (spec: Partial<BatchPool['spec']>, registryIdentity = PULLER): BatchPool =>
  batchPool('render', {
    spec: {
      containerConfiguration: {
        type: 'dockerCompatible',
        containerRegistries: [
          { registryServer: 'r.azurecr.io', identityReference: { resourceId: registryIdentity } },
        ],
      },
      ...spec,
    },
  });

/** What Azure reports for a pool made from `object`, with these identities on it. */
const azureHas = (object: BatchPool, identities: string[]) =>
  settingsOf(object, {
    ...(object.spec.containerConfiguration && { containerConfiguration: object.spec.containerConfiguration }),
    identity: { userAssignedIdentities: identities },
  });

const stalled = (r: ReturnType<typeof plan>) => findCondition(r.status.conditions, 'Stalled');

describe('spec.identity', () => {
  it('on a DataPlane account is refused, saying why and what to set, and nothing is written', () => {
    const r = plan(input(withRegistry({ identity: { userAssignedIdentities: [PULLER] } })));
    expect(stalled(r)).toMatchObject({ status: 'True', reason: 'IdentityNeedsResourceManager' });
    expect(stalled(r)?.message).toContain(
      'Set spec.api: ResourceManager and spec.resourceId on BatchAccount acct',
    );
    expect(r.action.kind).toBe('none');
    expect(r.events.map((e) => `${e.type}/${e.reason}`)).toContain('Warning/IdentityNeedsResourceManager');
  });

  it('names the field whose identityReference is not one of the pool’s identities', () => {
    const r = plan(
      input(withRegistry({ identity: { userAssignedIdentities: [PULLER] } }, OTHER), { account: RM }),
    );
    expect(stalled(r)).toMatchObject({ status: 'True', reason: 'IdentityNotOnPool' });
    expect(stalled(r)?.message).toContain(
      `spec.containerConfiguration.containerRegistries[0].identityReference.resourceId names identity ${OTHER}`,
    );
  });

  it('on a ResourceManager account creates the pool with its identities', () => {
    const object = withRegistry({ identity: { userAssignedIdentities: [PULLER.toUpperCase()] } });
    const r = plan(input(object, { account: RM, observed: { pool: undefined }, imageCheck: found() }));
    expect(stalled(r)?.status).not.toBe('True');
    expect(r.action.kind).toBe('create');
    expect(r.action.kind === 'create' && r.action.params.identity).toEqual({
      userAssignedIdentities: [PULLER.toUpperCase()],
    });
  });

  it('an identity added to the spec of an existing pool is a live change (a PATCH of the identity)', () => {
    const object = withRegistry({ identity: { userAssignedIdentities: [PULLER, OTHER] } });
    const have = azureHas(object, [PULLER]);
    const r = plan(
      input(object, { account: RM, observed: { pool: snapshot({ settings: have }) }, imageCheck: found() }),
    );
    expect(r.action).toMatchObject({ settings: { identity: { userAssignedIdentities: [PULLER, OTHER] } } });
  });

  it('the same identities in another order or case are no change', () => {
    const object = withRegistry({ identity: { userAssignedIdentities: [PULLER, OTHER] } });
    const have = azureHas(object, [OTHER.toLowerCase(), PULLER]);
    const r = plan(
      input(object, { account: RM, observed: { pool: snapshot({ settings: have }) }, imageCheck: found() }),
    );
    expect(r.action.kind).toBe('none');
    expect(findCondition(r.status.conditions, 'Ready')?.status).toBe('True');
  });

  it('a pool written before spec.identity, with identityReferences to identities given outside, works as before', () => {
    const object = withRegistry({});
    const have = azureHas(object, [PULLER]);
    const r = plan(input(object, { observed: { pool: snapshot({ settings: have }) }, imageCheck: found() }));
    expect(stalled(r)?.status).not.toBe('True');
    expect(r.action.kind).toBe('none');
    expect(findCondition(r.status.conditions, 'Ready')?.status).toBe('True');
  });

  it('finds every identityReference in a spec', () => {
    const object = withRegistry({
      startTask: {
        commandLine: 'x',
        resourceFiles: [{ httpUrl: 'https://a/b', identityReference: { resourceId: OTHER } }],
      },
    });
    expect(identityReferences(object.spec).map((r) => r.field)).toEqual([
      'spec.containerConfiguration.containerRegistries[0].identityReference.resourceId',
      'spec.startTask.resourceFiles[0].identityReference.resourceId',
    ]);
  });
});
