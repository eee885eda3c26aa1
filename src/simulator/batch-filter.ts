// The part of Batch's OData $filter grammar that list-pools callers use: eq/ne on string
// properties, startswith(prop,'x'), and/or, parentheses. Anything else is a 400, as on Azure.

export type PoolPredicate = (pool: Record<string, unknown>) => boolean;

const TOKEN =
  /\s*(?:(?<starts>startswith\(\s*(?<sprop>\w+)\s*,\s*'(?<sval>(?:[^']|'')*)'\s*\))|(?<cprop>\w+)\s+(?<op>eq|ne)\s+'(?<cval>(?:[^']|'')*)'|(?<word>and|or)\b|(?<paren>[()]))\s*/iy;

type Token = { kind: 'pred'; fn: PoolPredicate } | { kind: 'and' | 'or' | '(' | ')' };

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
      tokens.push({ kind: 'pred', fn: (p) => typeof p[prop] === 'string' && p[prop].startsWith(val) });
    } else if (g.cprop) {
      const prop = g.cprop;
      const val = (g.cval ?? '').replaceAll("''", "'");
      const eq = (g.op ?? '').toLowerCase() === 'eq';
      tokens.push({ kind: 'pred', fn: (p) => (p[prop] === val) === eq });
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
