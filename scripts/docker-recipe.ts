// The Dockerfile's recipe, performed without Docker: this reads the Dockerfile itself and carries out
// its instructions (FROM stages, WORKDIR, ENV, COPY [--from], RUN, USER, ENTRYPOINT/CMD) in clean
// temporary directories, one per stage, then starts the result the way the image would and checks
// that /healthz answers and that SIGTERM ends it with exit code 0. So a change to the Dockerfile is
// exercised here too, on machines that have no container engine.
//
//   node scripts/docker-recipe.ts [--keep]
//
// What it cannot reproduce: the base image's filesystem (the host's Node runs instead; its major
// version must match the FROM tag) and a read-only root filesystem. USER is honoured when running as
// root (through setpriv), so the files the image needs must be readable by that user.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Instruction {
  op: string;
  args: string;
  flags: Record<string, string>;
}

export interface Stage {
  from: string;
  name?: string;
  instructions: Instruction[];
}

/** The subset of Dockerfile syntax the project's Dockerfile uses; anything else is an error. */
export function parseDockerfile(text: string): Stage[] {
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of logical) {
    const m = /^(\w+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`cannot parse Dockerfile line: ${line}`);
    const op = m[1]!.toUpperCase();
    let args = m[2]!;
    const flags: Record<string, string> = {};
    for (let f = /^--([\w-]+)=(\S+)\s+/.exec(args); f; f = /^--([\w-]+)=(\S+)\s+/.exec(args)) {
      flags[f[1]!] = f[2]!;
      args = args.slice(f[0].length);
    }
    if (op === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from) throw new Error(`cannot parse FROM ${args}`);
      stages.push({ from: from[1]!, ...(from[2] ? { name: from[2] } : {}), instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`${op} before FROM`);
    if (!['WORKDIR', 'ENV', 'COPY', 'RUN', 'USER', 'EXPOSE', 'ENTRYPOINT', 'CMD'].includes(op))
      throw new Error(`the recipe does not know how to perform ${op}`);
    stage.instructions.push({ op, args, flags });
  }
  return stages;
}

/** JSON (exec) form only: shell form would put /bin/sh in front of node as PID 1. */
export function execForm(op: string, args: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    throw new Error(`${op} must use the exec (JSON array) form, got: ${args}`);
  }
  if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string'))
    throw new Error(`${op} must be a JSON array of strings`);
  return parsed;
}

export interface BuiltImage {
  /** Root directory standing in for the final stage's filesystem. */
  root: string;
  workdir: string;
  env: Record<string, string>;
  user?: string;
  entrypoint: string[];
  cmd: string[];
  ports: number[];
  baseImage: string;
}

export interface BuildOptions {
  context: string;
  dockerfile?: string;
  workDir: string;
  log?: (line: string) => void;
}

/** Carries out every stage; returns the final one, ready to start. */
export function buildLikeDocker(opts: BuildOptions): BuiltImage {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const stages = parseDockerfile(readFileSync(opts.dockerfile ?? join(opts.context, 'Dockerfile'), 'utf8'));
  const roots = new Map<string, string>();
  let image: BuiltImage | undefined;
  stages.forEach((stage, i) => {
    const root = join(opts.workDir, `stage-${i}${stage.name ? `-${stage.name}` : ''}`);
    mkdirSync(root, { recursive: true });
    const inRoot = (p: string) => join(root, p);
    let workdir = '/';
    const env: Record<string, string> = {};
    let user: string | undefined;
    let entrypoint: string[] = [];
    let cmd: string[] = [];
    const ports: number[] = [];
    log(`== stage ${i} FROM ${stage.from}${stage.name ? ` AS ${stage.name}` : ''} (in ${root})`);
    for (const ins of stage.instructions) {
      log(
        `   ${ins.op} ${Object.entries(ins.flags)
          .map(([k, v]) => `--${k}=${v} `)
          .join('')}${ins.args}`,
      );
      switch (ins.op) {
        case 'WORKDIR':
          workdir = resolve(workdir, ins.args);
          mkdirSync(inRoot(workdir), { recursive: true });
          break;
        case 'ENV':
          for (const kv of ins.args.split(/\s+/)) {
            const eq = kv.indexOf('=');
            if (eq < 1) throw new Error(`ENV must be KEY=value: ${ins.args}`);
            env[kv.slice(0, eq)] = kv.slice(eq + 1);
          }
          break;
        case 'COPY': {
          const parts = ins.args.split(/\s+/);
          const dest = resolve(workdir, parts.pop()!);
          const from = ins.flags.from;
          const sourceRoot = from ? roots.get(from) : opts.context;
          if (!sourceRoot) throw new Error(`COPY --from=${from}: no such stage`);
          for (const src of parts) {
            const source = from ? join(sourceRoot, resolve('/', src)) : join(sourceRoot, src);
            if (!existsSync(source)) throw new Error(`COPY: ${src} does not exist`);
            const target =
              ins.args.trimEnd().endsWith('/') || parts.length > 1
                ? join(inRoot(dest), src.split('/').at(-1)!)
                : inRoot(dest);
            mkdirSync(dirname(target), { recursive: true });
            cpSync(source, target, { recursive: true });
          }
          break;
        }
        case 'RUN': {
          // A cache mount keeps downloads out of the layer; here the host's own npm cache plays that part.
          const r = spawnSync('bash', ['-c', ins.args], {
            cwd: inRoot(workdir),
            env: cleanEnv(env),
            stdio: ['ignore', 'inherit', 'inherit'],
          });
          if (r.status !== 0) throw new Error(`RUN ${ins.args} failed with exit code ${r.status}`);
          break;
        }
        case 'USER':
          user = ins.args;
          break;
        case 'EXPOSE':
          ports.push(...ins.args.split(/\s+/).map(Number));
          break;
        case 'ENTRYPOINT':
          entrypoint = execForm('ENTRYPOINT', ins.args);
          break;
        case 'CMD':
          cmd = execForm('CMD', ins.args);
          break;
      }
    }
    if (stage.name) roots.set(stage.name, root);
    roots.set(String(i), root);
    image = { root, workdir, env, ...(user ? { user } : {}), entrypoint, cmd, ports, baseImage: stage.from };
  });
  if (!image) throw new Error('the Dockerfile has no stage');
  return image;
}

