// The bad-input corpus generator and the rule that decides whether kubectl's error names the field.
import { describe, expect, it } from 'vitest';
import { fieldsIn, namesField } from '../../../bench/bad-input/apply.ts';
import { generateCorpus, setPath } from '../../../bench/bad-input/corpus.ts';

const options = {
  prefix: 'bi',
  imageId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/images/x',
  accountName: 'acct',
  endpoint: 'https://127.0.0.1:8443',
  namespace: 'ns',
};

describe('generateCorpus', () => {
  it('makes more than a thousand manifests with unique names, the same ones for the same seed', () => {
    const a = generateCorpus(options);
    const b = generateCorpus(options);
    expect(a.length).toBeGreaterThanOrEqual(1000);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(new Set(a.map((e) => e.id)).size).toBe(a.length);
    expect(JSON.stringify(generateCorpus({ ...options, seed: 7 }))).not.toBe(JSON.stringify(a));
  });

  it('covers both kinds, missing fields, wrong types, huge strings and unknown fields', () => {
    const c = generateCorpus(options);
    const d = c.map((e) => e.description).join('\n');
    expect(c.some((e) => e.kind === 'BatchAccount')).toBe(true);
    for (const word of ['missing', 'boolean', 'huge string', 'emoji', 'unknown field', 'random JSON'])
      expect(d).toContain(word);
  });
});

describe('setPath', () => {
  it('sets, deletes and creates nested fields and list items', () => {
    const o: Record<string, unknown> = { spec: { a: [{ b: 1 }, { b: 2 }] } };
    setPath(o, 'spec.a[1].b', 'x');
    setPath(o, 'spec.c.d', 3);
    setPath(o, 'spec.a[0]', undefined);
    expect(o).toEqual({ spec: { a: [{ b: 'x' }], c: { d: 3 } } });
  });
});

describe('namesField', () => {
  it('finds field paths in server-side and client-side kubectl errors', () => {
    expect(
      fieldsIn(
        'BatchPool.batch.pooloperator.dev "x" is invalid: [spec.startTask.resourceFiles[0].httpUrl: Invalid value',
      ),
    ).toContain('spec.startTask.resourceFiles.httpUrl');
    expect(fieldsIn('ValidationError(BatchPool.spec.image): invalid type')).toEqual(['spec.image']);
  });

  it('accepts the field, a field inside it, or an object holding it, but not bare spec', () => {
    const msg = (f: string) => `is invalid: ${f}: Invalid value: "x"`;
    expect(namesField(msg('spec.resizeTimeout'), ['spec.resizeTimeout'])).toBe(true);
    expect(namesField(msg('spec.image.id'), ['spec.image'])).toBe(true);
    expect(namesField(msg('spec.resizeStrategy'), ['spec.resizeStrategy.backoff.max'])).toBe(true);
    expect(namesField(msg('spec'), ['spec.vmSize'])).toBe(false);
    expect(namesField(msg('spec.vmSize'), ['spec.poolId'])).toBe(false);
    expect(namesField('unknown field "spec.resizeTimout"', ['spec.resizeTimout'])).toBe(true);
  });
});
