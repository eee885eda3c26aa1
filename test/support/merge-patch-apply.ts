// RFC 7386: applies a merge patch to a JSON value, as the apiserver does with a merge-patch request.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const isObject = (v: unknown): v is Record<string, Json> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The patched value, sharing nothing with either argument. */
export function applyMergePatch(target: unknown, patch: unknown): Json {
  return mergeInto(structuredClone(target ?? null) as Json, structuredClone(patch) as Json);
}

function mergeInto(target: Json, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const out = isObject(target) ? target : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergeInto(out[k] ?? null, v);
  }
  return out;
}
