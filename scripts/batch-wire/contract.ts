// The Batch data-plane contract (test/contract/azure-batch-2025-06-01.json, read from the Python SDK
// azure-batch 15.1.0) as data the wire-type generator and the contract test share: each field's Python type
// parsed into a small type tree, and which models the operator sends and reads. One reading of the contract,
// so the generated TypeScript and the runtime check cannot disagree about what a field is.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONTRACT_PATH = 'test/contract/azure-batch-2025-06-01.json';

export interface ContractField {
  rest: string;
  type: string;
  visibility: string[];
  doc: string;
  format?: string;
}

export interface Contract {
  source: string;
  apiVersion: string;
  operations: { op: string; method: string; path: string }[];
  models: Record<string, { doc: string; fields: ContractField[] }>;
  enums: Record<string, string[]>;
}

/** What a field holds on the wire. */
export type WireType =
  | { kind: 'string' | 'integer' | 'number' | 'boolean' }
  /** RFC 3339 (Python datetime, format rfc3339). */
  | { kind: 'datetime' }
  /** ISO 8601 duration (Python timedelta). */
  | { kind: 'duration' }
  /** A Python int the SDK writes as a JSON string (rest_field format="str"). */
  | { kind: 'integer-string' }
  | { kind: 'map'; value: WireType }
  | { kind: 'list'; item: WireType }
  | { kind: 'model'; name: string }
  /** `open`: the SDK types it Union[str, Enum], so values it does not know are still valid. */
  | { kind: 'enum'; name: string; open: boolean };

export interface Field {
  wireName: string;
  type: WireType;
  optional: boolean;
  /** Only in what the service returns (visibility ["read"]). */
  readOnly: boolean;
  doc: string;
}

export interface Model {
  name: string;
  doc: string;
  fields: Field[];
}

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function loadContract(path = join(root, CONTRACT_PATH)): Contract {
  return JSON.parse(readFileSync(path, 'utf8')) as Contract;
}

/**
 * Parses one Python annotation as the contract writes it: Optional[T], Union[str, 'E'], list[T],
 * dict[str, T], 'Name' (a model or an enum, maybe prefixed _enums.), str, int, float, bool,
 * datetime.datetime, datetime.timedelta. Anything else is an error, so a new construct in a later SDK
 * is noticed instead of mistyped.
 */
export function parsePythonType(
  text: string,
  c: Contract,
  format?: string,
): { type: WireType; optional: boolean } {
  let pos = 0;
  const fail = (why: string): never => {
    throw new Error(`cannot read Python type ${JSON.stringify(text)} at ${pos}: ${why}`);
  };
  const skip = () => {
    while (text[pos] === ' ') pos++;
  };
  const expect = (s: string) => {
    skip();
    if (!text.startsWith(s, pos)) fail(`expected ${s}`);
    pos += s.length;
  };
  const word = (): string => {
    skip();
    const m = /^[A-Za-z_][\w.]*/.exec(text.slice(pos));
    if (!m) return fail('expected a name');
    pos += m[0].length;
    return m[0];
  };
  const named = (name: string, open: boolean): WireType => {
    const bare = name.replace(/^_enums\./, '');
    if (c.enums[bare]) return { kind: 'enum', name: bare, open };
    if (open) return fail(`Union[str, …] of ${bare}, which is not an enum`);
    if (c.models[bare]) return { kind: 'model', name: bare };
    return fail(`${bare} is neither a model nor an enum`);
  };
  const parse = (): { type: WireType; optional: boolean } => {
    skip();
    if (text[pos] === "'" || text[pos] === '"') {
      const q = text[pos]!;
      const end = text.indexOf(q, pos + 1);
      if (end < 0) fail('unterminated quote');
      const name = text.slice(pos + 1, end);
      pos = end + 1;
      return { type: named(name, false), optional: false };
    }
    const w = word();
    switch (w) {
      case 'Optional': {
        expect('[');
        const inner = parse();
        expect(']');
        return { type: inner.type, optional: true };
      }
      case 'Union': {
        expect('[');
        if (word() !== 'str') fail('only Union[str, Enum] is known');
        expect(',');
        skip();
        const inner = parse();
        expect(']');
        if (inner.type.kind !== 'enum') fail('Union[str, …] of something that is not an enum');
        return { type: { ...inner.type, open: true } as WireType, optional: false };
      }
      case 'list': {
        expect('[');
        const item = parse();
        expect(']');
        return { type: { kind: 'list', item: item.type }, optional: false };
      }
      case 'dict': {
        expect('[');
        if (word() !== 'str') fail('only dict[str, …] is known');
        expect(',');
        const value = parse();
        expect(']');
        return { type: { kind: 'map', value: value.type }, optional: false };
      }
      case 'str':
        return { type: { kind: 'string' }, optional: false };
      case 'int':
        return { type: { kind: format === 'str' ? 'integer-string' : 'integer' }, optional: false };
      case 'float':
        return { type: { kind: 'number' }, optional: false };
      case 'bool':
        return { type: { kind: 'boolean' }, optional: false };
      case 'datetime.datetime':
        if (format !== undefined && format !== 'rfc3339') fail(`datetime format ${format}`);
        return { type: { kind: 'datetime' }, optional: false };
      case 'datetime.timedelta':
        return { type: { kind: 'duration' }, optional: false };
      default:
        return { type: named(w, false), optional: false };
    }
  };
  const result = parse();
  skip();
  if (pos !== text.length) fail('trailing text');
  return result;
}

