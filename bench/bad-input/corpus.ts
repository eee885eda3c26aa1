// A seeded corpus of bad and edge-case BatchPool and BatchAccount manifests: every field of a minimal and a
// fully populated object, mutated one at a time (missing, null, wrong types, boundaries, unicode, huge strings,
// path tricks), random combinations of mutations, unknown fields, odd metadata, random spec trees, and fuzzed
// accounts. Each entry says which field paths it changed, so a rejection can be checked for naming one of them.

import { API_VERSION } from '../../src/api/types.ts';
import { validFullPoolSpec, fullAccountSpec } from '../../test/unit/api/full-objects.ts';
import { int, pick, seededRandom, type Random } from '../../test/support/prng.ts';

export interface CorpusEntry {
  /** Also the object's metadata.name, unless the entry mutates the name itself. */
  id: string;
  kind: 'BatchPool' | 'BatchAccount';
  category: string;
  /** Field paths (dotted, with [i] for list items) the entry changed. */
  paths: string[];
  description: string;
  manifest: Record<string, unknown>;
  /** Changes what kubectl can decode (metadata, kind, apiVersion): apply it on its own. */
  isolate: boolean;
}

export interface CorpusOptions {
  seed?: number;
  /** Prefix of every object name (keep it unique per run: BatchAccounts are cluster-scoped). */
  prefix: string;
  /** The image and account the valid bases use (so accepted pools can really be reconciled). */
  imageId: string;
  accountName: string;
  /** Endpoint of the valid account base (e.g. the simulator's Batch URL). */
  endpoint: string;
  /** The namespace the BatchAccount base allows. */
  namespace: string;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const HUGE = 'a'.repeat(100_000);
const HUGE_UNICODE = '\u00e9\u6f22'.repeat(20_000);

/** Values that replace one field: wrong types, boundaries, unicode, huge and tricky strings. */
export const VALUE_MUTATIONS: { name: string; value: Json | undefined }[] = [
  { name: 'missing', value: undefined },
  { name: 'null', value: null },
  { name: 'empty string', value: '' },
  { name: 'blank string', value: '   ' },
  { name: 'string', value: 'not-what-you-expect' },
  { name: 'numeric string', value: '10' },
  { name: 'zero', value: 0 },
  { name: 'negative', value: -1 },
  { name: 'float', value: 2.5 },
  { name: 'int32 max + 1', value: 2 ** 31 },
  { name: 'beyond 2^53', value: 2 ** 53 + 2 },
  { name: 'huge float', value: 1e308 },
  { name: 'boolean', value: true },
  { name: 'empty list', value: [] },
  { name: 'list', value: ['a', 1, null] },
  { name: 'empty object', value: {} },
  { name: 'object', value: { unexpected: 'x' } },
  { name: 'huge string (100k)', value: HUGE },
  { name: 'huge unicode string (40k chars)', value: HUGE_UNICODE },
  { name: 'emoji', value: '\u{1F680}\u{1F525}' },
  { name: 'right-to-left override', value: '\u202Etxt.exe' },
  { name: 'zero-width space', value: 'pool\u200B' },
  { name: 'combining accent', value: 'pe\u0301' },
  { name: 'NUL byte', value: 'a\u0000b' },
  { name: 'newline', value: 'a\nb' },
  { name: 'path traversal', value: '../../etc/passwd' },
  { name: 'shell expansion', value: '$(reboot)' },
  { name: 'html', value: '<script>alert(1)</script>' },
  { name: 'SQL', value: "' OR 1=1 --" },
  { name: '65 characters', value: 'p'.repeat(65) },
  { name: 'upper case', value: 'UPPER' },
];

/** Numbers around the limits the API documents. */
const NUMBER_EDGES: Json[] = [0, 1, 5, 256, 257, 1000, 1001, 2500, 2501, 65535, 65536, -2500];

function leafPaths(value: unknown, base: string, out: string[] = []): string[] {
  if (Array.isArray(value)) {
    out.push(base);
    value.forEach((v, i) => leafPaths(v, `${base}[${i}]`, out));
  } else if (value !== null && typeof value === 'object') {
    if (base) out.push(base);
    for (const [k, v] of Object.entries(value)) leafPaths(v, base ? `${base}.${k}` : k, out);
  } else {
    out.push(base);
  }
  return out;
}

const TOKEN = /([^.[\]]+)|\[(\d+)\]/g;
function tokens(path: string): (string | number)[] {
  return [...path.matchAll(TOKEN)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
}

/**
 * Sets (or with `undefined`, deletes) the value at a dotted path, creating objects on the way. Returns the
 * path of the outermost object it had to create, if any: the manifest then has a new object there, whose
 * own required fields are missing too, and an error about them is an error about this mutation.
 */
export function setPath(root: Record<string, unknown>, path: string, value: unknown): string | undefined {
  const t = tokens(path);
  let node: Record<string | number, unknown> = root;
  let created: string | undefined;
  for (let i = 0; i < t.length - 1; i++) {
    const k = t[i]!;
    let next = node[k];
    if (next === null || typeof next !== 'object') {
      next = typeof t[i + 1] === 'number' ? [] : {};
      node[k] = next;
      created ??= t
        .slice(0, i + 1)
        .map((x) => (typeof x === 'number' ? `[${x}]` : `.${x}`))
        .join('')
        .slice(1);
    }
    node = next as Record<string | number, unknown>;
  }
  const last = t[t.length - 1]!;
  if (value === undefined) {
    if (Array.isArray(node) && typeof last === 'number') node.splice(last, 1);
    else delete node[last];
  } else {
    node[last] = value;
  }
  return created;
}

function randomJson(random: Random, depth = 0): Json {
  const r = random();
  if (depth > 3 || r < 0.35) {
    return pick<Json>(random, [
      null,
      true,
      false,
      int(random, -5000, 5000),
      random() * 1e6,
      '',
      'x'.repeat(int(random, 1, 300)),
      String.fromCodePoint(int(random, 0x20, 0x2fff)).repeat(int(random, 1, 20)),
      pick(random, VALUE_MUTATIONS).value ?? null,
    ]);
  }
  if (r < 0.6) return Array.from({ length: int(random, 0, 4) }, () => randomJson(random, depth + 1));
  const o: Record<string, Json> = {};
  const keys = ['name', 'value', 'id', 'initial', 'max', 'endpoint', 'x', '\u00fcml', 'spec', ''];
  for (let i = int(random, 0, 4); i > 0; i--) o[pick(random, keys)] = randomJson(random, depth + 1);
  return o;
}

export function generateCorpus(o: CorpusOptions): CorpusEntry[] {
  const random = seededRandom(o.seed ?? 20261126);
  const entries: CorpusEntry[] = [];
  let n = 0;
  const nextName = () => `${o.prefix}-${String(++n).padStart(4, '0')}`;

  const minimalPool = (): Record<string, unknown> => ({
    accountRef: { name: o.accountName },
    vmSize: 'Standard_D4s_v5',
    image: { id: o.imageId },
    nodeAgentSkuId: 'batch.node.ubuntu 22.04',
    targetDedicatedNodes: 2,
  });
  const fullPool = (): Record<string, unknown> => {
    const spec = validFullPoolSpec() as unknown as Record<string, unknown>;
    spec.accountRef = { name: o.accountName };
    spec.image = { id: o.imageId };
    delete spec.poolId; // so the object's name is the pool ID and names stay unique
    spec.deletionPolicy = 'Delete';
    return spec;
  };
  const pool = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: API_VERSION,
    kind: 'BatchPool',
    metadata: { name, namespace: o.namespace },
    spec,
  });
  const accountSpec = (): Record<string, unknown> => ({
    ...(structuredClone(fullAccountSpec) as unknown as Record<string, unknown>),
    endpoint: o.endpoint,
    allowedNamespaces: [o.namespace],
  });
  const account = (name: string, spec: Record<string, unknown>) => ({
    apiVersion: API_VERSION,
    kind: 'BatchAccount',
    metadata: { name },
    spec,
  });
  const add = (e: Omit<CorpusEntry, 'isolate'> & { isolate?: boolean }) =>
    entries.push({ isolate: false, ...e });

