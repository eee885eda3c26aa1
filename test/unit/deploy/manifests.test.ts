// The Deployment as shipped: hardened, probed on the ports the operator serves, started with flags
// `batchpool-operator run` accepts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfig } from '../../../src/config.ts';

const read = (p: string) => readFileSync(new URL(`../../../deploy/base/${p}`, import.meta.url), 'utf8');
const deployment = parse(read('manager/deployment.yaml'));
const pod = deployment.spec.template.spec;
const container = pod.containers[0];

describe('operator Deployment', () => {
  it('runs two replicas that never both go away, with the operator ServiceAccount', () => {
    expect(deployment.spec.replicas).toBe(2);
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    expect(pod.serviceAccountName).toBe('batchpool-operator');
    expect(parse(read('manager/pdb.yaml')).spec.minAvailable).toBe(1);
  });

  it('is hardened: non-root 65532, read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp', () => {
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container.resources.requests).toHaveProperty('memory');
    expect(container.resources.limits).toHaveProperty('memory');
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(30);
  });

  it('sizes the V8 heap from the memory limit, leaving room for what is not old space', () => {
    const mi = (q: string) => {
      const m = /^(\d+)(Mi|Gi)$/.exec(q);
      if (!m) throw new Error(`memory quantity ${q}: use Mi or Gi`);
      return Number(m[1]) * (m[2] === 'Gi' ? 1024 : 1);
    };
    const limit = mi(container.resources.limits.memory);
    const request = mi(container.resources.requests.memory);
    const nodeOptions = container.env.find((e: { name: string }) => e.name === 'NODE_OPTIONS').value;
    const oldSpace = Number(/--max-old-space-size=(\d+)/.exec(nodeOptions)?.[1]);
    // docs/operations.md, "Memory": about 130 MiB of a running operator is not old space (Node and the
    // bundle's code, the 4 MiB semi-spaces, sockets, malloc); the heap limit is the rest, so a heap
    // that fills up fails with V8's heap error, not an OOM kill.
    expect(oldSpace).toBeGreaterThanOrEqual(256);
    expect(oldSpace).toBeLessThanOrEqual(limit - 128);
    expect(request).toBeLessThanOrEqual(limit);
  });

  it('probes /healthz and /readyz on the probe port and exposes metrics on 8080', () => {
    const port = (name: string) =>
      container.ports.find((p: { name: string }) => p.name === name).containerPort;
    expect(port('probes')).toBe(8081);
    expect(port('metrics')).toBe(8080);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'probes' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'probes' });
    expect(container.args).toContain('--health-addr=:8081');
    expect(container.args).toContain('--metrics-addr=:8080');
  });

  it('gets pod name and namespace from the downward API and opts in to workload identity', () => {
    const env = Object.fromEntries(
      container.env.map((e: { name: string; valueFrom?: { fieldRef?: { fieldPath: string } } }) => [
        e.name,
        e.valueFrom?.fieldRef?.fieldPath,
      ]),
    );
    expect(env.POD_NAME).toBe('metadata.name');
    expect(env.POD_NAMESPACE).toBe('metadata.namespace');
    expect(container.envFrom).toEqual([{ configMapRef: { name: 'batchpool-operator-config' } }]);
    expect(deployment.spec.template.metadata.labels['azure.workload.identity/use']).toBe('true');
  });

  it('starts `run` with flags it accepts: leader election on, Lease in the pod namespace, both servers', () => {
    const [command, ...flags] = container.args as string[];
    expect(command).toBe('run');
    const cfg = parseConfig(flags, { POD_NAMESPACE: 'batchpool-system' });
    expect(cfg).not.toBe('help');
    if (cfg === 'help') return;
    expect(cfg.leaderElection).toEqual({ namespace: 'batchpool-system', name: 'batchpool-operator-leader' });
    expect(cfg.metricsAddr).toBe(':8080');
    expect(cfg.healthAddr).toBe(':8081');
  });
});
