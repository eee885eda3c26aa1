// Drives plan against a tiny in-memory pool model through arbitrary sequences of Azure outcomes.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BatchPool } from '../../../src/api/types.ts';
import type { PoolSnapshot } from '../../../src/azure/ports.ts';
import { DEFAULT_SETTINGS, plan } from '../../../src/controller/plan/index.ts';
import { batchPool, found, input, T0 } from '../../support/fixtures.ts';

type Outcome = { kind: 'ok' } | { kind: 'fail'; code: string; fraction: number };

const outcome = fc.oneof(
  fc.constant<Outcome>({ kind: 'ok' }),
  fc.record({
    kind: fc.constant('fail' as const),
    code: fc.constantFrom(
      'AllocationFailed',
      'AllocationTimedout',
      'allocationtimedout',
      'AccountCoreQuotaReached',
    ),
    fraction: fc.double({ min: 0, max: 0.99, noNaN: true }),
  }),
);

/** One simulated Batch pool: a resize finishes on the next observation, with the next scripted outcome. */
class ModelPool {
  pool: PoolSnapshot | undefined;
  readonly outcomes: Outcome[];
  resizesWhileBusy = 0;
  constructor(outcomes: Outcome[]) {
    this.outcomes = [...outcomes];
  }
  settle(now: number) {
    const p = this.pool;
    if (!p || p.allocationState === 'steady') return;
    const o = this.outcomes.shift() ?? { kind: 'ok' };
    const grow = (cur: number, tgt: number, f: number) =>
      tgt <= cur ? tgt : cur + Math.floor((tgt - cur) * f);
    if (o.kind === 'ok' || p.allocationState === 'stopping') {
      if (p.allocationState !== 'stopping') {
        p.currentDedicatedNodes = p.targetDedicatedNodes;
        p.currentLowPriorityNodes = p.targetLowPriorityNodes;
      }
    } else {
      p.currentDedicatedNodes = grow(p.currentDedicatedNodes, p.targetDedicatedNodes, o.fraction);
      p.currentLowPriorityNodes = grow(p.currentLowPriorityNodes, p.targetLowPriorityNodes, o.fraction);
      p.resizeErrors = [{ code: o.code, message: 'scripted' }];
    }
    p.allocationState = 'steady';
    p.allocationStateTransitionTime = now;
  }
}

function run(
  object: BatchPool,
  outcomes: Outcome[],
  usage: { dedicated: number; lowPriority: number },
  steps: number,
) {
  const model = new ModelPool(outcomes);
  let now = T0;
  let obj = object;
  const sent: { d: number; l: number }[] = [];
  let seed = 1;
  const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
  for (let i = 0; i < steps; i++) {
    const r = plan(
      input(obj, {
        observed: { pool: model.pool && structuredClone(model.pool) },
        imageCheck: found(),
        usage: { ...usage, sharedWith: usage.dedicated || usage.lowPriority ? ['other/pool'] : [] },
        now,
        random,
      }),
    );
    const a = r.action;
    if (a.kind === 'create') {
      sent.push({ d: a.params.targetDedicatedNodes, l: a.params.targetLowPriorityNodes });
      model.pool = {
        id: a.params.id,
        state: 'active',
        allocationState: 'resizing',
        currentDedicatedNodes: 0,
        currentLowPriorityNodes: 0,
        targetDedicatedNodes: a.params.targetDedicatedNodes,
        targetLowPriorityNodes: a.params.targetLowPriorityNodes,
        resizeErrors: [],
        owner: { namespace: obj.metadata.namespace, name: obj.metadata.name, uid: obj.metadata.uid },
      };
    } else if (a.kind === 'resize') {
      const p = model.pool!;
      if (p.allocationState !== 'steady') model.resizesWhileBusy++;
      sent.push({ d: a.params.targetDedicatedNodes, l: a.params.targetLowPriorityNodes });
      p.targetDedicatedNodes = a.params.targetDedicatedNodes;
      p.targetLowPriorityNodes = a.params.targetLowPriorityNodes;
      p.resizeErrors = [];
      p.allocationState = 'resizing';
    } else if (a.kind === 'stopResize') {
      model.pool!.allocationState = 'stopping';
    }
    obj = { ...obj, status: r.status };
    now += r.requeueAfterMs ?? DEFAULT_SETTINGS.resizingPollMs;
    model.settle(now);
    if (r.status.phase === 'Ready') return { reached: true, sent, model, steps: i, status: r.status };
    // A reached quota is Stalled for a person to see, but the operator still tries again after the long
    // backoff; only the image limits stop it for good here.
    const quota = r.status.conditions?.find((c) => c.type === 'Stalled')?.reason === 'QuotaReached';
    if (r.status.phase === 'Stalled' && !quota)
      return { reached: false, stalled: true, sent, model, steps: i, status: r.status };
  }
  return { reached: false, sent, model, steps, status: obj.status };
}

