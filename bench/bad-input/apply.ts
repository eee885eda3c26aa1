// Applies a corpus with kubectl, many objects per call, and works out each object's fate: created, or rejected
// with kubectl's own message. kubectl keeps going after a rejected object and names most of them in its
// error; the few errors that carry no name (strict decoding) are pinned to their object by halving the
// remaining objects until one is left.

import type { CorpusEntry } from './corpus.ts';

export interface KubectlRunner {
  (
    args: string[],
    opts: { input: string; timeoutMs?: number },
  ): Promise<{ code: number; stdout: string; stderr: string }>;
}

export interface Fate {
  accepted: boolean;
  /** kubectl's error for this object (rejected only). */
  message?: string;
}

const CREATED = /^[\w.-]+\/(\S+) created$/;

function errorBlocks(stderr: string): string[] {
  const blocks: string[] = [];
  for (const line of stderr.split('\n')) {
    if (/^(Error from server|error:|Error:)/.test(line) || blocks.length === 0) blocks.push(line);
    else blocks[blocks.length - 1] += `\n${line}`;
  }
  return blocks.map((b) => b.trim()).filter(Boolean);
}

export async function applyEntries(
  entries: readonly CorpusEntry[],
  kubectl: KubectlRunner,
  fates = new Map<string, Fate>(),
): Promise<Map<string, Fate>> {
  if (entries.length === 0) return fates;
  // A stream of JSON documents, not a `kind: List`: kubectl validates a List on the client and gives up on
  // all of it at the first bad item, while separate documents each go to the server on their own.
  const input = entries.map((e) => JSON.stringify(e.manifest)).join('\n');
  const r = await kubectl(['create', '-f', '-'], { input, timeoutMs: 180_000 });
  if (entries.length === 1) {
    const e = entries[0]!;
    fates.set(
      e.id,
      r.code === 0 ? { accepted: true } : { accepted: false, message: (r.stderr || r.stdout).trim() },
    );
    return fates;
  }
  const created = new Set(
    r.stdout
      .split('\n')
      .map((l) => CREATED.exec(l.trim())?.[1])
      .filter((x): x is string => !!x),
  );
  const unnamed: string[] = [];
  const open = new Set(entries.map((e) => e.id));
  for (const e of entries) {
    const name = (e.manifest.metadata as { name?: unknown } | undefined)?.name;
    if (typeof name === 'string' && created.has(name)) {
      fates.set(e.id, { accepted: true });
      open.delete(e.id);
    }
  }
  for (const block of errorBlocks(r.stderr)) {
    const owner = entries.find((e) => {
      const name = (e.manifest.metadata as { name?: unknown } | undefined)?.name;
      return open.has(e.id) && typeof name === 'string' && name !== '' && block.includes(`"${name}"`);
    });
    if (owner) {
      fates.set(owner.id, { accepted: false, message: block });
      open.delete(owner.id);
    } else {
      unnamed.push(block);
    }
  }
  const rest = entries.filter((e) => open.has(e.id));
  if (rest.length === 1 && unnamed.length === 1) {
    fates.set(rest[0]!.id, { accepted: false, message: unnamed[0]! });
  } else if (rest.length > 0) {
    // Rejected objects were not created, so sending them again is safe.
    const half = Math.ceil(rest.length / 2);
    await applyEntries(rest.slice(0, half), kubectl, fates);
    await applyEntries(rest.slice(half), kubectl, fates);
  }
  return fates;
}

/** Applies non-isolated entries in batches and isolated ones one by one. */
export async function applyCorpus(
  entries: readonly CorpusEntry[],
  kubectl: KubectlRunner,
  batchSize = 100,
): Promise<Map<string, Fate>> {
  const fates = new Map<string, Fate>();
  const shared = entries.filter((e) => !e.isolate);
  for (let i = 0; i < shared.length; i += batchSize)
    await applyEntries(shared.slice(i, i + batchSize), kubectl, fates);
  for (const e of entries.filter((x) => x.isolate)) await applyEntries([e], kubectl, fates);
  return fates;
}

const FIELD_IN_MESSAGE = /\b((?:spec|metadata|status)(?:\.[^\s.[\]"':,()]+|\[\d+\])*)/g;
const normalise = (p: string) => p.replace(/\[\d+\]/g, '');

/** Field paths a kubectl error mentions. */
export function fieldsIn(message: string): string[] {
  return [...message.matchAll(FIELD_IN_MESSAGE)].map((m) => normalise(m[1]!));
}

/**
 * Whether the message names a field the entry changed: the field itself, a field inside it, or an object
 * that holds it (but not bare `spec` or `metadata`, which hold everything).
 */
export function namesField(message: string, paths: readonly string[]): boolean {
  const found = fieldsIn(message);
  return paths.some((raw) => {
    const p = normalise(raw);
    return found.some((f) => f === p || f.startsWith(`${p}.`) || (p.startsWith(`${f}.`) && f.includes('.')));
  });
}
