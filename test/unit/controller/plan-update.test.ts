import { describe, expect, it } from 'vitest';
import type { BatchPool, BatchPoolSpec, BatchPoolStatus } from '../../../src/api/types.ts';
import type { ImageFacts, PoolSnapshot } from '../../../src/azure/ports.ts';
import { findCondition } from '../../../src/controller/conditions.ts';
import { plan, type PlanResult } from '../../../src/controller/plan/index.ts';
import {
  batchPool,
  deleting,
  found,
  IMAGE,
  input,
  iso,
  ownerEntries,
  settingsOf,
  snapshot,
  T0,
} from '../../support/fixtures.ts';

const NEW_IMAGE = IMAGE.replace('/versions/1.4.0', '/versions/1.5.0');
const newVersion: ImageFacts = {
  kind: 'galleryVersion',
  definition: { osType: 'Linux' },
  version: { id: NEW_IMAGE, provisioningState: 'Succeeded', replication: 'Completed' },
};

const ready = (object: BatchPool): BatchPoolStatus => ({
  observedGeneration: 1,
  phase: 'Ready',
  image: {
    id: object.spec.image.id,
    exists: true,
    checkedAt: iso(T0 - 60_000),
    source: 'Gallery',
    versionId: object.spec.image.id,
    osType: 'Linux',
  },
  nodeAgent: { skuId: object.spec.nodeAgentSkuId, supported: true, checkedAt: iso(T0 - 60_000) },
  resize: { attempts: 1, lastIssuedAt: iso(T0 - 3_600_000), lastTarget: { dedicated: 10, lowPriority: 0 } },
});

/** A BatchPool whose pool was created from `before`, and whose spec is now `after`. */
function edited(after: Partial<BatchPoolSpec>, before: Partial<BatchPoolSpec> = {}) {
  const original = batchPool('render', { spec: before });
  const object = batchPool('render', { spec: { ...before, ...after }, status: ready(original) });
  return { object, pool: snapshot({ settings: settingsOf(original) }, original) };
}

const run = (object: BatchPool, pool: PoolSnapshot | undefined, extra = {}) =>
  plan(input(object, { observed: { pool }, ...extra }));
const cond = (r: PlanResult, type: 'Ready' | 'Reconciling' | 'Stalled') =>
  findCondition(r.status.conditions, type);
const reasons = (r: PlanResult) => r.events.map((e) => e.reason);

describe('plan: settings Azure changes on a pool with nodes', () => {
  it('leaves a pool that matches its spec alone (the defaults Azure fills in are no difference)', () => {
    const { object, pool } = edited(
      {},
      { startTask: { commandLine: '/bin/sh -c setup.sh' }, metadata: [{ name: 'team', value: 'fx' }] },
    );
    const r = run(object, pool);
    expect(r.action.kind).toBe('none');
    expect(r.status.phase).toBe('Ready');
  });

  it('replaces a changed start task in place, with a PoolUpdated event naming the field', () => {
    const { object, pool } = edited(
      { startTask: { commandLine: '/bin/sh -c setup-v2.sh' } },
      { startTask: { commandLine: '/bin/sh -c setup.sh' } },
    );
    const r = run(object, pool);
    expect(r.action).toMatchObject({
      kind: 'updateLive',
      fields: ['spec.startTask'],
      settings: { startTask: { commandLine: '/bin/sh -c setup-v2.sh' } },
    });
    expect(r.status.phase).toBe('Updating');
    expect(r.events).toContainEqual(
      expect.objectContaining({
        reason: 'PoolUpdated',
        action: 'Update',
        message: expect.stringContaining('spec.startTask'),
      }),
    );
  });

  it('writes the whole metadata, the owner entries included, when the user entries change', () => {
    const { object, pool } = edited(
      { metadata: [{ name: 'team', value: 'sim' }] },
      { metadata: [{ name: 'team', value: 'fx' }] },
    );
    const r = run(object, pool);
    expect(r.action.kind).toBe('updateLive');
    if (r.action.kind !== 'updateLive') return;
    expect(r.action.fields).toEqual(['spec.metadata']);
    expect(r.action.settings.metadata).toEqual([{ name: 'team', value: 'sim' }, ...ownerEntries(object)]);
  });

  it('removes a start task the spec no longer has', () => {
    const { object, pool } = edited({ startTask: undefined }, { startTask: { commandLine: 'setup' } });
    delete object.spec.startTask;
    const r = run(object, pool);
    expect(r.action).toMatchObject({ kind: 'updateLive', fields: ['spec.startTask'] });
    if (r.action.kind === 'updateLive') expect(r.action.settings.startTask).toBeUndefined();
  });

  it('writes nothing while paused, and says what it would do', () => {
    const { object, pool } = edited({ metadata: [{ name: 'team', value: 'sim' }] });
    object.metadata.annotations = { 'batch.pooloperator.dev/paused': 'true' };
    const r = run(object, pool);
    expect(r.action.kind).toBe('none');
    expect(cond(r, 'Ready')?.message).toContain('spec.metadata');
  });
});