describe('plan (property)', () => {
  it('never resizes a busy pool, never exceeds the image limits, and reaches the target once allocations stop failing', () => {
    fc.assert(
      fc.property(
        fc.array(outcome, { maxLength: 25 }),
        fc.integer({ min: 0, max: 2500 }),
        fc.integer({ min: 0, max: 1000 }),
        fc.oneof(fc.constant(0), fc.integer({ min: 50, max: 500 })),
        fc.integer({ min: 0, max: 2500 }),
        fc.integer({ min: 0, max: 1000 }),
        (outcomes, d, l, maxStep, usedD, usedL) => {
          const obj = batchPool('p', {
            spec: {
              targetDedicatedNodes: d,
              targetLowPriorityNodes: l,
              resizeStrategy: { maxNodesPerResize: maxStep, backoff: { initial: '1s', max: '1m' } },
            },
          });
          const res = run(obj, outcomes, { dedicated: usedD, lowPriority: usedL }, 1000);
          expect(res.model.resizesWhileBusy).toBe(0);
          for (const s of res.sent) {
            expect(s.d + usedD).toBeLessThanOrEqual(2500);
            expect(s.l + usedL).toBeLessThanOrEqual(1000);
          }
          const fits = d + usedD <= 2500 && l + usedL <= 1000;
          if (fits) {
            expect(res.reached).toBe(true);
            expect(res.model.pool?.currentDedicatedNodes).toBe(d);
            expect(res.model.pool?.currentLowPriorityNodes).toBe(l);
          } else {
            expect(res.sent).toEqual([]);
            expect(res.stalled).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('follows a target that changes mid-resize without resizing a busy pool', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 6 }),
        fc.array(outcome, { maxLength: 10 }),
        (targets, outcomes) => {
          let obj = batchPool('p', {
            spec: { targetDedicatedNodes: targets[0], resizeStrategy: { backoff: { initial: '1s' } } },
          });
          const model = new ModelPool(outcomes);
          let now = T0;
          for (let i = 0; i < 120; i++) {
            const t = targets[Math.min(targets.length - 1, Math.floor(i / 3))]!;
            obj = {
              ...obj,
              metadata: { ...obj.metadata, generation: 1 + Math.floor(i / 3) },
              spec: { ...obj.spec, targetDedicatedNodes: t },
            };
            const r = plan(
              input(obj, {
                observed: { pool: model.pool && structuredClone(model.pool) },
                imageCheck: found(),
                now,
              }),
            );
            const a = r.action;
            if (a.kind === 'create') {
              model.pool = {
                id: 'p',
                state: 'active',
                allocationState: 'resizing',
                currentDedicatedNodes: 0,
                currentLowPriorityNodes: 0,
                targetDedicatedNodes: a.params.targetDedicatedNodes,
                targetLowPriorityNodes: 0,
                resizeErrors: [],
                owner: { namespace: 'vfx', name: 'p' },
              };
            } else if (a.kind === 'resize') {
              expect(model.pool!.allocationState).toBe('steady');
              Object.assign(model.pool!, {
                targetDedicatedNodes: a.params.targetDedicatedNodes,
                resizeErrors: [],
                allocationState: 'resizing',
              });
            } else if (a.kind === 'stopResize') {
              expect(model.pool!.allocationState).toBe('resizing');
              model.pool!.allocationState = 'stopping';
            }
            obj = { ...obj, status: r.status };
            now += r.requeueAfterMs ?? 30_000;
            if (i % 2 === 0) model.settle(now);
            if (r.status.phase === 'Ready' && i >= targets.length * 3) {
              expect(model.pool!.currentDedicatedNodes).toBe(targets[targets.length - 1]);
              return;
            }
          }
          throw new Error('did not reach the final target');
        },
      ),
      { numRuns: 200 },
    );
  });
});
