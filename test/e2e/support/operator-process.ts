// `batchpool-operator run` as its own process, pointed at the e2e apiserver and a simulator, for the tests
// and benchmarks that must kill it (SIGKILL mid-action), restart it, or measure it (peak RSS, CPU time).
// The controller's own e2e harness (operator.ts) starts it for behaviour tests; this one adds signals and
// process figures.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Simulator } from '../../../src/simulator/index.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Fast polling so tests take seconds; benchmarks pass their own. */
export const FAST_ARGS = [
  '--concurrency',
  '4',
  '--resizing-poll',
  '300ms',
  '--steady-resync',
  '3s',
  '--image-recheck',
  '1s',
  '--image-check-interval',
  '5s',
  '--drain-timeout',
  '5s',
  '--azure-call-timeout',
  '2s',
  '--azure-retry-budget',
  '5s',
];

export interface OperatorOptions {
  sim: Simulator;
  args?: string[];
  env?: Record<string, string>;
  /** Keep every log line in memory (default true); benchmarks with thousands of pools pass a callback instead. */
  keepLogs?: boolean;
  onLine?: (line: string) => void;
  startTimeoutMs?: number;
  /** The log message that means the process is up (default: the controller started; a standby replica
   * under leader election only logs "starting"). */
  readyMessage?: string;
  /** Run this compiled entry point (e.g. tsc's output, as the container image does) instead of src/cli.ts. */
  entry?: string;
  /** Extra Node flags, e.g. heap sizing. */
  nodeArgs?: string[];
  /** Serve Prometheus metrics on this loopback port (default: no metrics endpoint). */
  metricsPort?: number;
}

/** The environment that points the operator at a simulator (client-secret identity, the simulator's CA). */
export function simulatorEnv(sim: Simulator): Record<string, string> {
  const i = sim.info;
  return {
    AZURE_TENANT_ID: i.tenantId,
    AZURE_CLIENT_ID: i.clientId,
    AZURE_CLIENT_SECRET: i.clientSecret,
    AZURE_AUTHORITY_HOST: i.authorityHost,
    BATCHPOOL_ARM_ENDPOINT: i.armEndpoint,
    BATCHPOOL_CA_FILE: i.caFile,
    BATCHPOOL_DISABLE_INSTANCE_DISCOVERY: 'true',
    LOG_LEVEL: 'info',
  };
}

export class OperatorProcess {
  readonly logs: string[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  #peakRssKiB = 0;
  #cpuSeconds = 0;

  private constructor(child: ChildProcess, o: OperatorOptions) {
    this.child = child;
    const keep = o.keepLogs ?? true;
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (keep) this.logs.push(line);
        o.onLine?.(line);
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
    // No probe server, and metrics only on loopback when asked: several operators may run side by side.
    const endpoints = [
      '--health-addr',
      '',
      '--metrics-addr',
      o.metricsPort === undefined ? '' : `127.0.0.1:${o.metricsPort}`,
    ];
    const child = spawn(
      process.execPath,
      [...(o.nodeArgs ?? []), o.entry ?? 'src/cli.ts', 'run', ...endpoints, ...(o.args ?? FAST_ARGS)],
      {
        cwd: ROOT,
        env: { ...process.env, AZURE_FEDERATED_TOKEN_FILE: '', ...simulatorEnv(o.sim), ...o.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let started!: () => void;
    const ready = new Promise<void>((resolve) => (started = resolve));
    const op = new OperatorProcess(child, {
      ...o,
      onLine: (line) => {
        if (line.includes(`"msg":"${o.readyMessage ?? 'controller started'}"`)) started();
        o.onLine?.(line);
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`operator did not start:\n${op.logs.slice(-40).join('\n')}`)),
        o.startTimeoutMs ?? 60_000,
      );
    });
    try {
      await Promise.race([
        ready,
        timeout,
        op.exited.then((e) =>
          Promise.reject(
            new Error(`operator exited (${e.code ?? e.signal}):\n${op.logs.slice(-40).join('\n')}`),
          ),
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

  get exit() {
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

  /** Reads peak RSS (VmHWM) and CPU time from /proc while the process lives; returns the latest figures. */
  sample(): { peakRssKiB: number; cpuSeconds: number } {
    if (this.alive() && this.pid > 0) {
      try {
        const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
        const hwm = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
        if (hwm) this.#peakRssKiB = Math.max(this.#peakRssKiB, Number(hwm));
        const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        // utime and stime are fields 14 and 15 of stat (11 and 12 after the command); USER_HZ is 100 on Linux.
        this.#cpuSeconds = (Number(fields[11]) + Number(fields[12])) / 100;
      } catch {
        // exited between the check and the read
      }
    }
    return { peakRssKiB: this.#peakRssKiB, cpuSeconds: this.#cpuSeconds };
  }

  /** The metrics page, parsed into samples (name with labels → value). */
  async metrics(port: number): Promise<Map<string, number>> {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const out = new Map<string, number>();
    for (const line of text.split('\n')) {
      if (!line || line.startsWith('#')) continue;
      const i = line.lastIndexOf(' ');
      out.set(line.slice(0, i), Number(line.slice(i + 1)));
    }
    return out;
  }

  /** Sends a signal and waits for the process to exit. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.alive()) return;
    this.sample();
    this.child.kill(signal);
    const t = setTimeout(() => this.child.kill('SIGKILL'), 20_000);
    await this.exited;
    clearTimeout(t);
  }

  /** SIGTERM, as Kubernetes stops a pod. */
  stop(): Promise<void> {
    return this.kill('SIGTERM');
  }
}