  // 1. Every field of both pool bases and the account base, one value mutation at a time.
  const bases: { label: string; kind: CorpusEntry['kind']; spec: () => Record<string, unknown> }[] = [
    { label: 'minimal pool', kind: 'BatchPool', spec: minimalPool },
    { label: 'full pool', kind: 'BatchPool', spec: fullPool },
    { label: 'account', kind: 'BatchAccount', spec: accountSpec },
  ];
  for (const base of bases) {
    for (const path of leafPaths(base.spec(), 'spec')) {
      // The full pool has many fields: a seeded sample of the mutations for each keeps the corpus quick to apply.
      const mutations =
        base.label === 'full pool' ? VALUE_MUTATIONS.filter(() => random() < 0.25) : VALUE_MUTATIONS;
      for (const m of mutations) {
        const spec = base.spec();
        const manifest = base.kind === 'BatchPool' ? pool(nextName(), spec) : account(nextName(), spec);
        setPath(manifest, path, structuredClone(m.value));
        add({
          id: manifest.metadata.name,
          kind: base.kind,
          category: `${base.label}: one field`,
          paths: [path],
          description: `${base.label}, ${path} = ${m.name}`,
          manifest,
        });
      }
    }
  }

  // 2. Numeric fields at the documented edges.
  for (const path of [
    'spec.targetDedicatedNodes',
    'spec.targetLowPriorityNodes',
    'spec.resizeStrategy.maxNodesPerResize',
    'spec.resizeStrategy.maxAttempts',
    'spec.taskSlotsPerNode',
    'spec.startTask.maxTaskRetryCount',
    'spec.networkConfiguration.endpointConfiguration.inboundNATPools[0].backendPort',
  ]) {
    for (const v of NUMBER_EDGES) {
      const manifest = pool(nextName(), fullPool());
      setPath(manifest, path, v);
      add({
        id: manifest.metadata.name,
        kind: 'BatchPool',
        category: 'numeric edges',
        paths: [path],
        description: `${path} = ${JSON.stringify(v)}`,
        manifest,
      });
    }
  }

