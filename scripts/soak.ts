// The soak: 200 BatchPools against the simulator for 30 minutes of wall time, with random faults (Azure
// throttling, 5xx, dropped connections, slow answers, failing tokens, failed allocations, operator SIGKILLs)
// and random spec edits, deletions and re-creations. Every minute it records the safety invariants (no
// duplicate Azure pool for one BatchPool, no pool left behind by a deleted one) and how many pools are at
// their target; at the end the faults stop and every invariant must hold. Not part of CI.
//
//   npm run soak -- [--minutes 30] [--pools 200] [--seed 1] [--out bench/results/soak.md]

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startCluster } from '../test/cluster/start-cluster.ts';
import { applyPools, listPools, setupFaultEnv } from '../test/support/e2e/fault-env.ts';
import {
  expectInvariants,
  invariantProblems,
  neverDuplicated,
} from '../test/support/e2e/fault-invariants.ts';
import { kubectl } from '../test/support/kubectl.ts';
import { machineLine } from '../test/support/machine.ts';
import { int, pick, seededRandom } from '../test/support/prng.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    pools: { type: 'string', default: '200' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string', default: 'bench/results/soak.md' },
  },
});
const minutes = Number(values.minutes);
const poolCount = Number(values.pools);
const random = seededRandom(Number(values.seed));
// 200 pools share one image here, so keep their sum under its 2,500-node limit.
const maxTarget = Math.max(1, Math.floor(2400 / poolCount));
const names = Array.from({ length: poolCount }, (_, i) => `soak-${i}`);

const cluster = await startCluster({ stderr: 'ignore' });
Object.assign(process.env, cluster.env);
const env = await setupFaultEnv('soak');
const startOperator = () => env.startOperator({ keepLogs: false });
let op = await startOperator();
const report: string[] = [
  `Machine: ${machineLine()}`,
  `Soak: ${poolCount} pools, ${minutes} minutes, seed ${values.seed}`,
  '',
  '| minute | pools | at target | safety problems | actions this minute |',
  '|---:|---:|---:|---|---|',
];
const log = (s: string) => {
  report.push(s);
  console.log(s);
};
let failures = 0;
let restarts = 0;

try {
  await applyPools(
    env,
    names.map((name) => ({ name, target: int(random, 0, maxTarget) })),
  );
  const end = Date.now() + minutes * 60_000;
  let minute = 0;
  while (Date.now() < end) {
    const actions: string[] = [];
    const minuteEnd = Math.min(end, Date.now() + 60_000);
    while (Date.now() < minuteEnd) {
      const name = pick(random, names);
      const r = random();
      if (r < 0.35) {
        await applyPools(env, [{ name, target: int(random, 0, maxTarget) }]);
        actions.push('edit');
      } else if (r < 0.45) {
        await kubectl(['delete', 'batchpool', name, '-n', env.namespace, '--wait=false']);
        actions.push('delete');
      } else if (r < 0.55) {
        await applyPools(env, [{ name, target: int(random, 0, maxTarget) }]).catch(() => undefined);
        actions.push('create');
      } else if (r < 0.62) {
        env.sim.faults.throttle({
          scope: 'batch',
          retryAfterSeconds: int(random, 1, 5),
          seconds: int(random, 3, 15),
        });
        actions.push('429s');
      } else if (r < 0.69) {
        env.sim.faults.unavailable({ scope: 'batch', share: 0.5, seconds: int(random, 3, 15) });
        actions.push('503s');
      } else if (r < 0.75) {
        env.sim.faults.dropConnections({ share: 0.3, seconds: int(random, 3, 10) });
        actions.push('drops');
      } else if (r < 0.8) {
        env.sim.faults.slow({ delayMs: 3000, share: 0.2, seconds: int(random, 3, 10) });
        actions.push('slow');
      } else if (r < 0.84) {
        env.sim.faults.failTokens({ seconds: int(random, 3, 15) });
        actions.push('tokens');
      } else if (r < 0.94) {
        env.sim.faults.failNextResizes(name, int(random, 1, 3), { fraction: random() });
        actions.push('alloc-fail');
      } else {
        await op.kill('SIGKILL');
        op = await startOperator();
        restarts += 1;
        actions.push('SIGKILL');
      }
      await new Promise((res) => setTimeout(res, int(random, 1000, 6000)));
    }
    minute += 1;
    if (!op.alive()) {
      failures += 1;
      op = await startOperator();
    }
    // Safety holds at every moment; liveness (at target) only once the faults stop.
    const safety = [
      ...neverDuplicated(env),
      ...(await invariantProblems(env)).filter(
        (p) => p.startsWith('duplicate') || p.startsWith('left behind'),
      ),
    ];
    // A pool deleted moments ago may still be deleting in Azure: only count it if it is not.
    const hard = safety.filter((p) => !p.includes('(deleting)'));
    failures += hard.length;
    const objects = await listPools(env);
    const atTarget = objects.filter((o) => o.status?.phase === 'Ready').length;
    const counts = new Map<string, number>();
    for (const a of actions) counts.set(a, (counts.get(a) ?? 0) + 1);
    log(
      `| ${minute} | ${objects.length} | ${atTarget} | ${hard.length ? hard.join('; ') : 'none'} | ${[...counts].map(([k, v]) => `${k} ×${v}`).join(', ')} |`,
    );
  }
  env.sim.faults.clear();
  // Re-create every pool the soak deleted, so the end state is known.
  await applyPools(
    env,
    names.map((name) => ({ name, target: int(random, 0, maxTarget) })),
  );
  try {
    await expectInvariants(env, 10 * 60_000);
    log('');
    log(
      `End: faults stopped, every invariant holds. Operator restarts: ${restarts}; safety problems seen: ${failures}.`,
    );
  } catch (err) {
    failures += 1;
    log('');
    log(`End: invariants do not hold — ${(err as Error).message}`);
  }
} finally {
  await env.close();
  await cluster.stop();
  await mkdir(path.dirname(values.out), { recursive: true });
  await writeFile(values.out, `${report.join('\n')}\n`);
}
process.exit(failures === 0 ? 0 : 1);
