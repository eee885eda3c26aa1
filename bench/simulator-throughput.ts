// How fast the simulator answers pool GETs, and what 5,000 pools cost in memory.
//
//   npx node bench/simulator-throughput.ts [--pools 5000] [--seconds 10] [--concurrency 64]
//
// The simulator runs as its own process (the CLI, as in production), so its CPU time is its own;
// this process is the client: keep-alive HTTPS agents and many requests in flight. It prints a
// JSON summary; the figures and the machine they came from are recorded in bench/RESULTS.md.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    pools: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '64' },
  },
});
const POOLS = Number(values.pools);
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);

const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
const child = spawn(process.execPath, ['--expose-gc', cli, 'simulator', '--time-scale', '60'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const info = await new Promise<Record<string, string>>((resolve, reject) => {
  const lines = createInterface({ input: child.stdout });
  lines.once('line', (l) => resolve(JSON.parse(l) as Record<string, string>));
  child.once('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
});
const ca = await readFile(info.caFile!, 'utf8');
const agent = new https.Agent({ ca, keepAlive: true, maxSockets: CONCURRENCY });

function request(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, info.batchUrl), { method, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function stats(): Promise<{ pools: number; memory: NodeJS.MemoryUsage; cpu: NodeJS.CpuUsage }> {
  return JSON.parse((await request('GET', '/_sim/stats?gc=1')).text);
}

/** Runs `fn` with `CONCURRENCY` workers until `count` calls are done or `seconds` have passed. */
async function drive(
  fn: (i: number) => Promise<number>,
  count: number,
  seconds: number,
): Promise<{ done: number; errors: number; elapsed: number }> {
  let next = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count && performance.now() < deadline) {
        const status = await fn(next++);
        if (status >= 400) errors++;
      }
    }),
  );
  return { done: next, errors, elapsed: (performance.now() - started) / 1000 };
}

const mb = (n: number) => Math.round((n / 1048576) * 10) / 10;
try {
  const tokenRes = await request(
    'POST',
    `/${info.tenantId}/oauth2/v2.0/token`,
    { 'content-type': 'application/x-www-form-urlencoded' },
    new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: info.clientId!,
      client_secret: info.clientSecret!,
      scope: 'https://batch.core.windows.net//.default',
    }).toString(),
  );
  const auth = {
    authorization: `Bearer ${(JSON.parse(tokenRes.text) as { access_token: string }).access_token}`,
  };
  const empty = await stats();

  const add = await drive(
    (i) =>
      request(
        'POST',
        '/pools?api-version=2025-06-01',
        { ...auth, 'content-type': 'application/json; odata=minimalmetadata; charset=utf-8' },
        JSON.stringify({
          id: `bench-${String(i).padStart(5, '0')}`,
          vmSize: 'standard_d2s_v3',
          virtualMachineConfiguration: {
            imageReference: { publisher: 'canonical', offer: 'ubuntu', sku: '22_04-lts' },
            nodeAgentSKUId: 'batch.node.ubuntu 22.04',
          },
          targetDedicatedNodes: 1 + (i % 50),
          targetLowPriorityNodes: 0,
          metadata: [{ name: 'bench', value: String(i) }],
        }),
      ).then((r) => r.status),
    POOLS,
    600,
  );
  const full = await stats();

  // Warm up, then measure GETs of random pools.
  await drive(
    (i) =>
      request('GET', `/pools/bench-${String(i % POOLS).padStart(5, '0')}?api-version=2025-06-01`, auth).then(
        (r) => r.status,
      ),
    2000,
    30,
  );
  const cpuBefore = (await stats()).cpu;
  const get = await drive(
    () =>
      request(
        'GET',
        `/pools/bench-${String(Math.floor(Math.random() * POOLS)).padStart(5, '0')}?api-version=2025-06-01`,
        auth,
      ).then((r) => r.status),
    Number.MAX_SAFE_INTEGER,
    SECONDS,
  );
  const after = await stats();
  const serverCpuSeconds = (after.cpu.user + after.cpu.system - cpuBefore.user - cpuBefore.system) / 1e6;

  const summary = {
    date: new Date().toISOString(),
    machine: {
      cpu: os.cpus()[0]?.model,
      cores: os.cpus().length,
      node: process.version,
      platform: `${os.platform()} ${os.release()}`,
    },
    settings: { pools: POOLS, seconds: SECONDS, concurrency: CONCURRENCY },
    poolAdds: { count: add.done, errors: add.errors, perSecond: Math.round(add.done / add.elapsed) },
    poolGets: {
      count: get.done,
      errors: get.errors,
      perSecond: Math.round(get.done / get.elapsed),
      serverCpuSeconds: Math.round(serverCpuSeconds * 100) / 100,
      // Requests per second of simulator CPU: what one fully used core would sustain.
      perServerCpuSecond: Math.round(get.done / serverCpuSeconds),
    },
    memory: {
      emptyRssMB: mb(empty.memory.rss),
      emptyHeapUsedMB: mb(empty.memory.heapUsed),
      withPoolsRssMB: mb(full.memory.rss),
      withPoolsHeapUsedMB: mb(full.memory.heapUsed),
      heapPerPoolKB: Math.round(((full.memory.heapUsed - empty.memory.heapUsed) / POOLS / 1024) * 100) / 100,
      afterGetsRssMB: mb(after.memory.rss),
      afterGetsHeapUsedMB: mb(after.memory.heapUsed),
    },
  };
  console.log(JSON.stringify(summary, null, 2));
} finally {
  agent.destroy();
  child.kill('SIGTERM');
}
