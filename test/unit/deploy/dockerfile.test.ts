// The Dockerfile, read the way scripts/docker-recipe.ts reads it, must stay in line with the
// project: Node major of the pin, production dependencies only, non-root user matching the
// Deployment, exec-form entrypoint at the package's bin.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { devOnlyPackages, execForm, parseDockerfile } from '../../../scripts/docker-recipe.ts';

const root = new URL('../../../', import.meta.url);
const read = (p: string) => readFileSync(new URL(p, root), 'utf8');
const stages = parseDockerfile(read('Dockerfile'));
const runtime = stages.at(-1)!;
const pkg = JSON.parse(read('package.json')) as {
  bin: Record<string, string>;
  devDependencies: Record<string, string>;
};
const deployment = parse(read('deploy/base/manager/deployment.yaml'));

const ops = (op: string) => runtime.instructions.filter((i) => i.op === op);

describe('Dockerfile', () => {
  it('builds in one stage and runs from a second, both on the Node major the project pins', () => {
    expect(stages).toHaveLength(2);
    const pinnedMajor = /(\d+)/.exec(pkg.devDependencies.node!)![1];
    for (const s of stages) expect(s.from).toBe(`node:${pinnedMajor}-bookworm-slim`);
    const build = stages[0]!;
    expect(build.instructions.filter((i) => i.op === 'RUN').map((i) => i.args)).toEqual([
      'npm ci --no-audit --no-fund',
      'npm run build',
    ]);
  });

  it('installs production dependencies only in the runtime stage and copies just dist/ from the build', () => {
    expect(ops('RUN').map((i) => i.args)).toEqual(['npm ci --omit=dev --no-audit --no-fund']);
    const copies = ops('COPY');
    expect(copies.map((c) => [c.flags.from ?? '', c.args])).toEqual([
      ['', 'package.json package-lock.json ./'],
      ['build', '/app/dist ./dist'],
    ]);
    expect(devOnlyPackages(new URL('.', root).pathname)).toEqual(
      expect.arrayContaining(['typescript', 'vitest', 'node']),
    );
  });

  it('runs as the non-root user the Deployment expects', () => {
    const [user] = ops('USER').map((i) => i.args);
    expect(user).toMatch(/^\d+:\d+$/); // numeric, so runAsNonRoot can verify it
    const uid = Number(user!.split(':')[0]);
    expect(uid).not.toBe(0);
    const pod = deployment.spec.template.spec;
    expect(pod.securityContext.runAsUser).toBe(uid);
    expect(pod.securityContext.runAsNonRoot).toBe(true);
  });

  it('starts node itself in exec form at the package bin, with `run` as the default command', () => {
    const entrypoint = execForm('ENTRYPOINT', ops('ENTRYPOINT')[0]!.args);
    // Node's own flags may stand between node and the script.
    expect(entrypoint[0]).toBe('node');
    expect(entrypoint.at(-1)).toBe(pkg.bin['batchpool-operator']);
    for (const flag of entrypoint.slice(1, -1)) expect(flag).toMatch(/^--[a-z-]+=\S+$/);
    expect(execForm('CMD', ops('CMD')[0]!.args)).toEqual(['run']);
    expect(() => execForm('ENTRYPOINT', 'node dist/src/cli.js')).toThrow(/exec \(JSON array\) form/);
  });

  it('exposes the ports the Deployment probes and scrapes', () => {
    const exposed = ops('EXPOSE').flatMap((i) => i.args.split(/\s+/).map(Number));
    const ports = deployment.spec.template.spec.containers[0].ports.map(
      (p: { containerPort: number }) => p.containerPort,
    );
    expect(exposed.sort()).toEqual(ports.sort());
  });

  it('keeps .dockerignore open for exactly what the build copies', () => {
    const ignore = read('.dockerignore')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('*');
    const allowed = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/$/, ''));
    const copied = stages
      .flatMap((s) => s.instructions)
      .filter((i) => i.op === 'COPY' && !i.flags.from)
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(allowed.sort()).toEqual([...new Set(copied)].sort());
  });
});
