// The container image's recipe, exercised without Docker: scripts/docker-recipe.ts carries out the
// Dockerfile's own instructions in clean directories (full install + build, then a production-only
// install + dist/), starts `node dist/cli.js run` as the image would (as USER 65532 when the
// tests run as root), against this apiserver with the operator ServiceAccount's token and the
// shipped RBAC, and checks /healthz, /readyz and a clean exit on SIGTERM.
import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { installDeploy } from '../support/e2e/install.ts';

beforeAll(async () => {
  await installDeploy();
});

describe('container image recipe', () => {
  it('builds like the Dockerfile, starts, becomes healthy and ready, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['scripts/docker-recipe.ts'], {
      env: { ...process.env, RECIPE_KUBECONFIG: process.env.E2E_OPERATOR_KUBECONFIG },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    const summary = stdout.trim().split('\n').at(-1) ?? '';
    expect(code, `recipe failed:\n${stderr.slice(-4000)}`).toBe(0);
    const result = JSON.parse(summary);
    expect(result).toMatchObject({ ok: true, healthz: 200, readyz: 200, exitCode: 0 });
    expect(stderr).toContain('runtime stage holds production dependencies only');
    console.log(`docker recipe: built and checked in ${result.seconds} s (user ${result.user})`);
  }, 420_000);
});
