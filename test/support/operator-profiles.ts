// What a test, benchmark or script starts `batchpool-operator run` with: the environment that points it at a
// simulator, and named profiles of flags and environment that callers combine.

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Simulator } from '../../src/simulator/index.ts';

export interface OperatorProfile {
  readonly name: string;
  readonly args?: readonly string[];
  /** An empty string unsets a variable, as the operator reads it. */
  readonly env?: Readonly<Record<string, string>>;
  /** The log message that means this process is up. */
  readonly readyMessage?: string;
}

/** The operator's identity against a simulator: its client secret, its CA, its endpoints. */
export function simulatorEnv(sim: Simulator): Record<string, string> {
  const i = sim.info;
  return {
    AZURE_TENANT_ID: i.tenantId,
    AZURE_CLIENT_ID: i.clientId,
    AZURE_CLIENT_SECRET: i.clientSecret,
    // An inherited token file would switch the identity to workload identity.
    AZURE_FEDERATED_TOKEN_FILE: '',
    AZURE_AUTHORITY_HOST: i.authorityHost,
    BATCHPOOL_ARM_ENDPOINT: i.armEndpoint,
    BATCHPOOL_CA_FILE: i.caFile,
    BATCHPOOL_DISABLE_INSTANCE_DISCOVERY: 'true',
    LOG_LEVEL: 'info',
  };
}

const POLLING = [
  '--concurrency',
  '4',
  '--resizing-poll',
  '300ms',
  '--image-recheck',
  '1s',
  '--drain-timeout',
  '5s',
];

/**
 * Polling in fractions of a second, and Azure calls that give up after 2 s (5 s with retries), so that the
 * fault suites, the soak and the bad-input run take seconds per case.
 */
export const fastPolling: OperatorProfile = {
  name: 'fast polling',
  args: [
    ...POLLING,
    ...['--steady-resync', '3s', '--image-check-interval', '5s'],
    ...['--azure-call-timeout', '2s', '--azure-retry-budget', '5s'],
  ],
};

/**
 * Fast polling with a 2 s resync and the default Azure timeouts: the controller behaviour suites count the
 * GETs per resync period and wait out Retry-After answers longer than 2 s.
 */
export const controllerPolling: OperatorProfile = {
  name: 'controller polling',
  args: [...POLLING, ...['--steady-resync', '2s', '--image-check-interval', '2s']],
};

/** Under leader election; a standby is up once it is waiting for the Lease, before it leads. */
export function leaderElection(
  o: { namespace?: string; id?: string; standby?: boolean } = {},
): OperatorProfile {
  return {
    name: 'leader election',
    args: [
      '--leader-elect',
      ...(o.namespace ? ['--leader-election-namespace', o.namespace] : []),
      ...(o.id ? ['--leader-election-id', o.id] : []),
    ],
    ...(o.standby && { readyMessage: 'starting' }),
  };
}

/**
 * Azure workload identity, as in the pod: a federated service-account token instead of a client secret.
 * The simulator's Entra ID accepts any well-formed JWT as the assertion, so the token is made up here.
 */
export async function workloadIdentity(): Promise<OperatorProfile> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bpo-e2e-'));
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const file = path.join(dir, 'token');
  await writeFile(
    file,
    `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ iss: 'e2e', sub: 'system:serviceaccount:batchpool-system:batchpool-operator', aud: 'api://AzureADTokenExchange' })}.c2ln`,
  );
  return { name: 'workload identity', env: { AZURE_FEDERATED_TOKEN_FILE: file, AZURE_CLIENT_SECRET: '' } };
}
