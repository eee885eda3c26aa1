// The pool exists and is ours, and its settings may differ from the spec. What Azure changes on a pool with
// nodes (start task, metadata) is replaced in place. What it changes only on an empty pool follows
// spec.updateStrategy: Manual refuses while the pool has nodes (unless the targets are 0, so it empties by
// itself); DrainAndUpdate shrinks it to 0 first. Once the pool is empty the change is made, and the resize
// steps grow it back. Every step is read from Azure and the spec, not remembered, so a restart at any point
// picks up where the last pass left off.

import type { UpdateStatus } from '../../api/types.ts';
import type { PoolSnapshot } from '../../azure/ports.ts';
import { Reason } from '../conditions.ts';
import { NONE, type Planner } from './context.ts';
import { nodeAgentVerdict, securityProfileFor, validSkusFor } from './image.ts';
import { note, updateSay } from './messages.ts';
import { desiredSettings, differences, emptyPoolPatch, type Differences } from './settings.ts';
import { planAutoScaleChange } from './autoscale.ts';
import { bluePoolPair, poolTargets } from './targets.ts';
import { continueBlueGreen, startBlueGreen } from './blue-green.ts';
import type { PlanResult } from './types.ts';

/** After a write, look again soon: the next step (a resize, the grow back) depends on it. */
const AFTER_UPDATE_MS = 1000;

export function planUpdate(p: Planner, pool: PoolSnapshot): PlanResult | undefined {
  const rollout = continueBlueGreen(p, pool);
  if (rollout) return rollout;
  const have = pool.settings;
  // The spec's settings depend on the image (its published version, its security type): wait for a check.
  if (!have || p.image?.exists !== true) return undefined;
  const want = desiredSettings(p.object, p.image);
  const d = differences(want, have);
  if (d.empty.length === 0) p.update = undefined;
  if (d.live.length > 0 || d.empty.length > 0) {
    const secrets = p.secretsBlock('update');
    if (secrets) return secrets;
  }
  if (d.live.length > 0) {
    if (p.paused) return p.pausedHold(updateSay.updatingLive(p.poolId, d.live));
    p.event('Normal', 'PoolUpdated', updateSay.liveUpdated(p.poolId, d.live), 'Update');
    return p.working(
      'Updating',
      Reason.Updating,
      updateSay.updatingLive(p.poolId, d.live),
      {
        kind: 'updateLive',
        poolId: p.poolId,
        settings: {
          ...(want.startTask && { startTask: want.startTask }),
          ...(want.applicationPackageReferences && {
            applicationPackageReferences: want.applicationPackageReferences,
          }),
          metadata: want.metadata,
          ...(want.identity && { identity: want.identity }),
        },
        fields: d.live,
      },
      AFTER_UPDATE_MS,
    );
  }
  if (d.autoScale) return planAutoScaleChange(p, pool);
  if (d.empty.length === 0) return undefined;
  return planEmptyPoolChange(p, pool, d);
}

function planEmptyPoolChange(p: Planner, pool: PoolSnapshot, d: Differences): PlanResult | undefined {
  const fields = d.empty.map((e) => e.field);
  const strategy = p.object.spec.updateStrategy ?? 'Manual';
  const nodes = pool.currentDedicatedNodes + pool.currentLowPriorityNodes;
  const record = (state: UpdateStatus['state']) => {
    const prev = p.prev.update;
    const same = prev && prev.fields.join() === fields.join() && prev.strategy === strategy;
    p.update = { fields, strategy, state, since: same ? prev.since : p.nowIso };
  };
  // Before emptying a pool for a change, make sure Azure will take the change.
  const refused = refusedSettings(p);
  if (refused) return refused;
  const empty = nodes === 0 && pool.allocationState === 'steady';
  if (empty) {
    record('Applying');
    if (p.paused) return p.pausedHold(updateSay.applying(p.poolId, fields));
    const want = desiredSettings(p.object, p.image);
    p.event('Normal', 'PoolUpdated', updateSay.emptyUpdated(p.poolId, fields), 'Update');
    return p.working(
      'Updating',
      Reason.Updating,
      updateSay.applying(p.poolId, fields),
      { kind: 'updateEmpty', poolId: p.poolId, settings: emptyPoolPatch(want, d), fields },
      AFTER_UPDATE_MS,
    );
  }
  if (p.object.spec.autoScale) {
    // The operator never resizes an autoscaled pool, so it does not drain one either: the formula must empty it.
    record('Refused');
    return p.stalled(
      Reason.UpdateRefused,
      `${updateSay.refused(p.poolId, fields, nodes)} Pool ${p.poolId} autoscales, so the operator does not drain ` +
        'it: the change is made once the formula has brought it to 0 nodes (or remove spec.autoScale).',
    );
  }
  if (strategy === 'BlueGreen') return startBlueGreen(p, pool, fields, bluePoolPair(p.object, p.poolId));
  if (strategy === 'Manual') {
    // Targets of 0 empty the pool by the ordinary resize steps; the change follows once it is empty.
    if (p.desired.dedicated === 0 && p.desired.lowPriority === 0) {
      record('Draining');
      return undefined;
    }
    record('Refused');
    return p.stalled(Reason.UpdateRefused, updateSay.refused(p.poolId, fields, nodes));
  }
  record('Draining');
  const running = poolTargets(pool);
  const towardEmpty = running.dedicated === 0 && running.lowPriority === 0;
  const message = updateSay.draining(p.poolId, fields, nodes);
  if (pool.allocationState === 'resizing' && towardEmpty) {
    return p.working('Updating', Reason.Updating, message, NONE, p.poll());
  }
  if (p.paused) return p.pausedHold(message);
  if (pool.allocationState === 'resizing') {
    p.event(
      'Normal',
      'ResizeStopping',
      note.resizeStopping(p.poolId, { dedicated: 0, lowPriority: 0 }, running),
      'StopResize',
    );
    return p.working(
      'Updating',
      Reason.Updating,
      message,
      { kind: 'stopResize', poolId: p.poolId },
      p.poll(),
    );
  }
  const attempts = towardEmpty && p.resize?.lastTarget ? p.resize.attempts + 1 : 1;
  return p.issueResize(
    { dedicated: 0, lowPriority: 0 },
    attempts,
    'DrainForUpdate',
    updateSay.drainIssued(fields),
  );
}

/** The checks a create makes of the node agent and the security profile, for the settings about to be set. */
function refusedSettings(p: Planner): PlanResult | undefined {
  const s = p.object.spec;
  const osType = p.image?.osType;
  const agent = nodeAgentVerdict(p.nodeAgent, s.nodeAgentSkuId, false, p.in.now, osType, () =>
    validSkusFor(osType, p.in.nodeAgents ?? [], p.in.now),
  );
  if (agent.kind === 'stalled') return p.stalled(agent.reason, agent.message, p.in.settings.imageRecheckMs);
  const security = securityProfileFor(s.securityProfile, p.image?.securityType, s.image.id);
  if ('refused' in security) return p.stalled(Reason.SecurityTypeMismatch, security.refused);
  return undefined;
}
