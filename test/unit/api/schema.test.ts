// Cheap checks that the schema is complete and consistent, and that the examples and the printer
// columns agree with it. The TypeScript types are derived from the schema; types.test.ts checks them.
// What the apiserver does with the schema is proven in test/e2e/api-*.test.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  BATCHACCOUNT_COLUMNS,
  BATCHPOOL_COLUMNS,
  batchAccountCrd,
  batchPoolCrd,
} from '../../../src/api/crds.ts';
import type { JSONSchemaProps } from '../../../src/api/openapi.ts';
import {
  batchAccountSchema,
  batchPoolSchema,
  GO_DURATION_REGEX,
  IMAGE_ID_REGEX,
  ISO_DURATION_REGEX,
  POOL_ID_REGEX,
  SUBNET_ID_REGEX,
} from '../../../src/api/schema.ts';
import { DEFAULTS, IMAGE_LIMITS } from '../../../src/api/constants.ts';

const root = join(import.meta.dirname, '..', '..', '..');

/** Every property of a schema as a dotted path; list items appear as `[]`. */
function schemaPaths(schema: JSONSchemaProps, prefix = ''): Map<string, JSONSchemaProps> {
  const out = new Map<string, JSONSchemaProps>();
  for (const [key, sub] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    out.set(path, sub);
    for (const [p, s] of schemaPaths(sub, path)) out.set(p, s);
    if (sub.items) {
      out.set(`${path}[]`, sub.items);
      for (const [p, s] of schemaPaths(sub.items, `${path}[]`)) out.set(p, s);
    }
  }
  return out;
}

/** Every leaf of a value as dotted path → value, in the same notation. */
function valuePaths(value: unknown, prefix: string, out = new Map<string, unknown>()): Map<string, unknown> {
  if (Array.isArray(value)) {
    for (const item of value) valuePaths(item, `${prefix}[]`, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) valuePaths(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, value);
  }
  return out;
}

const jsonType = (v: unknown) =>
  typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v;

describe.each([
  ['BatchPool', batchPoolSchema],
  ['BatchAccount', batchAccountSchema],
])('the %s schema', (_kind, schema: JSONSchemaProps) => {
  const paths = schemaPaths(schema);

  it('describes every field, for kubectl explain', () => {
    // metadata is the one exception: the apiserver refuses anything but `type: object` there.
    const undocumented = [...paths]
      .filter(([p, s]) => p !== 'metadata' && !s.description?.trim())
      .map(([p]) => p);
    expect(undocumented).toEqual([]);
  });

  it('keys every map-type list by required fields', () => {
    for (const [p, s] of paths) {
      for (const key of s['x-kubernetes-list-map-keys'] ?? []) expect(s.items?.required, p).toContain(key);
    }
  });

  it('gives every CEL rule a message that names a field', () => {
    for (const [p, s] of paths) {
      for (const rule of s['x-kubernetes-validations'] ?? []) {
        expect(rule.message, `${p}: ${rule.rule}`).toMatch(/(spec|metadata)\.[a-zA-Z]+|inboundNATPools\[\]/);
      }
    }
  });
});

describe('the BatchPool schema', () => {
  const spec = schemaPaths(batchPoolSchema);

  it('defaults what DEFAULTS in constants.ts says the apiserver defaults', () => {
    expect(spec.get('spec.resizeTimeout')?.default).toBe(DEFAULTS.resizeTimeout);
    expect(spec.get('spec.deletionPolicy')?.default).toBe(DEFAULTS.deletionPolicy);
    expect(spec.get('spec.nodeDeallocationOption')?.default).toBe(DEFAULTS.nodeDeallocationOption);
    expect(spec.get('spec.targetLowPriorityNodes')?.default).toBe(DEFAULTS.targetLowPriorityNodes);
    expect(spec.get('spec.resizeStrategy.backoff.initial')?.default).toBe(DEFAULTS.backoffInitial);
    expect(spec.get('spec.resizeStrategy.backoff.max')?.default).toBe(DEFAULTS.backoffMax);
    expect(spec.get('spec.resizeStrategy')?.default).toEqual({
      maxNodesPerResize: 0,
      backoff: { initial: DEFAULTS.backoffInitial, max: DEFAULTS.backoffMax },
    });
  });

  it('caps the node targets at the custom-image limits', () => {
    expect(spec.get('spec.targetDedicatedNodes')).toMatchObject({
      minimum: 0,
      maximum: IMAGE_LIMITS.dedicated,
    });
    expect(spec.get('spec.targetLowPriorityNodes')).toMatchObject({
      minimum: 0,
      maximum: IMAGE_LIMITS.lowPriority,
    });
  });

  it('makes immutable only what names the pool; what Azure changes on an empty pool may change', () => {
    const immutableRule = (p: string) =>
      (spec.get(p)?.['x-kubernetes-validations'] ?? []).find((r) => r.rule === 'self == oldSelf');
    for (const p of ['spec.accountRef', 'spec.poolId']) {
      expect(immutableRule(p)?.message, p).toMatch(/immutable.*new BatchPool/);
    }
    for (const p of [
      'spec.vmSize',
      'spec.image.id',
      'spec.nodeAgentSkuId',
      'spec.securityProfile',
      'spec.taskSlotsPerNode',
      'spec.networkConfiguration',
    ]) {
      expect(immutableRule(p), p).toBeUndefined();
      expect(spec.get(p)?.description, p).toMatch(/updateStrategy/);
    }
  });
});

