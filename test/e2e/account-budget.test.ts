// One request budget per Batch account, with the operator as shipped against a real apiserver and two
// simulated Batch accounts of one tenant. Account A throttles every Batch call with 429 and Retry-After 20 s
// for 20 s: the operator sends it hardly anything more in that time (its other calls fail fast and go back
// to the queue with the rest of the pause), while account B's pools resize as quickly as ever. Once A's
// pause is over, its pools catch up. The operator's metrics say which account was throttled.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP, VERSION } from '../../src/api/types.ts';
import { accountOf } from '../../src/azure/request-budget.ts';
import type { Simulator } from '../../src/simulator/index.ts';
import { installCrds } from '../support/e2e/install.ts';
import { isReadyAt, KubeHelpers } from '../support/e2e/kube-helpers.ts';
import { startQuickSimulator } from '../support/e2e/simulators.ts';
import { uniqueNamespace } from '../support/kubectl.ts';
import { controllerPolling } from '../support/operator-profiles.ts';
import { OperatorProcess } from '../support/operator-process.ts';

const A_POOLS = Array.from({ length: 12 }, (_, i) => `a-${i}`);
const B_POOLS = ['b-0', 'b-1'];

let simA: Simulator;
let simB: Simulator;
let op: OperatorProcess;
let ns: string;
const kube = new KubeHelpers();

beforeAll(async () => {
  await installCrds();
  simA = await startQuickSimulator({ seed: 31 });
  simB = await startQuickSimulator({ seed: 32, sameTenantAs: simA, account: { name: 'simbatch2' } });
  // Default Azure timeouts (30 s per attempt, 10 s inline Retry-After), polling in fractions of a second.
  op = await OperatorProcess.start({ sim: simA, profiles: [controllerPolling], metrics: 'any-port' });
  ns = await uniqueNamespace('budget');
  await kube.createAccount(`acct-a-${ns}`, simA.info.batchUrl, [ns], undefined, simA.info.location);
  await kube.createAccount(`acct-b-${ns}`, simB.info.batchUrl, [ns], undefined, simB.info.location);
  // Images are checked on the one ARM endpoint (A's) and used by each account's pools: both know it.
  const image = simA.images.createGalleryImageVersion(`Gal-${ns}`, 'Ubuntu', '1.0.0');
  expect(simB.images.createGalleryImageVersion(`Gal-${ns}`, 'Ubuntu', '1.0.0')).toBe(image);
  const apply = (name: string, account: string) =>
    kube.applyPool(ns, name, {
      accountRef: { name: account },
      image: { id: image },
      poolId: `${name}-${ns}`,
      targetDedicatedNodes: 1,
    });
  for (const p of A_POOLS) await apply(p, `acct-a-${ns}`);
  for (const p of B_POOLS) await apply(p, `acct-b-${ns}`);
  for (const p of [...A_POOLS, ...B_POOLS]) await kube.waitForPool(ns, p, isReadyAt(1), 'Ready at 1', 60_000);
});

afterAll(async () => {
  simA?.faults.clear();
  if (ns && op?.alive()) {
    for (const p of [...A_POOLS, ...B_POOLS])
      await kube.custom
        .deleteNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          plural: 'batchpools',
          namespace: ns,
          name: p,
        })
        .catch(() => {});
    for (const p of [...A_POOLS, ...B_POOLS]) await kube.waitForGone(ns, p, 60_000).catch(() => {});
  }
  for (const a of ['a', 'b'])
    await kube.custom
      .deleteClusterCustomObject({
        group: GROUP,
        version: VERSION,
        plural: 'batchaccounts',
        name: `acct-${a}-${ns}`,
      })
      .catch(() => {});
  await op?.stop();
  await simB?.close();
  await simA?.close();
});

describe('one request budget per Batch account', () => {
  it('a throttled account is left alone for its Retry-After, and the other account is not slowed', async () => {
    const sinceA = simA.requests.cursor();
    const sinceB = simB.requests.cursor();
    const t0 = Date.now();
    simA.faults.throttle({ scope: 'batch', retryAfterSeconds: 20, seconds: 20 });
    // Every A pool is looked at every 2 s (steady resync), so each would hit the storm within the window.
    for (const p of A_POOLS.slice(0, 3)) await kube.patchPool(ns, p, { spec: { targetDedicatedNodes: 2 } });
    await new Promise((r) => setTimeout(r, 3_000));
    for (const p of B_POOLS) await kube.patchPool(ns, p, { spec: { targetDedicatedNodes: 3 } });
    const tB = Date.now();
    for (const p of B_POOLS)
      await kube.waitForPool(ns, p, isReadyAt(3), 'Ready at 3 during A’s storm', 10_000);
    const bTook = Date.now() - tB;
    const stormEnd = t0 + 20_000;
    expect(Date.now(), 'B finished while A was still throttled').toBeLessThan(stormEnd);

    await new Promise((r) => setTimeout(r, Math.max(0, stormEnd - Date.now())));
    const throttled = simA.requests.list({ since: sinceA }).filter((e) => e.fault === 'throttle');
    // Without a shared pause, each of the 12 pools' reconciles would have heard 429 at least once; with it,
    // only the calls already on their way when the first 429 came back (at most one per worker) do.
    expect(throttled.length).toBeGreaterThan(0);
    expect(throttled.length).toBeLessThanOrEqual(4);
    expect(simB.requests.list({ since: sinceB }).filter((e) => e.fault)).toEqual([]);

    // A's pause is over: its pools catch up.
    for (const p of A_POOLS.slice(0, 3))
      await kube.waitForPool(ns, p, isReadyAt(2), 'Ready at 2 after', 30_000);

    const m = await op.metrics(op.metricsPort!);
    const a = `{account="${accountOf(simA.info.batchUrl)}"}`;
    const b = `{account="${accountOf(simB.info.batchUrl)}"}`;
    expect(m.get(`batchpool_azure_throttled_total${a}`)).toBe(throttled.length);
    expect(m.get(`batchpool_azure_paused_seconds_total${a}`)).toBeGreaterThanOrEqual(19);
    expect(m.get(`batchpool_azure_budget_refused_total${a}`)).toBeGreaterThan(0);
    expect(m.get(`batchpool_azure_throttled_total${b}`)).toBeUndefined();
    expect(m.get(`batchpool_azure_account_requests_total${b}`)).toBeGreaterThan(0);
    console.log(
      `account budget e2e: B resized in ${bTook} ms during A's storm; A heard ${throttled.length} × 429, ` +
        `refused ${m.get(`batchpool_azure_budget_refused_total${a}`)} calls locally`,
    );
  });
});
