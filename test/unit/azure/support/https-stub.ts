// A bare HTTPS server on loopback that records every request as it arrived and answers as the test says,
// and a TokenCredential that hands out a fixed token and remembers the scopes it was asked for: enough to see
// what a Batch client puts on the wire without the simulator's model in the way.

import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { AccessToken, TokenCredential } from '@azure/identity';
import { generateTlsMaterial } from '../../../../src/simulator/certs.ts';

export interface Arrived {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface HttpsStub {
  endpoint: string;
  ca: string;
  arrived: Arrived[];
  answer: (req: Arrived) => Answer;
  close(): Promise<void>;
}

export async function startHttpsStub(): Promise<HttpsStub> {
  const tls = await generateTlsMaterial();
  const stub = {
    arrived: [] as Arrived[],
    answer: (() => ({ status: 200 })) as (req: Arrived) => Answer,
  };
  const server = https.createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const a: Arrived = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      stub.arrived.push(a);
      const out = stub.answer(a);
      const body = out.body === undefined ? '' : JSON.stringify(out.body);
      res.writeHead(out.status, {
        'request-id': 'rid-1',
        ...(body && { 'content-type': 'application/json;odata=minimalmetadata' }),
        ...out.headers,
      });
      res.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return Object.assign(stub, {
    endpoint: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ca: tls.caPem,
    close: () => new Promise<void>((r) => server.close(() => r())),
  });
}

export function stubCredential(): TokenCredential & { scopes: string[][] } {
  const scopes: string[][] = [];
  return {
    scopes,
    getToken(s: string | string[]): Promise<AccessToken> {
      scopes.push(Array.isArray(s) ? s : [s]);
      return Promise.resolve({ token: 'stub-token', expiresOnTimestamp: Date.now() + 3_600_000 });
    },
  };
}