/** What a container starts with: the image's ENV, not the caller's (no npm_* or NODE_ENV leaking in). */
function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  // The build host's network settings and trust store pass through (a docker build gets them as build
  // args or secrets), and so do npm's configuration files (registry, CA file) as the calling npm
  // found them; nothing else of the caller's environment does.
  const keep = [
    'HOME',
    'TMPDIR',
    'HTTP_PROXY',
    'HTTPS_PROXY',
    'NO_PROXY',
    'http_proxy',
    'https_proxy',
    'no_proxy',
    'NODE_EXTRA_CA_CERTS',
    'SSL_CERT_FILE',
    'SSL_CERT_DIR',
    'npm_config_globalconfig',
    'npm_config_userconfig',
    'npm_config_cafile',
    'npm_config_registry',
  ];
  const base: NodeJS.ProcessEnv = {};
  for (const k of keep) if (process.env[k] !== undefined) base[k] = process.env[k];
  // The base image's node first on PATH: the Node running this script (checked against FROM).
  base.PATH = `${dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`;
  return { ...base, ...env };
}

/** Starts ENTRYPOINT + CMD (or ENTRYPOINT + args) as the image would, as USER when we can. */
export function startImage(
  image: BuiltImage,
  args: string[] | undefined,
  extraEnv: Record<string, string>,
): ChildProcess {
  const argv = [...image.entrypoint, ...(args ?? image.cmd)];
  const asUser = image.user && process.getuid?.() === 0 ? image.user : undefined;
  let command = argv[0]!;
  let rest = argv.slice(1);
  if (asUser) {
    const [uid, gid = uid] = asUser.split(':');
    rest = [`--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', command, ...rest];
    command = 'setpriv';
  }
  return spawn(command, rest, {
    cwd: join(image.root, image.workdir),
    env: { ...cleanEnv(image.env), ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

export async function waitForHttp(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const r = await fetch(url);
      return { status: r.status, body: await r.text() };
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms: ${String(last)}`);
}

/** A kubeconfig for an apiserver that is not there: `run` must still come up and answer /healthz. */
export function unreachableKubeconfig(dir: string): string {
  const path = join(dir, 'unreachable.kubeconfig');
  writeFileSync(
    path,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: none, cluster: {server: "https://127.0.0.1:9", insecure-skip-tls-verify: true}}]',
      'users: [{name: none, user: {token: none}}]',
      'contexts: [{name: none, context: {cluster: none, user: none}}]',
      'current-context: none',
      '',
    ].join('\n'),
  );
  return path;
}

