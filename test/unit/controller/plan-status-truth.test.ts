// Status that never contradicts itself: what a new user saw and read as wrong, one test each.
import { describe, expect, it } from 'vitest';
import type { BatchPool, BatchPoolStatus } from '../../../src/api/types.ts';
import { findCondition } from '../../../src/controller/conditions.ts';
import { DEFAULT_SETTINGS, plan, planFailure, type PlanResult } from '../../../src/controller/plan/index.ts';
import type { ImageFacts } from '../../../src/azure/ports.ts';
import { batchPool, IMAGE, input, iso, paused, snapshot, T0 } from '../../support/fixtures.ts';

const image: BatchPoolStatus['image'] = {
  id: IMAGE,
  exists: true,
  checkedAt: iso(T0 - 60_000),
  source: 'Gallery',
  versionId: IMAGE,
  provisioningState: 'Succeeded',
  replication: 'Completed',
  region: 'westeurope',
  osType: 'Linux',
};
const nodeAgent: BatchPoolStatus['nodeAgent'] = {
  skuId: 'batch.node.ubuntu 22.04',
  supported: true,
  checkedAt: iso(T0 - 60_000),
};

/** A pool we asked at T0 - 30 min for `target` nodes, when it had `from`. */
function growing(target: number, from: number, attempts = 1): BatchPool {
  return batchPool('render', {
    spec: { targetDedicatedNodes: target },
    status: {
      observedGeneration: 1,
      phase: 'Resizing',
      image,
      nodeAgent,
      resize: {
        attempts,
        lastIssuedAt: iso(T0 - 1_800_000),
        lastIssuedFrom: { dedicated: from, lowPriority: 0 },
        lastTarget: { dedicated: target, lowPriority: 0 },
      },
    },
  });
}

const kinds = (r: PlanResult) => r.events.map((e) => `${e.type}/${e.reason}`);
const cond = (r: PlanResult, type: 'Ready' | 'Reconciling' | 'Stalled' | 'ImageAvailable') =>
  findCondition(r.status.conditions, type);

describe('a resize that timed out', () => {
  const timedOut = (current: number) =>
    snapshot({
      currentDedicatedNodes: current,
      targetDedicatedNodes: 1400,
      resizeErrors: [{ code: 'AllocationTimedout', message: 'x' }],
    });

  it('after adding nodes is a Normal event, and the pool shows Resizing while the next resize goes out', () => {
    const r = plan(input(growing(1400, 300), { observed: { pool: timedOut(900) } }));
    expect(kinds(r)).toEqual(['Normal/ResizeTimedOut']);
    expect(r.events[0]?.message).toContain('at 900 dedicated nodes (from 300 dedicated, attempt 1)');
    expect(r.status.phase).toBe('Resizing');
    expect(cond(r, 'Reconciling')).toMatchObject({ status: 'True', reason: 'Resizing' });
    expect(r.status.resize?.nextAttemptAt).toBe(iso(T0 + 1_000));
    // The next pass issues it, counting the attempt and the nodes it starts from.
    const next = plan(
      input(
        { ...growing(1400, 300), status: r.status },
        { observed: { pool: timedOut(900) }, now: T0 + 1_000 },
      ),
    );
    expect(next.action).toMatchObject({ kind: 'resize', params: { targetDedicatedNodes: 1400 } });
    expect(next.status.resize).toMatchObject({
      attempts: 2,
      lastIssuedFrom: { dedicated: 900, lowPriority: 0 },
    });
  });

  it('without a single new node is a Warning: a person should look', () => {
    const r = plan(input(growing(1400, 300), { observed: { pool: timedOut(300) } }));
    expect(kinds(r)).toEqual(['Warning/ResizeError']);
    expect(r.status.phase).toBe('Resizing');
  });
});

