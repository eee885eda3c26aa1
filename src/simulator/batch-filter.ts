// The part of Batch's OData $filter grammar that list callers use: eq/ne on string properties
// (nested ones as paths, e.g. imageReference/publisher), startswith(prop,'x'), and/or, parentheses.
// Anything else is a 400, as on Azure. Used for pools and for supported images.

export type PoolPredicate = (pool: Record<string, unknown>) => boolean;

const TOKEN =
  /\s*(?:(?<starts>startswith\(\s*(?<sprop>\w+(?:\/\w+)*)\s*,\s*'(?<sval>(?:[^']|'')*)'\s*\))|(?<cprop>\w+(?:\/\w+)*)\s+(?<op>eq|ne)\s+'(?<cval>(?:[^']|'')*)'|(?<word>and|or)\b|(?<paren>[()]))\s*/iy;

type Token = { kind: 'pred'; fn: PoolPredicate } | { kind: 'and' | 'or' | '(' | ')' };

/** A property by path (a/b/c); undefined when any step is missing. */
function at(obj: Record<string, unknown>, path: string): unknown {
  if (!path.includes('/')) return obj[path];
  let v: unknown = obj;
  for (const step of path.split('/')) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<string, unknown>)[step];
  }
  return v;
}

function tokenize(text: string): Token[] | undefined {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    const m = TOKEN.exec(text);
    const g = m?.groups;
    if (!m || !g) return undefined;
    if (g.starts) {
      const prop = g.sprop ?? '';
      const val = (g.sval ?? '').replaceAll("''", "'");
      tokens.push({
        kind: 'pred',
        fn: (p) => {
          const v = at(p, prop);
          return typeof v === 'string' && v.startsWith(val);
        },
      });
    } else if (g.cprop) {
      const prop = g.cprop;
      const val = (g.cval ?? '').replaceAll("''", "'");
      const eq = (g.op ?? '').toLowerCase() === 'eq';
      tokens.push({ kind: 'pred', fn: (p) => (at(p, prop) === val) === eq });
    } else if (g.word) {
      tokens.push({ kind: g.word.toLowerCase() as 'and' | 'or' });
    } else if (g.paren) {
      tokens.push({ kind: g.paren as '(' | ')' });
    }
  }
  return tokens;
}

/** A predicate for the filter text, or undefined when the simulator cannot parse it. */
export function parsePoolFilter(text: string): PoolPredicate | undefined {
  const tokens = tokenize(text);
  if (!tokens || tokens.length === 0) return undefined;
  let i = 0;
  const primary = (): PoolPredicate | undefined => {
    const t = tokens[i++];
    if (t?.kind === 'pred') return t.fn;
    if (t?.kind === '(') {
      const inner = orExpr();
      return tokens[i++]?.kind === ')' ? inner : undefined;
    }
    return undefined;
  };
  const andExpr = (): PoolPredicate | undefined => {
    let left = primary();
    while (left && tokens[i]?.kind === 'and') {
      i++;
      const right = primary();
      if (!right) return undefined;
      const l = left;
      left = (p) => l(p) && right(p);
    }
    return left;
  };
  const orExpr = (): PoolPredicate | undefined => {
    let left = andExpr();
    while (left && tokens[i]?.kind === 'or') {
      i++;
      const right = andExpr();
      if (!right) return undefined;
      const l = left;
      left = (p) => l(p) || right(p);
    }
    return left;
  };
  const fn = orExpr();
  return fn && i === tokens.length ? fn : undefined;
}
