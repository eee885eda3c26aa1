// The Deployment as shipped: hardened, probed on the ports the operator serves, started with flags
// `batchpool-operator run` accepts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseArgs } from 'node:util';
import { parseConfig } from '../../../src/config.ts';
import { HA_FLAG_OPTIONS, parseHaFlags } from '../../../src/ha/flags.ts';

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

  it('passes `run` only flags it accepts: its own, plus the leader-election and metrics flags', () => {
    const [command, ...flags] = container.args as string[];
    expect(command).toBe('run');
    const isHa = (f: string) => f.replace(/^--/, '').split('=')[0]! in HA_FLAG_OPTIONS;
    expect(() =>
      parseConfig(
        flags.filter((f) => !isHa(f)),
        {},
      ),
    ).not.toThrow();
    const problems: string[] = [];
    const { values } = parseArgs({ args: flags.filter(isHa), options: HA_FLAG_OPTIONS, strict: true });
    const ha = parseHaFlags(values, { POD_NAMESPACE: 'batchpool-system' }, problems);
    expect(problems).toEqual([]);
    expect(ha.leaderElection?.namespace).toBe('batchpool-system');
    expect(ha.metricsAddr).toBe(':8080');
  });
});