describe('ATTEMPTS', () => {
  it('is kept on a Ready pool, and TargetReached says how many resizes it took', () => {
    const pool = snapshot({ currentDedicatedNodes: 1400, targetDedicatedNodes: 1400 });
    const r = plan(input(growing(1400, 1000, 5), { observed: { pool } }));
    expect(r.status.phase).toBe('Ready');
    expect(r.status.resize?.attempts).toBe(5);
    expect(r.events.find((e) => e.reason === 'TargetReached')?.message).toBe(
      'Pool render reached 1400 dedicated nodes after 5 resizes.',
    );
  });

  it('starts again at 1 when the target changes', () => {
    const ready = snapshot({ currentDedicatedNodes: 1400, targetDedicatedNodes: 1400 });
    const done = plan(input(growing(1400, 1000, 5), { observed: { pool: ready } }));
    const object = batchPool('render', { spec: { targetDedicatedNodes: 1600 }, status: done.status });
    object.metadata.generation = 2;
    const r = plan(input(object, { observed: { pool: ready }, now: T0 + 60_000 }));
    expect(r.action.kind).toBe('resize');
    expect(r.status.resize?.attempts).toBe(1);
  });
});

describe('a paused pool', () => {
  it('that exists with nodes and has a resize due shows Paused, not Pending', () => {
    const pool = snapshot({ currentDedicatedNodes: 10, targetDedicatedNodes: 10 });
    const object = paused(
      batchPool('render', { spec: { targetDedicatedNodes: 20 }, status: { image, nodeAgent } }),
    );
    const r = plan(input(object, { observed: { pool } }));
    expect(r.action.kind).toBe('none');
    expect(r.status.phase).toBe('Paused');
    expect(cond(r, 'Reconciling')).toMatchObject({ status: 'False', reason: 'Paused' });
  });
});

describe('an image definition without versions', () => {
  it('is ImageAvailable False with the same reason Stalled gives, and nothing is created', () => {
    const definition = IMAGE.replace(/\/versions\/.*$/, '');
    const empty: ImageFacts = { kind: 'galleryImage', definition: { osType: 'Linux' } };
    const object = batchPool('render', { spec: { image: { id: definition } } });
    const r = plan(input(object, { observed: { pool: undefined }, imageCheck: { image: empty } }));
    expect(r.action.kind).toBe('none');
    expect(cond(r, 'Stalled')).toMatchObject({ status: 'True', reason: 'ImageNoUsableVersion' });
    expect(cond(r, 'ImageAvailable')).toMatchObject({ status: 'False', reason: 'ImageNoUsableVersion' });
    expect(cond(r, 'Ready')?.reason).toBe('ImageNoUsableVersion');
  });
});

