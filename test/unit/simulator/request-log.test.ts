// The request log's cursor semantics, including after old entries have been dropped.
import { expect, test } from 'vitest';
import { RequestLog, summarizeBody } from '../../../src/simulator/request-log.ts';

const entry = (path: string) => ({
  time: '',
  simTime: '',
  method: 'GET',
  path,
  query: '',
  api: 'batch' as const,
  operation: 'Pool_Get',
  status: 200,
  clientId: undefined,
  requestId: '',
  durationMs: 0,
});

test('read returns entries after the cursor, and next continues from there', () => {
  const log = new RequestLog();
  for (let i = 1; i <= 5; i++) log.add(entry(`/pools/p${i}`));
  const first = log.read(0, 2);
  expect(first.entries.map((e) => e.seq)).toEqual([1, 2]);
  const rest = log.read(first.next);
  expect(rest.entries.map((e) => e.path)).toEqual(['/pools/p3', '/pools/p4', '/pools/p5']);
  expect(log.read(rest.next)).toEqual({ entries: [], next: 5 });
});

test('a full log drops its oldest entries but keeps counting, and a stale cursor resumes at the oldest kept', () => {
  const log = new RequestLog(8);
  for (let i = 1; i <= 30; i++) log.add(entry(`/pools/p${i}`));
  const all = log.read(0).entries.map((e) => e.seq);
  expect(all.length).toBeGreaterThanOrEqual(8);
  expect(all.at(-1)).toBe(30);
  expect(all).toEqual(Array.from({ length: all.length }, (_, i) => 31 - all.length + i));
  expect(log.read(28).entries.map((e) => e.seq)).toEqual([29, 30]);
});

test('summarizeBody keeps the few fields of an add or a resize that tests check, bounded, and nothing else', () => {
  const add = {
    id: 'render',
    vmSize: 'STANDARD_D2S_V3',
    virtualMachineConfiguration: {
      imageReference: { virtualMachineImageId: `/subscriptions/s/${'x'.repeat(1000)}` },
      nodeAgentSKUId: 'batch.node.ubuntu 22.04',
    },
    targetDedicatedNodes: 3,
    targetLowPriorityNodes: 0,
    metadata: [{ name: 'batchpool-operator-uid', value: 'u' }],
  };
  const summary = summarizeBody('Pool_Add', Buffer.from(JSON.stringify(add)));
  expect(summary).toEqual({
    id: 'render',
    vmSize: 'STANDARD_D2S_V3',
    imageId: `/subscriptions/s/${'x'.repeat(300 - '/subscriptions/s/'.length)}`,
    targetDedicatedNodes: 3,
    targetLowPriorityNodes: 0,
    nodeAgentSKUId: 'batch.node.ubuntu 22.04',
  });
  expect(
    summarizeBody(
      'Pool_Add',
      Buffer.from(
        JSON.stringify({
          ...add,
          virtualMachineConfiguration: {
            ...add.virtualMachineConfiguration,
            securityProfile: { securityType: 'trustedLaunch' },
          },
        }),
      ),
    )?.securityType,
  ).toBe('trustedLaunch');
  const resize = {
    targetDedicatedNodes: 5,
    targetLowPriorityNodes: '7', // wrong type: left out
    resizeTimeout: 'PT20M',
    nodeDeallocationOption: 'taskcompletion',
  };
  expect(summarizeBody('Pool_Resize', Buffer.from(JSON.stringify(resize)))).toEqual({
    targetDedicatedNodes: 5,
    resizeTimeout: 'PT20M',
    nodeDeallocationOption: 'taskcompletion',
  });
  expect(summarizeBody('Pool_Resize', Buffer.from('not json'))).toBeUndefined();
  expect(summarizeBody('Pool_Resize', Buffer.from('[1]'))).toBeUndefined();
  expect(summarizeBody('Pool_Patch', Buffer.from(JSON.stringify(resize)))).toBeUndefined();
  expect(
    summarizeBody('Pool_Resize', Buffer.from(JSON.stringify({ ...resize, pad: 'y'.repeat(70_000) }))),
  ).toBeUndefined();
});
