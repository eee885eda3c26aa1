// The README's first command: `npm run demo` must tell its whole story and stop everything it started.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

describe('npm run demo', () => {
  it(
    'converges the example pools, shows the image guard, and stops cleanly',
    { timeout: 540_000 },
    async () => {
      // The demo starts its own control plane; keep it from reusing this suite's cluster variables.
      const env = { ...process.env };
      for (const k of Object.keys(env)) if (k.startsWith('E2E_') || k === 'KUBECONFIG') delete env[k];
      const child = spawn(process.execPath, ['scripts/demo.ts', '--max-minutes', '7'], {
        cwd: root,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(out).toMatch(/deleted the image of render-farm/);
      expect(out).toMatch(/the operator noticed: ImageAvailable=False \(ImageNotFound\)/);
      expect(out).toMatch(/Warning\s+ImageNotFound\s+batchpool\/render-farm/);
      expect(out).toMatch(/restored the image of render-farm/);
      expect(out).toMatch(/every pool reached its target and is Ready/);
      expect(out).toMatch(/render-farm\s+600\s+600\s+600\s+Ready/);
      expect(out).toMatch(/stopped\./);
      expect(code, out.slice(-3000)).toBe(0);
    },
  );
});
