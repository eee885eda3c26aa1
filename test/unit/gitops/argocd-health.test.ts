// Runs gitops/argocd/health.lua in a real Lua VM (Lua 5.4 compiled to WebAssembly, the wasmoon
// package) over the cases in gitops/argocd/health_test.yaml, Argo CD's own test format. The object
// is handed to Lua as a plain table, as Argo CD does.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LuaFactory } from 'wasmoon';
import type { LuaEngine } from 'wasmoon';
import { parse } from 'yaml';

const dir = new URL('../../../gitops/argocd/', import.meta.url);
const script = readFileSync(new URL('health.lua', dir), 'utf8');
const cases = (
  parse(readFileSync(new URL('health_test.yaml', dir), 'utf8')) as {
    tests: { healthStatus: { status: string; message: string }; inputPath: string }[];
  }
).tests;

/** A JSON value as a Lua table constructor; null becomes nil (the key is left out). */
export function toLua(v: unknown): string {
  if (v === null || v === undefined) return 'nil';
  if (typeof v === 'string') return JSON.stringify(v); // JSON string escapes are valid Lua escapes for this data
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `{${v.map(toLua).join(', ')}}`;
  if (v instanceof Date) return JSON.stringify(v.toISOString());
  return `{${Object.entries(v as Record<string, unknown>)
    .filter(([, x]) => x !== null && x !== undefined)
    .map(([k, x]) => `[${JSON.stringify(k)}] = ${toLua(x)}`)
    .join(', ')}}`;
}

let lua: LuaEngine;
beforeAll(async () => {
  lua = await new LuaFactory().createEngine();
});
afterAll(() => lua.global.close());

async function health(obj: unknown): Promise<{ status: string; message: string }> {
  // A fresh function scope per call: the script's locals and `return` stay inside it.
  return (await lua.doString(`obj = ${toLua(obj)}\nreturn (function()\n${script}\nend)()`)) as {
    status: string;
    message: string;
  };
}

describe('Argo CD health.lua for BatchPool', () => {
  it.each(cases)('$inputPath → $healthStatus.status', async ({ inputPath, healthStatus }) => {
    const obj: unknown = parse(readFileSync(new URL(inputPath, dir), 'utf8'));
    expect(await health(obj)).toEqual(healthStatus);
  });

  it('covers all three verdicts', () => {
    expect(new Set(cases.map((c) => c.healthStatus.status))).toEqual(
      new Set(['Healthy', 'Progressing', 'Degraded']),
    );
  });

  it('reports Degraded with the Stalled reason when the condition has no message', async () => {
    const h = await health({
      metadata: { generation: 1 },
      status: {
        observedGeneration: 1,
        conditions: [{ type: 'Stalled', status: 'True', reason: 'AccountNotAllowed' }],
      },
    });
    expect(h).toEqual({ status: 'Degraded', message: 'AccountNotAllowed' });
  });

  it('is Progressing, not an error, for an object with an empty status', async () => {
    expect((await health({ metadata: { generation: 1 }, status: {} })).status).toBe('Progressing');
  });

  it('is embedded verbatim in the argocd-cm patch', () => {
    const cm = parse(readFileSync(new URL('argocd-cm-patch.yaml', dir), 'utf8')) as {
      metadata: { name: string };
      data: Record<string, string>;
    };
    expect(cm.metadata.name).toBe('argocd-cm');
    expect(cm.data['resource.customizations.health.batch.pooloperator.dev_BatchPool']).toBe(script);
  });
});