describe('plan: settings Azure changes only on an empty pool', () => {
  it('Manual (the default): refuses a new image on a pool with nodes, naming the field, and writes nothing', () => {
    const { object, pool } = edited({ image: { id: NEW_IMAGE } });
    const r = run(object, pool, { imageCheck: found(newVersion) });
    expect(r.action.kind).toBe('none');
    expect(r.status.phase).toBe('Stalled');
    expect(cond(r, 'Stalled')).toMatchObject({ status: 'True', reason: 'UpdateRefused' });
    expect(cond(r, 'Stalled')?.message).toMatch(/spec\.image\.id.*10 nodes.*Manual.*DrainAndUpdate/);
    expect(r.status.update).toMatchObject({
      fields: ['spec.image.id'],
      strategy: 'Manual',
      state: 'Refused',
    });
    expect(reasons(r)).toContain('UpdateRefused');
  });

  it('Manual with targets of 0: the pool empties by the ordinary resize, then the change is made', () => {
    const { object, pool } = edited({ image: { id: NEW_IMAGE }, targetDedicatedNodes: 0 });
    const shrinking = run(object, pool, { imageCheck: found(newVersion) });
    expect(shrinking.action).toMatchObject({ kind: 'resize', params: { targetDedicatedNodes: 0 } });
    expect(shrinking.status.update?.state).toBe('Draining');
    const empty = snapshot({
      currentDedicatedNodes: 0,
      targetDedicatedNodes: 0,
      settings: pool.settings!,
    });
    const next = run({ ...object, status: shrinking.status }, empty);
    expect(next.action).toMatchObject({
      kind: 'updateEmpty',
      fields: ['spec.image.id'],
      settings: { imageId: NEW_IMAGE, nodeAgentSkuId: 'batch.node.ubuntu 22.04' },
    });
  });

  describe('DrainAndUpdate', () => {
    const spec = { image: { id: NEW_IMAGE }, updateStrategy: 'DrainAndUpdate' as const };

    it('shrinks a steady pool to 0 with the spec’s deallocation option', () => {
      const { object, pool } = edited({ ...spec, nodeDeallocationOption: 'taskcompletion' });
      const r = run(object, pool, { imageCheck: found(newVersion) });
      expect(r.action).toMatchObject({
        kind: 'resize',
        params: {
          targetDedicatedNodes: 0,
          targetLowPriorityNodes: 0,
          nodeDeallocationOption: 'taskcompletion',
        },
      });
      expect(r.status.update).toMatchObject({ state: 'Draining', strategy: 'DrainAndUpdate' });
    });

    it('waits while the pool shrinks to 0, and stops a resize that goes elsewhere', () => {
      const { object, pool } = edited(spec);
      const draining = run(
        object,
        { ...pool, allocationState: 'resizing', targetDedicatedNodes: 0 },
        {
          imageCheck: found(newVersion),
        },
      );
      expect(draining.action.kind).toBe('none');
      expect(draining.status.phase).toBe('Updating');
      const growing = run(
        object,
        { ...pool, allocationState: 'resizing', targetDedicatedNodes: 20 },
        {
          imageCheck: found(newVersion),
        },
      );
      expect(growing.action.kind).toBe('stopResize');
    });

    it('changes the empty pool, then grows it back to its target', () => {
      const { object, pool } = edited(spec);
      const empty = { ...pool, currentDedicatedNodes: 0, targetDedicatedNodes: 0 };
      const patch = run(object, empty, { imageCheck: found(newVersion) });
      expect(patch.action).toMatchObject({ kind: 'updateEmpty', settings: { imageId: NEW_IMAGE } });
      expect(reasons(patch)).toContain('PoolUpdated');
      const updated = { ...empty, settings: { ...empty.settings!, imageId: NEW_IMAGE } };
      const grow = run({ ...object, status: patch.status }, updated);
      expect(grow.action).toMatchObject({ kind: 'resize', params: { targetDedicatedNodes: 10 } });
      expect(grow.status.update).toBeUndefined();
    });

    it('does not empty a pool for an image whose node agent the account does not offer', () => {
      const { object, pool } = edited({ ...spec, nodeAgentSkuId: 'batch.node.windows amd64' });
      const r = run(object, pool, { imageCheck: found(newVersion) });
      expect(r.action.kind).toBe('none');
      expect(cond(r, 'Stalled')?.reason).toBe('NodeAgentSkuUnsupported');
    });
  });
});

