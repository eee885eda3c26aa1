import { createServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { generateTlsMaterial } from '../../../src/simulator/certs.ts';
import { reuseDispatchers } from '../../../src/kube/dispatcher.ts';

function kubeConfig(server: string, caPem: string, token = 't'): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, caData: Buffer.from(caPem).toString('base64') }],
    users: [{ name: 'u', token }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

describe('reuseDispatchers', () => {
  it('reuses connections across API calls (client-node alone opens one per call)', async () => {
    const tls = await generateTlsMaterial();
    const sockets = new Set<Socket>();
    const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ kind: 'NamespaceList', apiVersion: 'v1', metadata: {}, items: [] }));
    });
    server.on('secureConnection', (s: Socket) => sockets.add(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const count = async (kc: KubeConfig) => {
        sockets.clear();
        const api = kc.makeApiClient(CoreV1Api);
        for (let i = 0; i < 20; i++) await api.listNamespace();
        return sockets.size;
      };
      expect(await count(kubeConfig(url, tls.caPem))).toBe(20);
      // One dispatcher: its small connection pool serves every call (undici may open a second socket
      // while the first response is still being read).
      expect(await count(reuseDispatchers(kubeConfig(url, tls.caPem)))).toBeLessThanOrEqual(2);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('makes a new dispatcher when the TLS material changes (a rotated certificate)', () => {
    const kc = reuseDispatchers(kubeConfig('https://127.0.0.1:1', 'unused'));
    const make = (kc as unknown as { createDispatcher: (c: unknown, o: unknown) => unknown })
      .createDispatcher;
    const cluster = { name: 'c', server: 'https://127.0.0.1:1' };
    const a = make(cluster, { ca: Buffer.from('ca-1') });
    expect(make(cluster, { ca: Buffer.from('ca-1') })).toBe(a);
    expect(make(cluster, { ca: Buffer.from('ca-2') })).not.toBe(a);
  });
});