/** Packages that only development needs: devDependencies that no production dependency pulls in. */
export function devOnlyPackages(context: string): string[] {
  const pkg = JSON.parse(readFileSync(join(context, 'package.json'), 'utf8')) as {
    devDependencies?: Record<string, string>;
  };
  const lock = JSON.parse(readFileSync(join(context, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean }>;
  };
  return Object.keys(pkg.devDependencies ?? {}).filter(
    (n) => lock.packages[`node_modules/${n}`]?.dev === true,
  );
}

/**
 * A private copy of the kubeconfig owned by the image's user (0600), as a pod's mounted
 * ServiceAccount token is readable by the pod's user and nobody else.
 */
export function giveToUser(source: string, target: string, user: string | undefined): string {
  copyFileSync(source, target);
  chmodSync(target, 0o600);
  if (user && process.getuid?.() === 0) {
    const [uid, gid = uid] = user.split(':').map(Number);
    chownSync(target, uid!, gid!);
  }
  return target;
}

/** Makes the temp tree readable by the image's non-root USER, as image layers are. */
export function openForUser(dir: string): void {
  chmodSync(dir, 0o755);
}

async function main(argv: string[]): Promise<number> {
  const keep = argv.includes('--keep');
  const context = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  const work = mkdtempSync(join(tmpdir(), 'bpo-image-'));
  openForUser(work);
  let child: ChildProcess | undefined;
  try {
    const t0 = Date.now();
    const image = buildLikeDocker({ context, workDir: work });
    const wantMajor = /^node:(\d+)/.exec(image.baseImage)?.[1];
    if (wantMajor !== process.versions.node.split('.')[0])
      throw new Error(`FROM ${image.baseImage} but this Node is ${process.version}: run through npx/npm`);
    console.error(`== built in ${Math.round((Date.now() - t0) / 1000)} s`);
    if (keep) console.error(`== kept in ${work}`);

    const leaked = devOnlyPackages(context).filter((name) =>
      existsSync(join(image.root, image.workdir, 'node_modules', name, 'package.json')),
    );
    if (leaked.length) throw new Error(`development packages in the runtime stage: ${leaked.join(', ')}`);
    console.error('== runtime stage holds production dependencies only');

    const port = await freePort();
    const kubeconfig = giveToUser(
      process.env.RECIPE_KUBECONFIG ?? unreachableKubeconfig(work),
      join(work, 'kubeconfig'),
      image.user,
    );
    // The image's CMD is ["run"]; the servers are pinned to loopback for this check (the metrics
    // server only where this build of `run` has one).
    const help = spawnSync(image.entrypoint[0]!, [...image.entrypoint.slice(1), 'run', '--help'], {
      cwd: join(image.root, image.workdir),
      env: cleanEnv(image.env),
      encoding: 'utf8',
    });
    if (help.status !== 0) throw new Error(`run --help failed: ${help.stderr}`);
    const metricsPort = help.stdout.includes('--metrics-addr') ? await freePort() : undefined;
    const runArgs = ['run', `--health-addr=127.0.0.1:${port}`];
    if (metricsPort) runArgs.push(`--metrics-addr=127.0.0.1:${metricsPort}`);
    // Against a real cluster the operator may find BatchPools left by other tests: every Azure
    // endpoint (token authority included) is a closed loopback port, so nothing leaves the machine.
    const offline = 'https://127.0.0.1:9';
    const azureEnv: Record<string, string> = process.env.RECIPE_KUBECONFIG
      ? {
          AZURE_TENANT_ID: '00000000-0000-0000-0000-000000000000',
          AZURE_CLIENT_ID: '00000000-0000-0000-0000-000000000000',
          AZURE_CLIENT_SECRET: 'not-a-secret',
          AZURE_AUTHORITY_HOST: offline,
          BATCHPOOL_ARM_ENDPOINT: offline,
          BATCHPOOL_DISABLE_INSTANCE_DISCOVERY: 'true',
        }
      : {};
    child = startImage(image, runArgs, { KUBECONFIG: kubeconfig, ...azureEnv });
    child.stdout?.on('data', (d: Buffer) => process.stderr.write(d));
    child.stderr?.on('data', (d: Buffer) => process.stderr.write(d));
    const exited = new Promise<number | null>((res) => child!.once('exit', (code) => res(code)));
    const health = await waitForHttp(`http://127.0.0.1:${port}/healthz`, 30_000);
    console.error(`== GET /healthz → ${health.status}`);
    // Against a real apiserver (RECIPE_KUBECONFIG), the operator must also become ready.
    let ready: number | undefined;
    if (process.env.RECIPE_KUBECONFIG) {
      const deadline = Date.now() + 60_000;
      do {
        ready = (await waitForHttp(`http://127.0.0.1:${port}/readyz`, 10_000)).status;
        if (ready !== 200) await new Promise((r) => setTimeout(r, 500));
      } while (ready !== 200 && Date.now() < deadline);
      console.error(`== GET /readyz → ${ready}`);
    }
    let metrics: number | undefined;
    if (metricsPort) {
      const m = await waitForHttp(`http://127.0.0.1:${metricsPort}/metrics`, 10_000);
      metrics = m.body.includes('controller_runtime_reconcile_total') ? m.status : -1;
      console.error(`== GET /metrics → ${m.status}`);
    }
    child.kill('SIGTERM');
    const code = await Promise.race([
      exited,
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 40_000).unref()),
    ]);
    console.error(`== SIGTERM → exit ${String(code)}`);
    const ok =
      health.status === 200 &&
      code === 0 &&
      (ready === undefined || ready === 200) &&
      (metrics === undefined || metrics === 200);
    const seconds = Math.round((Date.now() - t0) / 1000);
    console.log(
      JSON.stringify({
        ok,
        healthz: health.status,
        readyz: ready,
        metrics,
        exitCode: code,
        seconds,
        user: image.user,
      }),
    );
    return ok ? 0 : 1;
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (!keep) rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exitCode = 1;
    },
  );
}