describe('plan: adoption', () => {
  const foreign = (object: BatchPool, overrides: Partial<PoolSnapshot> = {}) => {
    const settings = settingsOf(object, { metadata: [] });
    return snapshot({ owner: {}, settings, ...overrides }, object);
  };
  const adopting = (spec: Partial<BatchPoolSpec> = {}) => {
    const object = batchPool('render', { spec: { adoption: 'Adopt', ...spec } });
    object.status = { image: ready(object).image! };
    return object;
  };

  it('without spec.adoption, a pool the operator did not create is left alone', () => {
    const object = batchPool('render', { status: ready(batchPool()) });
    const r = run(object, foreign(object));
    expect(r.action.kind).toBe('none');
    expect(cond(r, 'Stalled')?.reason).toBe('PoolNotOwned');
  });

  it('Adopt: a pool that differs in empty-pool settings is listed, difference by difference, and not written', () => {
    const object = adopting({ vmSize: 'Standard_D8s_v5' });
    const r = run(object, foreign(batchPool()));
    expect(r.action.kind).toBe('none');
    expect(cond(r, 'Stalled')).toMatchObject({ reason: 'AdoptionMismatch' });
    expect(cond(r, 'Stalled')?.message).toContain(
      'spec.vmSize is Standard_D8s_v5 in the spec but Standard_D4s_v5 in Azure',
    );
  });

  it('Adopt: a matching pool at its target is taken over without a single write', () => {
    const object = adopting();
    const r = run(object, foreign(object));
    expect(r.action.kind).toBe('none');
    expect(r.status.phase).toBe('Ready');
    expect(r.status.adoptedAt).toBe(iso(T0));
    expect(reasons(r)).toContain('PoolAdopted');
  });

  it('Adopt: the owner entries go on before the first resize', () => {
    const object = adopting({ targetDedicatedNodes: 20 });
    const first = run(object, foreign(object));
    expect(first.action).toMatchObject({ kind: 'updateLive', fields: ['metadata (owner entries)'] });
    if (first.action.kind === 'updateLive') {
      expect(first.action.settings.metadata).toEqual(ownerEntries(object));
    }
    const claimed = snapshot({ settings: settingsOf(object) }, object);
    const second = run({ ...object, status: first.status }, claimed);
    expect(second.action).toMatchObject({ kind: 'resize', params: { targetDedicatedNodes: 20 } });
  });

  it('Adopt: claiming a pool keeps its application packages (updateproperties replaces them whole)', () => {
    const apps = [{ applicationId: 'render', version: '2.1' }];
    const object = adopting({ targetDedicatedNodes: 20, applicationPackageReferences: apps });
    const have = snapshot(
      { settings: { ...settingsOf(object), applicationPackageReferences: apps } },
      object,
    );
    have.owner = {};
    have.settings!.metadata = have.settings!.metadata.filter((m) => !m.name.startsWith('batchpool-operator'));
    const first = run(object, have);
    expect(first.action).toMatchObject({
      kind: 'updateLive',
      settings: { applicationPackageReferences: apps },
    });
  });

  it('Adopt never takes a pool that another BatchPool owns', () => {
    const object = adopting();
    const other = batchPool('other');
    const r = run(object, snapshot({ settings: settingsOf(other) }, other));
    expect(cond(r, 'Stalled')?.reason).toBe('PoolNotOwned');
  });

  it('Observe mirrors the pool and never writes, not even on delete', () => {
    const object = batchPool('render', { spec: { adoption: 'Observe', targetDedicatedNodes: 50 } });
    const pool = foreign(object, { allocationState: 'steady' });
    const r = run(object, pool);
    expect(r.action.kind).toBe('none');
    expect(r.status).toMatchObject({ phase: 'Ready', currentDedicatedNodes: 10 });
    expect(cond(r, 'Ready')?.message).toMatch(/Observing pool render.*never writes/);
    const gone = run(deleting(object), pool);
    expect(gone.action.kind).toBe('removeFinalizer');
  });
});
