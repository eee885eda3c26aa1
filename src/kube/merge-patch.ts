// RFC 7386 merge patch from one JSON value to another: changed keys carry their new value, removed keys
// become null, arrays are replaced whole. Returns undefined when nothing changed.

import { deepEqual } from '../json.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function mergePatch(from: unknown, to: unknown): Json | undefined {
  if (deepEqual(from, to)) return undefined;
  if (!isObject(from) || !isObject(to)) return (to ?? null) as Json;
  const patch: Record<string, Json> = {};
  for (const k of Object.keys(from)) {
    if (from[k] !== undefined && to[k] === undefined) patch[k] = null;
  }
  for (const k of Object.keys(to)) {
    if (to[k] === undefined) continue;
    const p = mergePatch(from[k], to[k]);
    if (p !== undefined) patch[k] = p;
  }
  return patch;
}
