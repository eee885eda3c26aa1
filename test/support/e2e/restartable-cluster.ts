// A second control plane (etcd + kube-apiserver) whose processes a test may kill and start again, for the
// fault cases that take the apiserver away. It reuses the binaries and the throw-away PKI of the e2e cluster
// (E2E_KUBE_BIN, E2E_CLUSTER_DIR), on its own loopback ports and data directory, and stops what it started.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kubectl } from '../kubectl.ts';
import { freePorts } from '../net.ts';

export class RestartableCluster {
  readonly kubeconfig: string;
  readonly #dir: string;
  readonly #bin: string;
  readonly #pki: string;
  readonly #ports: { etcd: number; peer: number; api: number };
  #etcd: ChildProcess | undefined;
  #api: ChildProcess | undefined;

  private constructor(dir: string, bin: string, pki: string, ports: number[]) {
    this.#dir = dir;
    this.#bin = bin;
    this.#pki = pki;
    this.#ports = { etcd: ports[0]!, peer: ports[1]!, api: ports[2]! };
    this.kubeconfig = path.join(dir, 'admin.kubeconfig');
  }

  static async start(): Promise<RestartableCluster> {
    const bin = process.env.E2E_KUBE_BIN;
    const work = process.env.E2E_CLUSTER_DIR;
    if (!bin || !work) throw new Error('E2E_KUBE_BIN and E2E_CLUSTER_DIR are set by the e2e global setup');
    const dir = await mkdtemp(path.join(tmpdir(), 'bpo-fault-cluster-'));
    const c = new RestartableCluster(dir, bin, path.join(work, 'pki'), await freePorts(3));
    const b64 = async (f: string) => (await readFile(path.join(c.#pki, f))).toString('base64');
    await writeFile(
      c.kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '- name: fault',
        `  cluster: {server: "https://127.0.0.1:${c.#ports.api}", certificate-authority-data: ${await b64('ca.crt')}}`,
        'contexts:',
        '- name: fault',
        '  context: {cluster: fault, user: admin}',
        'current-context: fault',
        'users:',
        '- name: admin',
        `  user: {client-certificate-data: ${await b64('admin.crt')}, client-key-data: ${await b64('admin.key')}}`,
        '',
      ].join('\n'),
    );
    await c.startEtcd();
    await c.startApiserver();
    return c;
  }

  async startEtcd(): Promise<void> {
    const { etcd, peer } = this.#ports;
    this.#etcd = spawn(
      path.join(this.#bin, 'etcd'),
      [
        '--name=fault',
        `--data-dir=${path.join(this.#dir, 'etcd-data')}`,
        `--listen-client-urls=http://127.0.0.1:${etcd}`,
        `--advertise-client-urls=http://127.0.0.1:${etcd}`,
        `--listen-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-cluster=fault=http://127.0.0.1:${peer}`,
        '--unsafe-no-fsync',
        '--log-level=error',
      ],
      { stdio: 'ignore' },
    );
    const end = Date.now() + 30_000;
    for (;;) {
      const ok = await fetch(`http://127.0.0.1:${etcd}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      if (Date.now() > end) throw new Error('etcd did not start');
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async startApiserver(): Promise<void> {
    const p = (f: string) => path.join(this.#pki, f);
    this.#api = spawn(
      path.join(this.#bin, 'kube-apiserver'),
      [
        `--etcd-servers=http://127.0.0.1:${this.#ports.etcd}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${this.#ports.api}`,
        `--cert-dir=${path.join(this.#dir, 'apiserver-certs')}`,
        `--tls-cert-file=${p('apiserver.crt')}`,
        `--tls-private-key-file=${p('apiserver.key')}`,
        `--client-ca-file=${p('ca.crt')}`,
        `--service-account-issuer=https://127.0.0.1:${this.#ports.api}`,
        `--service-account-key-file=${p('sa.pub')}`,
        `--service-account-signing-key-file=${p('sa.key')}`,
        '--service-cluster-ip-range=10.0.0.0/24',
        '--authorization-mode=RBAC',
        '--disable-admission-plugins=ServiceAccount',
        '--endpoint-reconciler-type=none',
      ],
      { stdio: 'ignore' },
    );
    const end = Date.now() + 120_000;
    for (;;) {
      const r = await kubectl(['get', '--raw', '/readyz'], {
        kubeconfig: this.kubeconfig,
        timeoutMs: 10_000,
      });
      if (r.code === 0) return;
      if (Date.now() > end) throw new Error(`kube-apiserver did not become ready: ${r.stderr}`);
      await new Promise((res) => setTimeout(res, 300));
    }
  }

  static async #kill(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<void> {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill(signal);
    const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(t);
  }

  stopApiserver(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    return RestartableCluster.#kill(this.#api, signal);
  }

  stopEtcd(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    return RestartableCluster.#kill(this.#etcd, signal);
  }

  async close(): Promise<void> {
    await this.stopApiserver('SIGTERM');
    await this.stopEtcd('SIGTERM');
    await rm(this.#dir, { recursive: true, force: true });
  }
}