describe('printer columns', () => {
  const cases: [string, PrinterColumnLike[], JSONSchemaProps][] = [
    ['BatchPool', BATCHPOOL_COLUMNS, batchPoolSchema],
    ['BatchAccount', BATCHACCOUNT_COLUMNS, batchAccountSchema],
  ];
  it.each(cases)('of %s read fields the schema has', (_kind, columns, schema) => {
    const paths = schemaPaths(schema);
    for (const c of columns) {
      const path = c.jsonPath.replace(/^\./, '').replace(/\[\?\(.*\)\]/, '[]');
      expect(paths.has(path) || path === 'metadata.creationTimestamp', c.jsonPath).toBe(true);
    }
  });

  it('show the BatchPool columns users expect, the wide ones with -o wide only', () => {
    const crd = batchPoolCrd();
    const cols = crd.spec.versions[0]?.additionalPrinterColumns ?? [];
    const header = (wide: boolean) =>
      cols.filter((c) => wide || !c.priority).map((c) => c.name.toUpperCase());
    expect(header(false)).toEqual(['TARGET', 'CURRENT', 'USABLE', 'PHASE', 'ATTEMPTS', 'READY', 'AGE']);
    expect(header(true).slice(7)).toEqual([
      'SPOT-TARGET',
      'SPOT-CURRENT',
      'POOL-ID',
      'VM-SIZE',
      'LAST-ERROR',
    ]);
    expect(batchAccountCrd().spec.versions[0]?.additionalPrinterColumns.map((c) => c.name)).toContain(
      'Endpoint',
    );
  });
});

interface PrinterColumnLike {
  jsonPath: string;
}

describe('deploy/examples', () => {
  const dir = join(root, 'deploy', 'examples');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
  const kustomization = readFileSync(join(dir, 'kustomization.yaml'), 'utf8');

  it.each(files)('%s uses only fields the schema knows', (file) => {
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), 'utf8'))) {
      const obj = doc.toJS() as { kind: string; spec: unknown };
      if (obj.kind !== 'BatchPool' && obj.kind !== 'BatchAccount') continue; // e.g. the Secret RBAC
      const paths = schemaPaths(obj.kind === 'BatchPool' ? batchPoolSchema : batchAccountSchema);
      for (const [p, v] of valuePaths({ spec: obj.spec }, '')) {
        expect(paths.get(p)?.type, `${file}: ${p}`).toBe(jsonType(v));
      }
    }
  });

  it.each(files)('%s is listed in the kustomization', (file) => {
    expect(kustomization).toContain(`- ${file}`);
  });
});

// The regexes are RE2 in the apiserver; these cases mean the same in JavaScript (Node 24 has the
// (?i:…) modifier groups), so the shapes can be checked here in milliseconds.
describe('the ID and duration shapes', () => {
  const sub = '/subscriptions/0000/resourceGroups/rg/providers';
  it.each([
    [IMAGE_ID_REGEX, `${sub}/Microsoft.Compute/images/img`, true],
    [IMAGE_ID_REGEX, `${sub}/Microsoft.Compute/galleries/g/images/i/versions/1.0.0`, true],
    [IMAGE_ID_REGEX, `${sub}/Microsoft.Compute/galleries/g/images/i`, true],
    [IMAGE_ID_REGEX, '/subscriptions/0000/resourcegroups/rg/providers/microsoft.compute/images/img', true],
    [IMAGE_ID_REGEX, `${sub}/Microsoft.Compute/images/`, false],
    [IMAGE_ID_REGEX, `${sub}/Microsoft.Compute/images/img/`, false],
    [IMAGE_ID_REGEX, `${sub}/Microsoft.Compute/virtualMachines/vm`, false],
    [IMAGE_ID_REGEX, `${sub}/Microsoft.Compute/galleries/g`, false],
    [IMAGE_ID_REGEX, 'Canonical:ubuntu-24_04-lts:server:latest', false],
    [SUBNET_ID_REGEX, `${sub}/Microsoft.Network/virtualNetworks/v/subnets/s`, true],
    [SUBNET_ID_REGEX, `${sub}/Microsoft.Network/virtualNetworks/v`, false],
    [POOL_ID_REGEX, 'render_farm-01', true],
    [POOL_ID_REGEX, 'x'.repeat(64), true],
    [POOL_ID_REGEX, 'x'.repeat(65), false],
    [POOL_ID_REGEX, 'render.farm', false],
    [ISO_DURATION_REGEX, 'PT20M', true],
    [ISO_DURATION_REGEX, 'P1DT2H3M4S', true],
    [ISO_DURATION_REGEX, '20 minutes', false],
    [ISO_DURATION_REGEX, '00:20:00', false],
    [GO_DURATION_REGEX, '1h30m', true],
    [GO_DURATION_REGEX, 'PT30S', false],
  ])('%s matches %s: %s', (regex, value, expected) => {
    expect(new RegExp(regex).test(value)).toBe(expected);
  });
});
