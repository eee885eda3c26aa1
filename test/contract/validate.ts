// Checks JSON against the 2025-06-01 contract (azure-batch-2025-06-01.json, read through
// scripts/batch-wire/contract.ts, the same reading the wire types are generated from). What the generated
// types cannot see: the JSON that actually went over the wire, and which properties a mapping reads.

import { anyModel, type Contract, type Model, type WireType } from '../../scripts/batch-wire/contract.ts';

export type Direction = 'request' | 'response';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const ISO8601_DURATION = /^-?P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/**
 * Every way `value` departs from `modelName`, each naming its path: a property the model does not have, a
 * value of the wrong JSON type or format, an enum value the contract does not know (in what we send), a
 * read-only property or a missing required one in what we send. A response may carry OData annotations
 * (odata.metadata) and may lack required fields (a $select leaves them out).
 */
export function problems(c: Contract, modelName: string, value: unknown, direction: Direction): string[] {
  const out: string[] = [];
  const checkType = (t: WireType, v: unknown, path: string): void => {
    const bad = (want: string): void => {
      out.push(`${path}: expected ${want}, got ${jsonType(v)} ${JSON.stringify(v)}`);
    };
    switch (t.kind) {
      case 'string':
        if (typeof v !== 'string') bad('a string');
        return;
      case 'integer':
        if (typeof v !== 'number' || !Number.isInteger(v)) bad('an integer');
        return;
      case 'number':
        if (typeof v !== 'number') bad('a number');
        return;
      case 'boolean':
        if (typeof v !== 'boolean') bad('a boolean');
        return;
      case 'integer-string':
        if (typeof v !== 'string' || !/^-?\d+$/.test(v)) bad('an integer written as a string');
        return;
      case 'datetime':
        if (typeof v !== 'string' || !RFC3339.test(v)) bad('an RFC 3339 date-time');
        return;
      case 'duration':
        if (typeof v !== 'string' || !ISO8601_DURATION.test(v)) bad('an ISO 8601 duration');
        return;
      case 'enum': {
        if (typeof v !== 'string') return bad(`a ${t.name} string`);
        const known = c.enums[t.name] ?? [];
        // What we send must be a value Azure documents; what Azure sends may be one it added since.
        if ((direction === 'request' || !t.open) && !known.includes(v))
          out.push(`${path}: ${JSON.stringify(v)} is not a ${t.name} (${known.join(', ')})`);
        return;
      }
      case 'map':
        if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad('an object');
        for (const [k, item] of Object.entries(v)) checkType(t.value, item, `${path}.${k}`);
        return;
      case 'list':
        if (!Array.isArray(v)) return bad('an array');
        v.forEach((item, i) => checkType(t.item, item, `${path}[${i}]`));
        return;
      case 'model':
        checkModel(anyModel(c, t.name), v, path);
        return;
    }
  };
  const checkModel = (m: Model, v: unknown, path: string): void => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      out.push(`${path || '(body)'}: expected a ${m.name} object, got ${jsonType(v)}`);
      return;
    }
    const fields = new Map(m.fields.map((f) => [f.wireName, f]));
    const at = (k: string) => (path ? `${path}.${k}` : k);
    for (const [k, item] of Object.entries(v)) {
      const f = fields.get(k);
      if (!f) {
        if (direction === 'response' && k.startsWith('odata.')) continue;
        out.push(`${at(k)}: ${m.name} has no property ${JSON.stringify(k)}`);
        continue;
      }
      if (direction === 'request' && f.readOnly) out.push(`${at(k)}: ${m.name}.${k} is read-only`);
      checkType(f.type, item, at(k));
    }
    if (direction === 'request')
      for (const f of m.fields)
        if (!f.optional && !f.readOnly && !(f.wireName in v))
          out.push(`${at(f.wireName)}: ${m.name} requires ${f.wireName}`);
  };
  checkModel(anyModel(c, modelName), value, '');
  return out;
}

/**
 * Whether a property path (`a.b[].c`, as recordReads writes it) names a field of the model, stepping into
 * lists with `[]`. Returns the problem, or undefined when the path is in the contract.
 */
export function pathProblem(c: Contract, modelName: string, path: string): string | undefined {
  let t: WireType = { kind: 'model', name: modelName };
  for (const step of path.split('.')) {
    const list = step.endsWith('[]');
    const name = list ? step.slice(0, -2) : step;
    if (t.kind !== 'model') return `${path}: ${name} is read inside a ${t.kind}`;
    const m = anyModel(c, t.name);
    const f = m.fields.find((x) => x.wireName === name);
    if (!f) return `${path}: ${m.name} has no property ${JSON.stringify(name)}`;
    t = f.type;
    if (list) {
      if (t.kind !== 'list') return `${path}: ${m.name}.${name} is not a list`;
      t = t.item;
    }
  }
  return undefined;
}

/**
 * Wraps a JSON value so that every property read through it is recorded as a path (`a.b[].c`), present or
 * not: what a mapping function reads, whatever the value held.
 */
export function recordReads<T>(value: T): { value: T; paths: Set<string> } {
  const paths = new Set<string>();
  const wrap = (v: unknown, prefix: string): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    return new Proxy(v, {
      get(target, key, receiver) {
        const got: unknown = Reflect.get(target, key, receiver);
        if (typeof key !== 'string') return got;
        if (Array.isArray(target)) {
          // Indexes are the list's items; length, map and the rest are the array's own machinery.
          return /^\d+$/.test(key) ? wrap(got, `${prefix}[]`) : got;
        }
        if (!Object.hasOwn(target, key) && key in Object.prototype) return got;
        const path = prefix ? `${prefix}.${key}` : key;
        paths.add(path);
        return wrap(got, path);
      },
    });
  };
  return { value: wrap(value, '') as T, paths };
}
