// `batchpool-operator import` as a user runs it: the CLI in its own process, with the simulator's Azure
// environment (and the suite's KUBECONFIG) to read the account and its pools.
import { spawn } from 'node:child_process';
import type { Simulator } from '../../src/simulator/index.ts';
import { simulatorEnv } from './operator-profiles.ts';
import { REPO_ROOT } from './paths.ts';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runImport(sim: Simulator, args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['src/cli.ts', 'import', ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...simulatorEnv(sim) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
