// `batchpool-operator run` as its own process, as a user runs it, pointed at a simulator and at the
// apiserver of $KUBECONFIG (or env.KUBECONFIG): for the e2e suites, the benchmarks and the scripts. It waits
// until the process is up, keeps or hands on its log lines, parses its decision log, signals it (SIGTERM as
// Kubernetes stops a pod, SIGKILL as a crash) and reads its peak RSS and CPU time.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Simulator } from '../../src/simulator/index.ts';
import { simulatorEnv, type OperatorProfile } from './operator-profiles.ts';
import { REPO_ROOT } from './paths.ts';

/** A probe or metrics server: none, a loopback port the OS picks, or this loopback port. */
export type Listen = 'off' | 'any-port' | number;

export interface OperatorOptions {
  sim: Simulator;
  /** Applied in order: their flags first, then `args`; later environment wins. */
  profiles?: readonly OperatorProfile[];
  args?: readonly string[];
  env?: Readonly<Record<string, string>>;
  /** Probes (/healthz, /readyz); default off, so several operators can run side by side. */
  health?: Listen;
  /** Prometheus metrics; default off. */
  metrics?: Listen;
  /** Keep every log line in memory (default true); benchmarks with thousands of pools use onLine instead. */
  keepLogs?: boolean;
  onLine?: (line: string) => void;
  startTimeoutMs?: number;
  /** Run this built entry point (e.g. dist/cli.js, the bundle the container image runs) instead of src/cli.ts. */
  entry?: string;
  /** Extra Node flags, e.g. heap sizing or a preload. */
  nodeArgs?: readonly string[];
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const address = (l: Listen = 'off') => (l === 'off' ? '' : `127.0.0.1:${l === 'any-port' ? 0 : l}`);

/**
 * Peak RSS (VmHWM) and CPU time (user + system) of a live process, from /proc; undefined once it has exited.
 * The benchmarks read any process they start this way (our operator, the Go peer).
 */
export function readProcStats(pid: number): { peakRssKiB: number; cpuSeconds: number } | undefined {
  if (pid <= 0) return undefined;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat (11 and 12 after the command); USER_HZ is 100 on Linux.
    return { peakRssKiB: Number(hwm ?? 0), cpuSeconds: (Number(fields[11]) + Number(fields[12])) / 100 };
  } catch {
    return undefined; // exited between the check and the read
  }
}

/** A Prometheus text page on a loopback port, parsed into samples (name with labels → value). */
export async function scrapeMetrics(port: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

export class OperatorProcess {
  readonly logs: string[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  #exit: Exit | undefined;
  #peakRssKiB = 0;
  #cpuSeconds = 0;

  private constructor(child: ChildProcess, keepLogs: boolean, onLine: (line: string) => void) {
    this.child = child;
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (keepLogs) this.logs.push(line);
        onLine(line);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    this.exited = new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        this.#exit = { code, signal };
        resolve(this.#exit);
      }),
    );
  }

  static async start(o: OperatorOptions): Promise<OperatorProcess> {
    const profiles = o.profiles ?? [];
    const args = [
      ...(o.nodeArgs ?? []),
      o.entry ?? 'src/cli.ts',
      'run',
      ...['--health-addr', address(o.health), '--metrics-addr', address(o.metrics)],
      ...profiles.flatMap((p) => p.args ?? []),
      ...(o.args ?? []),
    ];
    const env = Object.assign({ ...process.env }, simulatorEnv(o.sim), ...profiles.map((p) => p.env), o.env);
    const readyMessage = profiles.findLast((p) => p.readyMessage)?.readyMessage ?? 'controller started';
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let started!: () => void;
    const ready = new Promise<void>((resolve) => (started = resolve));
    const op = new OperatorProcess(child, o.keepLogs ?? true, (line) => {
      if (line.includes(`"msg":"${readyMessage}"`)) started();
      o.onLine?.(line);
    });
    const recent = () => op.logs.slice(-40).join('\n');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`operator did not start:\n${recent()}`)),
        o.startTimeoutMs ?? 60_000,
      );
    });
    try {
      await Promise.race([
        ready,
        timeout,
        op.exited.then((e) =>
          Promise.reject(new Error(`operator exited (${e.code ?? e.signal}):\n${recent()}`)),
        ),
      ]);
    } catch (err) {
      child.kill('SIGKILL');
      throw err;
    } finally {
      clearTimeout(timer);
    }
    op.sample();
    return op;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  alive(): boolean {
    return this.#exit === undefined;
  }

  get exit(): Exit | undefined {
    return this.#exit;
  }

  /** JSON log lines, optionally only those with this msg. */
  lines(msg?: string): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = [];
    for (const l of this.logs) {
      if (!l.startsWith('{')) continue;
      try {
        const j = JSON.parse(l) as Record<string, unknown>;
        if (msg === undefined || j.msg === msg) out.push(j);
      } catch {
        // not one of ours
      }
    }
    return out;
  }

  /** The decision log (one line per reconcile), optionally of one namespace/name. */
  decisions(filter: { key?: string } = {}): Record<string, unknown>[] {
    return this.lines('decision').filter((j) => filter.key === undefined || j.key === filter.key);
  }

  /** The port the metrics server announced it serves on. */
  get metricsPort(): number | undefined {
    const port = this.lines('serving metrics')[0]?.port;
    return typeof port === 'number' ? port : undefined;
  }

  /** Reads peak RSS (VmHWM) and CPU time from /proc while the process lives; returns the latest figures. */
  sample(): { peakRssKiB: number; cpuSeconds: number } {
    const s = this.alive() ? readProcStats(this.pid) : undefined;
    if (s) {
      this.#peakRssKiB = Math.max(this.#peakRssKiB, s.peakRssKiB);
      this.#cpuSeconds = s.cpuSeconds;
    }
    return { peakRssKiB: this.#peakRssKiB, cpuSeconds: this.#cpuSeconds };
  }

  /** The metrics page, parsed into samples (name with labels → value). */
  metrics(port: number): Promise<Map<string, number>> {
    return scrapeMetrics(port);
  }

  /** Sends a signal and waits for the process to exit (SIGKILL after `graceMs`); returns the exit code. */
  async kill(signal: NodeJS.Signals = 'SIGKILL', graceMs = 20_000): Promise<number | null> {
    if (this.alive()) {
      this.sample();
      this.child.kill(signal);
      const t = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await this.exited;
      clearTimeout(t);
    }
    return this.#exit?.code ?? null;
  }

  /** SIGTERM, as Kubernetes stops a pod. */
  stop(graceMs?: number): Promise<number | null> {
    return this.kill('SIGTERM', graceMs);
  }
}
