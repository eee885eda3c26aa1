// `batchpool-operator simulator` as a separate process: one JSON line on stdout that is enough to
// connect with the real SDKs, logs on stderr, a clean exit on SIGTERM.
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, test } from 'vitest';
import { batchAuth, batchClient, computeClient, control, raw, vmConfig } from './helpers.ts';
import type { Target } from './helpers.ts';

const CLI = fileURLToPath(new URL('../../../src/cli.ts', import.meta.url));
const children: ChildProcessWithoutNullStreams[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function run(args: string[]): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [CLI, 'simulator', ...args], { stdio: 'pipe' });
  children.push(child);
  return child;
}

function exitCode(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
}

async function firstLine(child: ChildProcessWithoutNullStreams): Promise<string> {
  const lines = createInterface({ input: child.stdout });
  for await (const line of lines) return line;
  throw new Error('the simulator printed nothing');
}

test('prints one JSON line with everything a client needs, serves the SDKs, and stops on SIGTERM', async () => {
  const stateDir = await mkdtemp(path.join(tmpdir(), 'sim-cli-'));
  const image =
    '/subscriptions/00000000-0000-4000-8000-000000000003/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/demo/versions/1.0.0';
  const child = run([
    '--port',
    '0',
    '--time-scale',
    '600',
    '--seed',
    '9',
    '--state-dir',
    stateDir,
    '--image',
    image,
  ]);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const info = JSON.parse(await firstLine(child));
  expect(Object.keys(info).sort()).toEqual(
    [
      'armEndpoint',
      'authorityHost',
      'batchAccountId',
      'batchUrl',
      'caFile',
      'clientId',
      'clientSecret',
      'controlUrl',
      'location',
      'subscriptionId',
      'tenantId',
    ].sort(),
  );
  expect(info.batchUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
  expect(info.caFile).toBe(path.join(stateDir, 'ca.pem'));
  const target: Target = { info: { ...info, caPem: await readFile(info.caFile, 'utf8') } };

  const batch = batchClient(target);
  await batch.createPool({
    id: 'demo',
    vmSize: 'standard_d2s_v3',
    virtualMachineConfiguration: vmConfig(image),
    targetDedicatedNodes: 2,
  });
  const version = await computeClient(target).galleryImageVersions.get('rg', 'g', 'demo', '1.0.0');
  expect(version.provisioningState).toBe('Succeeded');
  // 600x: the 90 s boot delay passes in 150 ms of wall time.
  for (let i = 0; i < 100 && (await batch.getPool('demo')).allocationState !== 'steady'; i++)
    await new Promise((r) => setTimeout(r, 20));
  expect((await batch.getPool('demo')).currentDedicatedNodes).toBe(2);
  expect((await control(target, 'GET', '/clock')).json.timeScale).toBe(600);

  await stopsCleanly(child);
  expect(stderr).toContain('listening on');
  expect(stderr).toContain('stopped');
  // The state snapshot was written on the way out.
  const snapshot = JSON.parse(await readFile(path.join(stateDir, 'state.json'), 'utf8'));
  expect(snapshot.pools.map((p: { id: string }) => p.id)).toEqual(['demo']);
});

test('--help prints usage and exits 0; a bad flag exits 2', async () => {
  const help = run(['--help']);
  let out = '';
  help.stdout.on('data', (d: Buffer) => (out += d.toString()));
  expect(await exitCode(help)).toBe(0);
  expect(out).toContain('--time-scale');
  expect(await exitCode(run(['--no-such-flag']))).toBe(2);
  expect(await exitCode(run(['--profile', 'chaos']))).toBe(2);
});

async function started(args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; target: Target }> {
  const child = run(args);
  const info = JSON.parse(await firstLine(child));
  return { child, target: { info: { ...info, caPem: await readFile(info.caFile, 'utf8') } } };
}

async function stopsCleanly(child: ChildProcessWithoutNullStreams): Promise<void> {
  child.kill('SIGTERM');
  expect(await exitCode(child)).toBe(0);
}

/** The compatibility switches a simulator started with `args` reports, then stops it. */
async function compatOf(args: string[]): Promise<unknown> {
  const { child, target } = await started(args);
  const compat = (await control(target, 'GET', '/compat')).json;
  await stopsCleanly(child);
  return compat;
}

test("by default the compatibility behaviours are off (today's Azure); a --X turns one on; --location and quotas configure the account", async () => {
  const { child, target } = await started([
    '--allow-managed-images',
    '--location',
    'eastus',
    '--pool-quota',
    '5',
    '--security-mismatch',
    'reject',
  ]);
  expect(target.info.location).toBe('eastus');
  expect((await control(target, 'GET', '/compat')).json).toEqual({
    allowRetiredApiVersions: false,
    allowManagedImages: true,
    ignoreAccountQuotas: false,
  });
  expect((await control(target, 'GET', '/account')).json).toMatchObject({
    location: 'eastus',
    quotas: { pools: 5 },
    securityMismatch: 'reject',
  });
  // What @azure/batch 10.2.0 sends: a retired api-version.
  const retired = await raw(target, 'GET', '/pools?api-version=2022-10-01.16.0', {
    headers: await batchAuth(target),
  });
  expect([retired.status, retired.json.code]).toEqual([400, 'UnsupportedRequestVersion']);
  expect((await batchClient(target).listPools()).value).toEqual([]);
  await stopsCleanly(child);
});

test('--legacy turns every retired behaviour on (a later --no-X turns one off); --strict with --legacy exits 2', async () => {
  expect(await compatOf(['--legacy', '--no-allow-retired-api-versions'])).toEqual({
    allowRetiredApiVersions: false,
    allowManagedImages: true,
    ignoreAccountQuotas: true,
  });
  expect(await compatOf(['--strict', '--ignore-account-quotas'])).toEqual({
    allowRetiredApiVersions: false,
    allowManagedImages: false,
    ignoreAccountQuotas: true,
  });

  const legacy = await started(['--legacy']);
  const old = await raw(legacy.target, 'GET', '/pools?api-version=2022-10-01.16.0', {
    headers: await batchAuth(legacy.target),
  });
  expect(old.status).toBe(200);
  await stopsCleanly(legacy.child);

  expect(await exitCode(run(['--strict', '--legacy']))).toBe(2);
  expect(await exitCode(run(['--security-mismatch', 'maybe']))).toBe(2);
  expect(await exitCode(run(['--pool-quota', '-1']))).toBe(2);
});
