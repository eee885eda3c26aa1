// Real clients pointed at a running simulator: the project's own Batch client (api-version 2025-06-01, the
// one the operator uses), @azure/arm-compute and @azure/identity; the only way the simulator tests talk to
// it besides plain HTTPS for the control API and raw wire checks.
import https from 'node:https';
import type http from 'node:http';
import { ComputeManagementClient } from '@azure/arm-compute';
import type { RestError } from '@azure/core-rest-pipeline';
import { ClientSecretCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/identity';
import { BatchClient } from '../../../src/azure/batch/client.ts';
import type { BatchClientOptions } from '../../../src/azure/batch/client.ts';
import type { SimulatorInfo } from '../../../src/simulator/index.ts';

/** Anything with connection details: a Simulator, or the CLI's JSON line plus the CA it names. */
export interface Target {
  info: SimulatorInfo & { caPem: string };
}

export const BATCH_SCOPE = 'https://batch.core.windows.net//.default';

export function credential(
  sim: Target,
  overrides: { clientId?: string; clientSecret?: string } = {},
): ClientSecretCredential {
  return new ClientSecretCredential(
    sim.info.tenantId,
    overrides.clientId ?? sim.info.clientId,
    overrides.clientSecret ?? sim.info.clientSecret,
    {
      authorityHost: sim.info.authorityHost,
      disableInstanceDiscovery: true,
      tlsOptions: { ca: sim.info.caPem },
    },
  );
}

/** The 2025-06-01 Batch client against the simulator, trusting its CA; no retries (the client has none). */
export function batchClient(
  sim: Target,
  cred: TokenCredential = credential(sim),
  options: Omit<BatchClientOptions, 'ca'> = {},
): BatchClient {
  return new BatchClient(sim.info.batchUrl, cred, { ca: sim.info.caPem, ...options });
}

/** A credential that asks for `scope` whatever the client wants: a token for the wrong audience. */
export function scopedTo(cred: TokenCredential, scope: string): TokenCredential {
  return { getToken: (_scopes, options) => cred.getToken(scope, options) };
}

export function computeClient(sim: Target, cred: TokenCredential = credential(sim)): ComputeManagementClient {
  return new ComputeManagementClient(cred, sim.info.subscriptionId, {
    endpoint: sim.info.armEndpoint,
    tlsOptions: { ca: sim.info.caPem },
    retryOptions: { maxRetries: 0 },
  });
}

export interface RawResponse {
  status: number;
  statusMessage: string;
  headers: http.IncomingHttpHeaders;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire bodies are checked field by field
  json: any;
}

/** Plain HTTPS (node:https) with the simulator's CA: for wire-level checks and the control API. */
export function raw(
  sim: Target,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: unknown } = {},
): Promise<RawResponse> {
  const url = new URL(path, sim.info.batchUrl);
  const payload =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        ca: sim.info.caPem,
        headers: {
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({
            status: res.statusCode ?? 0,
            statusMessage: res.statusMessage ?? '',
            headers: res.headers,
            text,
            json,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The control API (/_sim/...), JSON in and out. */
export async function control(
  sim: Target,
  method: string,
  path: string,
  body?: unknown,
): Promise<RawResponse> {
  return raw(sim, method, `/_sim${path}`, body === undefined ? {} : { body });
}

export async function tokenFor(sim: Target, scope: string): Promise<string> {
  const t = await credential(sim).getToken(scope);
  if (!t) throw new Error('no token');
  return t.token;
}

export function vmConfig(imageId: string): {
  imageReference: { virtualMachineImageId: string };
  nodeAgentSKUId: string;
} {
  return { imageReference: { virtualMachineImageId: imageId }, nodeAgentSKUId: 'batch.node.ubuntu 22.04' };
}

/** Authorization for raw Batch requests. */
export async function batchAuth(sim: Target): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await tokenFor(sim, BATCH_SCOPE)}` };
}

/**
 * A Batch error as BatchClient surfaces it: a RestError with statusCode, code and the response headers, and
 * the parsed Batch error body on `details` (absent when there was no answer, e.g. a dropped connection).
 */
export type BatchRestError = RestError & {
  details: {
    code: string;
    message: { lang: string; value: string };
    values?: { key: string; value: string }[];
  };
};

export async function rejection(p: Promise<unknown>): Promise<BatchRestError> {
  try {
    await p;
  } catch (err) {
    return err as BatchRestError;
  }
  throw new Error('expected the call to fail');
}
