// The parts of the BatchPool schema about compute nodes: when counted nodes are enough for Ready
// (spec.readiness), what the operator does about nodes that cannot run tasks (spec.nodeRecovery), and
// what it saw and did (status.nodes, status.nodeRecovery). Kept apart from schema.ts, which composes them.

import { DEFAULTS, GO_DURATION_REGEX } from './constants.ts';
import { int, list, obj, str } from './openapi.ts';

export const readiness = obj(
  'When the pool counts as Ready. Azure counts every node in currentDedicatedNodes, also nodes that cannot ' +
    'run a task (unusable, start task failed, preempted Spot nodes, nodes still booting); the operator calls ' +
    'a pool Ready only when enough of its nodes are usable (idle or running). Optional.',
  {
    minUsablePercent: int(
      'The share of the target (dedicated plus Spot) that must be usable for Ready, 1..100, rounded up to ' +
        `whole nodes. Default ${DEFAULTS.minUsablePercent}: every node asked for must be usable.`,
      { minimum: 1, maximum: 100, default: DEFAULTS.minUsablePercent },
    ),
  },
);

const breaker = obj(
  'Stops recovery when the nodes keep failing the same way, because that is the image or the configuration, ' +
    'not bad luck: when more than failurePercent of the pool’s settled nodes (usable or failed) failed with ' +
    'the same error on a boot that began within `window`, and at least minNodes did, the pool goes Stalled ' +
    '(Warning event, reason NodeRecoveryHalted) and nothing more is recovered until the spec changes or the ' +
    'share drops back.',
  {
    failurePercent: int(
      `The failing share that opens the breaker, in percent, 1..100. Default ${DEFAULTS.breakerFailurePercent}.`,
      { minimum: 1, maximum: 100, default: DEFAULTS.breakerFailurePercent },
    ),
    window: str(
      `How far back a node's boot counts as new: a Go duration from 1m to 24h. Default ${DEFAULTS.breakerWindow}.`,
      {
        maxLength: 32,
        default: DEFAULTS.breakerWindow,
        'x-kubernetes-validations': [
          {
            rule: `self.matches('${GO_DURATION_REGEX}') && duration(self) >= duration('1m') && duration(self) <= duration('24h')`,
            message:
              'spec.nodeRecovery.breaker.window must be a Go duration from 1m to 24h (e.g. 30m, 1h), whole numbers with units ms, s, m or h',
          },
        ],
      },
    ),
    minNodes: int(
      'The fewest nodes failing the same way that can open the breaker, so that one bad node in a small pool ' +
        `is recovered rather than taken for a broken image, 1..2500. Default ${DEFAULTS.breakerMinNodes}.`,
      { minimum: 1, maximum: 2500, default: DEFAULTS.breakerMinNodes },
    ),
  },
);

export const nodeRecovery = obj(
  'What the operator does about nodes that Azure counts but that cannot run tasks: unusable nodes and nodes ' +
    'whose start task failed. Preempted Spot nodes are never touched (Azure seeks their capacity back by ' +
    'itself) but they do not count as usable. Optional; every field has a default.',
  {
    mode: str(
      'None (the default): report them only, in the conditions and status.nodes. Reboot: reboot each bad node ' +
        'once; a node still bad after its reboot (or one Azure will not reboot) is removed. Remove: remove the ' +
        'bad nodes at once. Azure lowers the targets by the nodes removed; the operator then resizes the pool ' +
        'back to spec, so new nodes take their place.',
      { enum: ['None', 'Reboot', 'Remove'], default: DEFAULTS.nodeRecoveryMode },
    ),
    maxActionsPerHour: int(
      'At most this many reboots and removals per pool in one hour (the hour starts with the first action ' +
        `and is kept in status.nodeRecovery, so a restart does not reset it), 1..2500. Default ${DEFAULTS.maxActionsPerHour}.`,
      { minimum: 1, maximum: 2500, default: DEFAULTS.maxActionsPerHour },
    ),
    breaker,
  },
);

