// The Go controller-runtime peer (bench/peer) as its own process, for bench/scale.ts: built once into the
// cache by bench/peer/build.sh, started against the apiserver of $KUBECONFIG with its metrics on a loopback
// port, read from /proc the same way as our operator (peak RSS as VmHWM, CPU time), stopped with SIGTERM.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readProcStats, scrapeMetrics } from '../../test/support/operator-process.ts';

const peerDir = fileURLToPath(new URL('../peer/', import.meta.url));

/** Builds the peer on a cache miss (minutes), or reuses the cached binary; returns its path. */
export async function buildPeer(): Promise<string> {
  const child = spawn('bash', [`${peerDir}build.sh`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`bench/peer/build.sh exited with ${String(code)}`);
  return out.trim().split('\n').at(-1)!;
}

/** The controller-runtime version the peer is built on, as its go.mod requires it. */
export function peerControllerRuntimeVersion(): string {
  const mod = readFileSync(`${peerDir}go.mod`, 'utf8');
  return /sigs\.k8s\.io\/controller-runtime (v\S+)/.exec(mod)?.[1] ?? 'unknown';
}

export class PeerProcess {
  readonly recent: string[] = [];
  readonly exited: Promise<void>;
  #alive = true;
  #peakRssKiB = 0;
  #cpuSeconds = 0;
  readonly child: ChildProcess;
  readonly metricsPort: number;

  private constructor(child: ChildProcess, metricsPort: number) {
    this.child = child;
    this.metricsPort = metricsPort;
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        this.recent.push(buf.slice(0, i));
        if (this.recent.length > 200) this.recent.shift();
        buf = buf.slice(i + 1);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    this.exited = new Promise((resolve) =>
      child.on('exit', () => {
        this.#alive = false;
        resolve();
      }),
    );
  }

  /** Starts the peer and waits until its metrics endpoint answers. */
  static async start(bin: string, metricsPort: number, args: readonly string[] = []): Promise<PeerProcess> {
    const child = spawn(bin, [`--metrics-bind-address=127.0.0.1:${metricsPort}`, ...args], {
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const peer = new PeerProcess(child, metricsPort);
    const end = Date.now() + 60_000;
    for (;;) {
      if (!peer.#alive) throw new Error(`the peer exited at start:\n${peer.recent.slice(-30).join('\n')}`);
      try {
        await peer.metrics();
        break;
      } catch {
        if (Date.now() > end) {
          child.kill('SIGKILL');
          throw new Error(`the peer did not serve metrics:\n${peer.recent.slice(-30).join('\n')}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    peer.sample();
    return peer;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  sample(): { peakRssKiB: number; cpuSeconds: number } {
    const s = this.#alive ? readProcStats(this.pid) : undefined;
    if (s) {
      this.#peakRssKiB = Math.max(this.#peakRssKiB, s.peakRssKiB);
      this.#cpuSeconds = s.cpuSeconds;
    }
    return { peakRssKiB: this.#peakRssKiB, cpuSeconds: this.#cpuSeconds };
  }

  metrics(): Promise<Map<string, number>> {
    return scrapeMetrics(this.metricsPort);
  }

  /** SIGTERM (SIGKILL after `graceMs`), after a last sample. */
  async stop(graceMs = 20_000): Promise<void> {
    if (!this.#alive) return;
    this.sample();
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(t);
  }
}
