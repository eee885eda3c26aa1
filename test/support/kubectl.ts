// kubectl, the client users have, against the e2e cluster. The global setup puts kubectl of the
// apiserver's own version first on PATH and sets KUBECONFIG (admin).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  input?: string;
  kubeconfig?: string;
  timeoutMs?: number;
}

export function kubectl(args: string[], opts: KubectlOptions = {}): Promise<KubectlResult> {
  const kubeconfig = opts.kubeconfig ?? process.env.KUBECONFIG;
  if (!kubeconfig)
    throw new Error('KUBECONFIG is not set: run through the e2e project (vitest --project e2e)');
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', ['--kubeconfig', kubeconfig, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: opts.timeoutMs ?? 60_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    // A kubectl that exits before reading its stdin (killed by the timeout, or refused at once) breaks the
    // pipe: its exit code says what happened, so the EPIPE must not crash the caller.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** Like kubectl(), but throws with kubectl's own words when it fails. */
export async function kubectlOk(args: string[], opts: KubectlOptions = {}): Promise<string> {
  const r = await kubectl(args, opts);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

/** Creates a fresh namespace: an apiserver-only cluster never finishes deleting one, so tests don't share. */
export async function uniqueNamespace(prefix: string): Promise<string> {
  const name = `${prefix}-${randomBytes(3).toString('hex')}`.toLowerCase().slice(0, 63);
  await kubectlOk(['create', 'namespace', name]);
  return name;
}
