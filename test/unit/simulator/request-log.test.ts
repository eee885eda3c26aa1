// The request log's cursor semantics, including after old entries have been dropped.
import { expect, test } from 'vitest';
import { RequestLog } from '../../../src/simulator/request-log.ts';

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