  // 3. Strings that look almost right.
  const nearly: [string, string[]][] = [
    [
      'spec.resizeTimeout',
      ['PT4M59S', 'PT5M', 'P1D', 'PT', 'P', 'PT1.5H', 'pt20m', '20m', 'PT20M ', 'P1000D', 'PT999999M'],
    ],
    ['spec.resizeStrategy.backoff.initial', ['0s', '1s', '999ms', '25h', '1h1h', '1.5s', '-1s', '10', 's']],
    ['spec.resizeStrategy.backoff.max', ['24h', '24h1s', '1s', '1ms', '1d']],
    ['spec.nodeDeallocationOption', ['Requeue', 'REQUEUE', 'terminate ', 'retainedData', 'delete']],
    ['spec.deletionPolicy', ['delete', 'DELETE', 'Orphan', 'Retain\u200B']],
    [
      'spec.poolId',
      ['a', 'p'.repeat(64), 'p'.repeat(65), 'with.dot', 'with space', 'ümlaut', '-lead', '_x_'],
    ],
    ['spec.vmSize', ['standard_d4s_v5', 'Standard D4s v5', 'Standard_D4s_v5;rm', 'x'.repeat(100)]],
    [
      'spec.nodeAgentSkuId',
      ['batch.node.', 'Batch.Node.ubuntu 22.04', 'ubuntu 22.04', 'batch.node.windows amd64'],
    ],
    [
      'spec.image.id',
      [
        o.imageId.toLowerCase(),
        o.imageId.toUpperCase(),
        `${o.imageId}/`,
        `${o.imageId}/versions/1.0.0`,
        o.imageId.replace('/images/', '/galleries/g/images/') + '/versions/1',
        o.imageId.replace('/images/', '/galleries/g/images/') + '/versions/1.0.0',
        o.imageId.replace('/images/', '/galleries/g/images/'),
        o.imageId.replace('Microsoft.Compute', 'Microsoft.Storage'),
        'Canonical:ubuntu:22_04-lts:latest',
      ],
    ],
    ['spec.accountRef.name', ['UPPER', 'a'.repeat(254), 'with space', 'dots.are.ok', '-lead']],
  ];
  for (const [path, values] of nearly) {
    for (const v of values) {
      const manifest = pool(nextName(), path.startsWith('spec.resizeStrategy') ? fullPool() : minimalPool());
      setPath(manifest, path, v);
      add({
        id: manifest.metadata.name,
        kind: 'BatchPool',
        category: 'nearly right strings',
        paths: [path],
        description: `${path} = ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`,
        manifest,
      });
    }
  }
  const endpoints = [
    'http://prodbatch.westeurope.batch.azure.com',
    'https://',
    'https://host/path',
    'https://host?q=1',
    'https://127.0.0.1:65536',
    'https://[::1]:8443',
    'https://xn--bcher-kva.example',
    'https://b\u00fccher.example',
    'ftp://host',
    'prodbatch.westeurope.batch.azure.com',
    `https://${'h'.repeat(300)}.com`,
  ];
  for (const v of endpoints) {
    const manifest = account(nextName(), accountSpec());
    setPath(manifest, 'spec.endpoint', v);
    add({
      id: manifest.metadata.name,
      kind: 'BatchAccount',
      category: 'nearly right strings',
      paths: ['spec.endpoint'],
      description: `spec.endpoint = ${JSON.stringify(v.slice(0, 60))}`,
      manifest,
    });
  }
  const nsLists: Json[] = [
    ['*'],
    ['*', 'vfx'],
    ['vfx', 'vfx'],
    ['VFX'],
    [''],
    Array.from({ length: 300 }, (_, i) => `ns${i}`),
    ['a'.repeat(64)],
  ];
  for (const v of nsLists) {
    const manifest = account(nextName(), accountSpec());
    setPath(manifest, 'spec.allowedNamespaces', v);
    add({
      id: manifest.metadata.name,
      kind: 'BatchAccount',
      category: 'nearly right strings',
      paths: ['spec.allowedNamespaces'],
      description: `spec.allowedNamespaces = ${JSON.stringify(v).slice(0, 60)}`,
      manifest,
    });
  }

