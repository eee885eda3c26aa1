// RFC 7386: applies a merge patch to a JSON value, as the apiserver does with a merge-patch request, and says
// whether anything changed (the apiserver then writes nothing). Copy-on-write along the patched paths only, so
// the cost follows the patch, not the object: benchmarks run the reconcile, status writes included, in memory.

import { isDeepStrictEqual } from 'node:util';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const isObject = (v: unknown): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The patched value. It shares the unchanged parts with `target` (treat both as read-only afterwards) and
 * nothing with `patch`.
 */
export function applyMergePatch(target: unknown, patch: unknown): { value: unknown; changed: boolean } {
  return merge(target as Json | undefined, patch as Json);
}

function merge(target: Json | undefined, patch: Json): { value: Json; changed: boolean } {
  if (!isObject(patch)) {
    return isDeepStrictEqual(target, patch)
      ? { value: patch, changed: false }
      : { value: structuredClone(patch), changed: true };
  }
  const base = isObject(target) ? target : undefined;
  let out = base ? undefined : ({} as Record<string, Json>);
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) {
      if (base && k in base) {
        out ??= { ...base };
        delete out[k];
      }
      continue;
    }
    const r = merge(base?.[k], v);
    if (r.changed) {
      out ??= { ...base };
      out[k] = r.value;
    }
  }
  return out ? { value: out, changed: true } : { value: base!, changed: false };
}