export function model(c: Contract, name: string): Model {
  const m = c.models[name];
  if (!m) throw new Error(`the contract has no model ${name}`);
  return {
    name,
    doc: m.doc,
    fields: m.fields.map((f) => {
      const { type, optional } = parsePythonType(f.type, c, f.format);
      const readOnly = f.visibility.length === 1 && f.visibility[0] === 'read';
      return { wireName: f.rest, type, optional, readOnly, doc: f.doc };
    }),
  };
}

/** The models a type refers to, directly. */
export function referencedModels(t: WireType): string[] {
  switch (t.kind) {
    case 'model':
      return [t.name];
    case 'list':
      return referencedModels(t.item);
    case 'map':
      return referencedModels(t.value);
    default:
      return [];
  }
}

export function referencedEnums(t: WireType): string[] {
  switch (t.kind) {
    case 'enum':
      return [t.name];
    case 'list':
      return referencedEnums(t.item);
    case 'map':
      return referencedEnums(t.value);
    default:
      return [];
  }
}

/** Every model reachable from the roots, in first-reached order. */
export function reachable(c: Contract, roots: readonly string[]): string[] {
  const seen = new Set<string>();
  const order: string[] = [];
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    order.push(name);
    for (const f of model(c, name).fields) for (const r of referencedModels(f.type)) visit(r);
  };
  for (const r of roots) visit(r);
  return order;
}

/**
 * What the operator sends (request bodies) and reads (responses) today or in the next issue: pools and
 * their create/update/replace/resize bodies, node counts, nodes and node actions, supported images, errors.
 */
export const REQUEST_ROOTS = [
  'BatchPoolCreateOptions',
  'BatchPoolUpdateOptions',
  'BatchPoolReplaceOptions',
  'BatchPoolResizeOptions',
  'BatchPoolEnableAutoScaleOptions',
  'BatchNodeRemoveOptions',
  'BatchNodeRebootOptions',
  'BatchNodeReimageOptions',
] as const;

export const RESPONSE_ROOTS = [
  'BatchPool',
  'BatchError',
  'BatchSupportedImage',
  'BatchPoolNodeCounts',
  'BatchNode',
  'ResizeError',
  'NameValuePair',
] as const;

/**
 * The list envelopes. The Python SDK has no model for them: its pagers read `value` as a list of the item
 * model and follow `odata.nextLink` (azure/batch/_operations/_operations.py, extract_data of each list_*
 * operation); the swagger names them like this.
 */
export const LIST_RESULTS = {
  BatchPoolListResult: { item: 'BatchPool', op: 'list_pools' },
  BatchSupportedImageListResult: { item: 'BatchSupportedImage', op: 'list_supported_images' },
  BatchPoolNodeCountsListResult: { item: 'BatchPoolNodeCounts', op: 'list_pool_node_counts' },
  BatchNodeListResult: { item: 'BatchNode', op: 'list_nodes' },
} as const;

export const NEXT_LINK = 'odata.nextLink';

/** A list envelope as a model, so the contract test can check a list answer like any other body. */
export function listResultModel(name: keyof typeof LIST_RESULTS): Model {
  const { item, op } = LIST_RESULTS[name];
  return {
    name,
    doc: `One page of ${op}: the items and, when there are more, the link to the next page.`,
    fields: [
      {
        wireName: 'value',
        type: { kind: 'list', item: { kind: 'model', name: item } },
        optional: true,
        readOnly: true,
        doc: `The ${item} items of this page.`,
      },
      {
        wireName: NEXT_LINK,
        type: { kind: 'string' },
        optional: true,
        readOnly: true,
        doc: 'The URL of the next page; absent on the last page.',
      },
    ],
  };
}

/** A model of the contract or one of the list envelopes. */
export function anyModel(c: Contract, name: string): Model {
  return name in LIST_RESULTS ? listResultModel(name as keyof typeof LIST_RESULTS) : model(c, name);
}