function stateCounts(what: string) {
  return obj(`${what} by state, as Azure's node counts give them; states with no node are left out.`, {
    total: int('Every node of this kind the pool counts.', { minimum: 0 }),
    creating: int('Being created.', { minimum: 0 }),
    starting: int('Booting.', { minimum: 0 }),
    waitingForStartTask: int('Running the start task, waiting for it to succeed.', { minimum: 0 }),
    startTaskFailed: int('The start task failed: no task is scheduled on it.', { minimum: 0 }),
    idle: int('Ready for tasks.', { minimum: 0 }),
    running: int('Running tasks.', { minimum: 0 }),
    rebooting: int('Rebooting.', { minimum: 0 }),
    reimaging: int('Being reimaged.', { minimum: 0 }),
    leavingPool: int('Leaving the pool.', { minimum: 0 }),
    offline: int('Offline: no new task is scheduled on it.', { minimum: 0 }),
    preempted: int('Spot capacity taken back by Azure (it seeks it again by itself).', { minimum: 0 }),
    unusable: int('Cannot run tasks (e.g. the image does not boot).', { minimum: 0 }),
    unknown: int('Lost contact with Azure.', { minimum: 0 }),
    deallocating: int('Being deallocated.', { minimum: 0 }),
    deallocated: int('Deallocated.', { minimum: 0 }),
    upgradingOS: int('Having its OS upgraded.', { minimum: 0 }),
  });
}

export const nodesStatus = obj(
  'The pool’s nodes by state, from Azure’s node counts at the last observation, and how many can run tasks.',
  {
    usable: int(
      'Nodes that can run tasks now, dedicated and Spot: idle or running (see docs/api.md, "Usable nodes").',
      { minimum: 0 },
    ),
    required: int('Usable nodes Ready needs: spec.readiness.minUsablePercent of the target, rounded up.', {
      minimum: 0,
    }),
    dedicated: stateCounts('Dedicated nodes'),
    lowPriority: stateCounts('Spot nodes'),
    observedAt: str(
      'When the counts were first seen as they are (kept while they stay the same, so a steady pool costs no status write).',
      { format: 'date-time' },
    ),
  },
);

const action = obj(
  'One recovery action.',
  {
    kind: str('reboot or remove.', { enum: ['reboot', 'remove'] }),
    nodeId: str('The node.'),
    at: str('When it was sent to Azure.', { format: 'date-time' }),
  },
  { required: ['kind', 'nodeId', 'at'] },
);

export const nodeRecoveryStatus = obj(
  'What node recovery did, kept so that its decisions survive a restart of the operator.',
  {
    hourStartedAt: str('When the current hour of the budget began (its first action).', {
      format: 'date-time',
    }),
    actionsThisHour: int('Reboots and removals sent in that hour.', { minimum: 0 }),
    rebooted: list(
      'Nodes rebooted in Reboot mode within the last hour, or since and still bad: one of them still bad is removed, not rebooted again.',
      action,
      { maxItems: 2500, 'x-kubernetes-list-type': 'atomic' },
    ),
    removedTo: obj(
      'The targets Azure set when the last removal lowered them, so that the resize back is not taken for a change made outside the operator.',
      {
        dedicated: int('Dedicated target after the removal.', { minimum: 0 }),
        lowPriority: int('Spot target after the removal.', { minimum: 0 }),
      },
      { required: ['dedicated', 'lowPriority'] },
    ),
    countFrom: str(
      'Failures of boots before this time do not count for the breaker: the spec changed then.',
      { format: 'date-time' },
    ),
    generation: int('The metadata.generation countFrom belongs to.', { minimum: 0 }),
    breaker: obj(
      'Set while the breaker is open.',
      {
        openedAt: str('When it opened.', { format: 'date-time' }),
        code: str('The node error most nodes fail with.'),
        failing: int('New nodes failing with it.', { minimum: 0 }),
        settled: int('Nodes usable or failed when it opened.', { minimum: 0 }),
      },
      { required: ['openedAt', 'code', 'failing', 'settled'] },
    ),
  },
);