  // 4. Unknown fields, at several depths (strict field validation must name them).
  for (const path of [
    'spec.resizeTimout',
    'spec.targetDedicatedNode',
    'spec.image.name',
    'spec.resizeStrategy.backoff.factor',
    'spec.startTask.command',
    'spec.accountRef.namespace',
    'status.phase',
    'spec.\u00fcnknown',
  ]) {
    const manifest = pool(nextName(), fullPool());
    setPath(manifest, path, path.startsWith('status') ? 'Ready' : 'x');
    add({
      id: manifest.metadata.name,
      kind: 'BatchPool',
      category: 'unknown fields',
      paths: [path],
      description: `unknown field ${path}`,
      manifest,
    });
  }

  // 5. Metadata that kubectl or the apiserver must judge (each applied on its own).
  const names: [string, Json | undefined][] = [
    ['upper-case name', 'UPPER'],
    ['name with a dot and no poolId', 'has.dot'],
    ['name of 253 characters', 'a'.repeat(253)],
    ['name of 254 characters', 'a'.repeat(254)],
    ['unicode name', 'p\u00f6\u00f6l'],
    ['empty name', ''],
    ['missing name', undefined],
    ['numeric name', 12],
  ];
  for (const [what, v] of names) {
    const manifest = pool(nextName(), minimalPool());
    const id = manifest.metadata.name;
    setPath(manifest, 'metadata.name', v);
    add({
      id,
      kind: 'BatchPool',
      category: 'metadata',
      paths: ['metadata.name'],
      description: what,
      manifest,
      isolate: true,
    });
  }
  const annotations: [string, Json][] = [
    ['paused = "yes"', { 'batch.pooloperator.dev/paused': 'yes' }],
    ['paused = "TRUE"', { 'batch.pooloperator.dev/paused': 'TRUE' }],
    ['paused = ""', { 'batch.pooloperator.dev/paused': '' }],
    ['annotation value 200 KiB', { note: 'n'.repeat(200_000) }],
    ['annotation value not a string', { note: 5 }],
    ['label with unicode value', { '\u00fc': 'x' }],
  ];
  for (const [what, v] of annotations) {
    const manifest = pool(nextName(), minimalPool());
    setPath(manifest, what.startsWith('label') ? 'metadata.labels' : 'metadata.annotations', v);
    add({
      id: manifest.metadata.name,
      kind: 'BatchPool',
      category: 'metadata',
      paths: [what.startsWith('label') ? 'metadata.labels' : 'metadata.annotations'],
      description: what,
      manifest,
      isolate: true,
    });
  }
  for (const [what, path, v] of [
    ['no spec at all', 'spec', undefined],
    ['spec is a string', 'spec', 'spec'],
    ['spec is a list', 'spec', []],
    ['spec is null', 'spec', null],
  ] as [string, string, Json | undefined][]) {
    const manifest = pool(nextName(), minimalPool());
    setPath(manifest, path, v);
    add({
      id: manifest.metadata.name,
      kind: 'BatchPool',
      category: 'whole spec',
      paths: [path],
      description: what,
      manifest,
      isolate: true,
    });
  }

  // 6. Random combinations of 2–5 one-field mutations of a valid base.
  const poolPaths = [...new Set([...leafPaths(minimalPool(), 'spec'), ...leafPaths(fullPool(), 'spec')])];
  for (let i = 0; i < 150; i++) {
    const full = random() < 0.5;
    const manifest = pool(nextName(), full ? fullPool() : minimalPool());
    const paths: string[] = [];
    const parts: string[] = [];
    for (let k = int(random, 2, 5); k > 0; k--) {
      const path = pick(random, poolPaths);
      const m =
        random() < 0.25
          ? { name: 'numeric edge', value: pick(random, NUMBER_EDGES) }
          : pick(random, VALUE_MUTATIONS);
      const created = setPath(manifest, path, structuredClone(m.value));
      paths.push(path, ...(created ? [created] : []));
      parts.push(`${path} = ${m.name}`);
    }
    add({
      id: manifest.metadata.name,
      kind: 'BatchPool',
      category: 'random combinations',
      paths,
      description: parts.join('; '),
      manifest,
    });
  }

  // 7. Random JSON trees in place of whole sub-objects.
  for (let i = 0; i < 60; i++) {
    const path = pick(random, [
      'spec.resizeStrategy',
      'spec.startTask',
      'spec.networkConfiguration',
      'spec.image',
      'spec.metadata',
      'spec.accountRef',
    ]);
    const manifest = pool(nextName(), fullPool());
    setPath(manifest, path, randomJson(random));
    add({
      id: manifest.metadata.name,
      kind: 'BatchPool',
      category: 'random trees',
      paths: [path],
      description: `${path} = random JSON`,
      manifest,
    });
  }
  return entries;
}
