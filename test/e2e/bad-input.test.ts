// Bad input, end to end: a generated corpus of over a thousand BatchPool and BatchAccount manifests is sent
// with kubectl to the real apiserver. Each object is either created, or rejected with a message that names a
// field the manifest got wrong. Then the operator runs over everything that was accepted: it must stay up and
// give every accepted BatchPool a status.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchPool } from '../../src/api/types.ts';
import { startSimulator, type Simulator } from '../../src/simulator/index.ts';
import { applyCorpus, namesField, type Fate } from '../../bench/bad-input/apply.ts';
import { generateCorpus, type CorpusEntry } from '../../bench/bad-input/corpus.ts';
import { applyAccount } from '../support/e2e/accounts.ts';
import { installCrds } from '../support/e2e/install.ts';
import { RAISED_QUOTAS } from '../support/e2e/simulators.ts';
import { kubectl, kubectlOk, uniqueNamespace } from '../support/kubectl.ts';
import { fastPolling } from '../support/operator-profiles.ts';
import { OperatorProcess } from '../support/operator-process.ts';
import { REPO_ROOT } from '../support/paths.ts';

let sim: Simulator;
let namespace: string;
let corpus: CorpusEntry[];
let fates: Map<string, Fate>;
let operator: OperatorProcess | undefined;
const prefix = `bi${randomBytes(2).toString('hex')}`;

beforeAll(async () => {
  await installCrds();
  sim = await startSimulator({
    timeScale: 60,
    seed: 'bad-input',
    quotas: RAISED_QUOTAS,
    allocation: { bootDelaySeconds: 10, nodesPerMinute: 3000, deleteDelaySeconds: 10 },
  });
  namespace = await uniqueNamespace('bad-input');
  const imageId = sim.images.createGalleryImageVersion('bad-input', 'ubuntu', '1.0.0');
  corpus = generateCorpus({
    prefix,
    imageId,
    accountName: `${prefix}-account`,
    endpoint: sim.info.batchUrl,
    namespace,
  });
  await applyAccount({
    name: `${prefix}-account`,
    endpoint: sim.info.batchUrl,
    location: sim.info.location,
    allowedNamespaces: [namespace],
  });
  fates = await applyCorpus(corpus, kubectl);
}, 900_000);

afterAll(async () => {
  await operator?.stop();
  // Accounts are cluster-wide: remove ours so other test files never see them.
  const names = corpus
    ?.filter((e) => e.kind === 'BatchAccount' && fates?.get(e.id)?.accepted)
    .map((e) => (e.manifest.metadata as { name: string }).name);
  if (names?.length)
    await kubectl([
      'delete',
      'batchaccounts',
      '--ignore-not-found',
      '--wait=false',
      ...names,
      `${prefix}-account`,
    ]);
  await sim?.close();
}, 120_000);

function summary() {
  const rows = new Map<
    string,
    { total: number; accepted: number; rejectedNamed: number; rejectedUnnamed: number }
  >();
  for (const e of corpus) {
    const key = `${e.kind} / ${e.category}`;
    const r = rows.get(key) ?? { total: 0, accepted: 0, rejectedNamed: 0, rejectedUnnamed: 0 };
    const f = fates.get(e.id);
    r.total += 1;
    if (f?.accepted) r.accepted += 1;
    else if (f?.message && namesField(f.message, e.paths)) r.rejectedNamed += 1;
    else r.rejectedUnnamed += 1;
    rows.set(key, r);
  }
  return rows;
}

describe('a generated corpus of bad and edge-case manifests', () => {
  it('has more than a thousand manifests, and every one gets an answer from kubectl', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(1000);
    expect(corpus.filter((e) => !fates.has(e.id)).map((e) => e.description)).toEqual([]);
  });

  it('rejects each refused manifest with a message that names a field it got wrong', async () => {
    const unnamed = corpus
      .filter((e) => {
        const f = fates.get(e.id);
        return f && !f.accepted && !namesField(f.message ?? '', e.paths);
      })
      .map((e) => `${e.description}\n    → ${(fates.get(e.id)?.message ?? '').slice(0, 400)}`);
    const rows = summary();
    const table = [
      '| kind / category | manifests | accepted | rejected, naming the field | rejected, not naming it |',
      '|---|---:|---:|---:|---:|',
      ...[...rows].map(
        ([k, r]) => `| ${k} | ${r.total} | ${r.accepted} | ${r.rejectedNamed} | ${r.rejectedUnnamed} |`,
      ),
    ];
    const totals = [...rows.values()].reduce(
      (a, r) => ({
        total: a.total + r.total,
        accepted: a.accepted + r.accepted,
        named: a.named + r.rejectedNamed,
        unnamed: a.unnamed + r.rejectedUnnamed,
      }),
      { total: 0, accepted: 0, named: 0, unnamed: 0 },
    );
    table.push(`| **all** | ${totals.total} | ${totals.accepted} | ${totals.named} | ${totals.unnamed} |`);
    console.log(table.join('\n'));
    if (process.env.BENCH_RECORD) {
      await mkdir(path.join(REPO_ROOT, 'bench/results'), { recursive: true });
      await writeFile(
        path.join(REPO_ROOT, 'bench/results/bad-input.md'),
        `${table.join('\n')}\n\nRejected without naming a field:\n\n${unnamed.map((u) => `- ${u}`).join('\n')}\n`,
      );
    }
    expect(unnamed).toEqual([]);
  });

  it('reconciles every accepted BatchPool without the operator crashing', async () => {
    operator = await OperatorProcess.start({ sim, profiles: [fastPolling] });
    const accepted = corpus.filter((e) => e.kind === 'BatchPool' && fates.get(e.id)?.accepted);
    expect(accepted.length).toBeGreaterThan(0);
    const deadline = Date.now() + 150_000;
    let missing: string[];
    let phases: Map<string, number>;
    for (;;) {
      const list = JSON.parse(
        await kubectlOk(['get', 'batchpools', '-n', namespace, '-o', 'json'], { timeoutMs: 60_000 }),
      ) as {
        items: BatchPool[];
      };
      const withStatus = new Set(
        list.items.filter((p) => p.status?.phase !== undefined).map((p) => p.metadata.name),
      );
      phases = new Map();
      for (const p of list.items) {
        const k = `${p.status?.phase ?? 'none'}${p.status?.phase === 'Stalled' ? ` (${p.status.conditions?.find((c) => c.type === 'Stalled')?.reason ?? '?'})` : ''}`;
        phases.set(k, (phases.get(k) ?? 0) + 1);
      }
      missing = accepted
        .map((e) => (e.manifest.metadata as { name: string }).name)
        .filter((n) => !withStatus.has(n));
      if (missing.length === 0 || Date.now() > deadline || !operator.alive()) break;
      await new Promise((r) => setTimeout(r, 2000));
    }
    const crashes = operator.logs.filter((l) => /uncaught|unhandled|FATAL|"level":"fatal"/i.test(l));
    expect(operator.alive(), operator.logs.slice(-30).join('\n')).toBe(true);
    expect(crashes).toEqual([]);
    expect(missing).toEqual([]);
    const phaseText = [...phases].map(([k, v]) => `${k}: ${v}`).join(', ');
    console.log(`phases of the accepted BatchPools: ${phaseText}`);
    if (process.env.BENCH_RECORD)
      await writeFile(
        path.join(REPO_ROOT, 'bench/results/bad-input-phases.md'),
        `Accepted BatchPools after the operator ran: ${phaseText}\n`,
      );
    console.log(
      `operator gave all ${accepted.length} accepted BatchPools a status; still running (pid ${operator.pid})`,
    );
  });
});
