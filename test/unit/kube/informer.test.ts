// The informer wrapper against a fake apiserver watch endpoint: client-node stops for good after a non-410
// error; ours restarts with backoff, relists after 410 Gone, and hands every (re)list to onResync.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { realClock } from '../../../src/clock.ts';
import { ResilientInformer, stripUnread } from '../../../src/kube/informer.ts';

type Obj = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace: string;
    resourceVersion: string;
    managedFields?: unknown[];
    annotations?: Record<string, string>;
  };
};
const obj = (name: string, rv: string): Obj => ({
  apiVersion: 'v1',
  kind: 'Thing',
  metadata: { name, namespace: 'ns', resourceVersion: rv },
});

let server: http.Server | undefined;
let informer: ResilientInformer<Obj> | undefined;
afterEach(async () => {
  await informer?.stop();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

async function fakeApiserver(watchAnswers: ((res: http.ServerResponse) => void)[]) {
  let n = 0;
  server = http.createServer((req, res) => {
    if (!req.url?.includes('watch=true')) return res.writeHead(404).end();
    const answer = watchAnswers[Math.min(n++, watchAnswers.length - 1)]!;
    answer(res);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'c',
        server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        skipTLSVerify: true,
      },
    ],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return { kc, watches: () => n };
}

const until = async (cond: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('ResilientInformer', () => {
  it('restarts after a watch error, relists after 410 Gone, and resyncs on every list', async () => {
    const { kc, watches } = await fakeApiserver([
      (res) => res.writeHead(500, { 'content-type': 'application/json' }).end('{"kind":"Status","code":500}'),
      (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } }) + '\n',
        );
      },
      (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(JSON.stringify({ type: 'ADDED', object: obj('b', '3') }) + '\n');
      },
    ]);
    let lists = 0;
    const resyncs: string[][] = [];
    const errors: number[] = [];
    const added: string[] = [];
    informer = new ResilientInformer<Obj>(
      kc,
      '/api/v1/things',
      () => {
        lists++;
        return Promise.resolve({ items: [obj('a', '1')], metadata: { resourceVersion: String(lists) } });
      },
      realClock,
      {
        onAdd: (o) => added.push(o.metadata.name),
        onUpdate: () => {},
        onDelete: () => {},
        onResync: (items) => resyncs.push(items.map((i) => i.metadata.name)),
        onError: (_err, ms) => errors.push(ms),
      },
    );
    await informer.start();
    await informer.waitForSync();
    await until(() => added.includes('b'));
    expect(watches()).toBeGreaterThanOrEqual(3);
    expect(errors[0]).toBe(500); // first restart after 500 ms
    // The list at start and the relist after the 410; the restart after the 500 resumes the watch from the
    // last resourceVersion (the apiserver replays what was missed) and resyncs from the cache.
    expect(lists).toBe(2);
    expect(resyncs.length).toBe(3);
    expect(resyncs.every((r) => r.join() === 'a')).toBe(true);
    expect(
      informer
        .list()
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual(['a', 'b']);
  });

  it('keeps no managedFields or last-applied configuration in its cache, from the list or the watch', async () => {
    const heavy = (name: string, rv: string, annotations: Record<string, string>): Obj => ({
      ...obj(name, rv),
      metadata: {
        ...obj(name, rv).metadata,
        managedFields: [{ manager: 'kubectl', operation: 'Apply', fieldsV1: { 'f:spec': {} } }],
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"spec":{}}', ...annotations },
      },
    });
    const { kc } = await fakeApiserver([
      (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(JSON.stringify({ type: 'ADDED', object: heavy('watched', '3', {}) }) + '\n');
        res.write(JSON.stringify({ type: 'MODIFIED', object: heavy('listed', '4', { keep: 'me' }) }) + '\n');
      },
    ]);
    const handed: Obj[] = [];
    informer = new ResilientInformer<Obj>(
      kc,
      '/api/v1/things',
      () =>
        Promise.resolve({
          items: [heavy('listed', '1', { keep: 'me' })],
          metadata: { resourceVersion: '2' },
        }),
      realClock,
      {
        transform: stripUnread,
        onAdd: (o) => handed.push(o),
        onUpdate: (o) => handed.push(o),
        onDelete: () => {},
        onResync: (items) => handed.push(...items),
      },
    );
    await informer.start();
    await informer.waitForSync();
    await until(
      () =>
        informer!.get('listed', 'ns')?.metadata.resourceVersion === '4' && !!informer!.get('watched', 'ns'),
    );
    for (const o of [...informer.list(), ...handed]) {
      expect(o.metadata.managedFields).toBeUndefined();
      expect(o.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toBeUndefined();
    }
    // Other annotations (the paused one, say) stay; an object left with none has no annotations map.
    expect(informer.get('listed', 'ns')?.metadata.annotations).toEqual({ keep: 'me' });
    expect(informer.get('watched', 'ns')?.metadata.annotations).toBeUndefined();
  });
});