describe('a write Azure rejects', () => {
  const object = (status?: BatchPoolStatus, generation = 1) => {
    const o = batchPool('render', { status: { image, nodeAgent, ...status } });
    o.metadata.generation = generation;
    return o;
  };
  const rejectCreate = (o: BatchPool, now: number) => {
    const planned = plan(input(o, { observed: { pool: undefined }, now }));
    expect(planned.action.kind).toBe('create');
    return planFailure({
      object: o,
      failure: {
        kind: 'terminal',
        status: 400,
        code: 'InvalidPropertyValue',
        message: 'the subnet is in another region',
      },
      stage: { kind: 'act', planned },
      settings: DEFAULT_SETTINGS,
      nowIso: iso(now),
    });
  };

  it('says AzureRejected on Ready, Reconciling and Stalled alike', () => {
    const f = rejectCreate(object(), T0);
    const c = (t: string) => f.status?.conditions?.find((x) => x.type === t);
    expect(c('Stalled')).toMatchObject({ status: 'True', reason: 'AzureRejected' });
    expect(c('Ready')).toMatchObject({ status: 'False', reason: 'AzureRejected' });
    expect(c('Reconciling')).toMatchObject({ status: 'False', reason: 'AzureRejected' });
  });

  it('is not sent again until its retry is due, which doubles per refusal up to an hour', () => {
    let f = rejectCreate(object(), T0);
    expect(f.status?.rejected).toMatchObject({ action: 'create', attempts: 1, generation: 1 });
    expect(f.requeueAfterMs).toBe(DEFAULT_SETTINGS.steadyResyncMs);
    // Every pass before the retry is due holds: no write, the same Stalled reason.
    const held = plan(input(object(f.status), { observed: { pool: undefined }, now: T0 + 60_000 }));
    expect(held.action.kind).toBe('none');
    expect(held.status.phase).toBe('Stalled');
    expect(held.status.rejected?.attempts).toBe(1);
    expect(cond(held, 'Stalled')?.message).toMatch(/tried again at .*, or at once when the spec changes$/);
    const waits: number[] = [];
    for (let i = 0; i < 6; i++) {
      const now = Date.parse(f.status!.rejected!.nextAttemptAt);
      f = rejectCreate(object(f.status), now);
      waits.push(f.requeueAfterMs!);
    }
    const m = 60_000;
    expect(waits).toEqual([10 * m, 20 * m, 40 * m, 60 * m, 60 * m, 60 * m]);
    expect(f.status?.rejected?.attempts).toBe(7);
  });

  it('is sent again at once when the spec changes', () => {
    const f = rejectCreate(object(), T0);
    const changed = object(f.status, 2);
    const r = plan(input(changed, { observed: { pool: undefined }, now: T0 + 60_000 }));
    expect(r.action.kind).toBe('create');
    expect(r.status.rejected).toBeUndefined();
  });
});

describe('progress-aware backoff', () => {
  const failed = (current: number) =>
    snapshot({
      currentDedicatedNodes: current,
      targetDedicatedNodes: 1400,
      resizeErrors: [{ code: 'AllocationFailed', message: 'x' }],
    });
  /** The wait chosen after our resize from `from` nodes ended with AllocationFailed at `current`. */
  const waitAfter = (object: BatchPool, current: number) => {
    const r = plan(input(object, { observed: { pool: failed(current) } }));
    expect(r.status.phase).toBe('Backoff');
    return { wait: Date.parse(r.status.resize!.nextAttemptAt!) - T0, status: r.status };
  };
  /** The next resize issued after that wait, and its failure at `current`. */
  const again = (status: BatchPoolStatus, from: number, current: number) => {
    const o = batchPool('render', { spec: { targetDedicatedNodes: 1400 }, status });
    const issued = plan(
      input(o, { observed: { pool: failed(from) }, now: Date.parse(status.resize!.nextAttemptAt!) }),
    );
    expect(issued.action.kind).toBe('resize');
    const resize = { ...issued.status.resize!, lastIssuedAt: iso(T0 - 1_800_000) };
    return waitAfter(
      batchPool('render', { spec: { targetDedicatedNodes: 1400 }, status: { ...issued.status, resize } }),
      current,
    );
  };

  it('a failure that added nodes waits the initial backoff, however many came before', () => {
    expect(waitAfter(growing(1400, 300, 6), 900).wait).toBe(30_000);
  });

  it('failures that add nothing double the wait; one that adds nodes starts over', () => {
    const first = waitAfter(growing(1400, 300), 300);
    expect(first.wait).toBe(30_000);
    const second = again(first.status, 300, 300);
    expect(second.wait).toBe(60_000);
    const third = again(second.status, 300, 300);
    expect(third.wait).toBe(120_000);
    const progress = again(third.status, 300, 500);
    expect(progress.wait).toBe(30_000);
    expect(progress.status.resize?.failuresWithoutProgress).toBe(0);
    expect(again(progress.status, 500, 500).wait).toBe(30_000);
  });

  it('a status from before lastIssuedFrom was recorded backs off by attempts, as it did', () => {
    const old = growing(1400, 300, 3);
    delete old.status!.resize!.lastIssuedFrom;
    expect(waitAfter(old, 900).wait).toBe(120_000);
  });
});
