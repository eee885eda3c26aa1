// Autoscale formulas, as far as the simulator evaluates them.
//
// Azure checks a formula when a pool is created ("The formula is checked for validity before the Pool is
// created. If the formula is not valid, the Batch service rejects the request with detailed error
// information", 2025-06-01 BatchPoolCreateOptions.autoScaleFormula) and then evaluates it every
// autoScaleEvaluationInterval (Learn batch/batch-automatic-scaling). The simulator parses the whole formula
// language's statement and expression syntax (assignments separated by ';', comments, arithmetic,
// comparisons, ?:, function calls and method calls such as $PendingTasks.GetSample(1)), so a formula written
// for Azure is not refused for its syntax. It evaluates a subset (our choice): numbers, variables assigned
// earlier in the formula, $CurrentDedicatedNodes / $CurrentLowPriorityNodes, the service variables it sets,
// arithmetic, comparisons, && || !, ?:, and min / max / floor / ceil / round / abs. Anything else (samples of
// task metrics, TimeInterval_* constants, other functions) makes the evaluation fail: the pool keeps its
// targets and autoScaleRun.error says why, as Azure does for a formula that fails at evaluation time.
import { BatchError } from './errors.ts';

/** BatchErrorCodeStrings.AutoScaleFormulaTooLong: "The maximum length is 8192 characters." */
export const MAX_FORMULA_LENGTH = 8192;

type Expr =
  | { k: 'num'; v: number }
  | { k: 'var'; name: string }
  | { k: 'unary'; op: string; e: Expr }
  | { k: 'bin'; op: string; l: Expr; r: Expr }
  | { k: 'cond'; c: Expr; t: Expr; f: Expr }
  | { k: 'call'; name: string; target?: Expr; args: Expr[] };

interface Statement {
  name: string;
  expr: Expr;
}

interface Token {
  t: 'num' | 'id' | 'op' | 'end';
  v: string;
  at: number;
}

const TWO_CHAR_OPS = ['==', '!=', '<=', '>=', '&&', '||'];

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (text.startsWith('//', i)) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (text.startsWith('/*', i)) {
      const end = text.indexOf('*/', i + 2);
      if (end < 0) throw syntaxError('a comment is not closed', i);
      i = end + 2;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const m = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i));
      if (!m) throw syntaxError(`unexpected '${c}'`, i);
      out.push({ t: 'num', v: m[0], at: i });
      i += m[0].length;
    } else if (/[$A-Za-z_]/.test(c)) {
      const m = /^\$?[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
      if (!m) throw syntaxError(`unexpected '${c}'`, i);
      out.push({ t: 'id', v: m[0], at: i });
      i += m[0].length;
    } else {
      const two = text.slice(i, i + 2);
      if (TWO_CHAR_OPS.includes(two)) {
        out.push({ t: 'op', v: two, at: i });
        i += 2;
      } else if ('+-*/%()<>!?:=;,.'.includes(c)) {
        out.push({ t: 'op', v: c, at: i });
        i++;
      } else {
        throw syntaxError(`unexpected '${c}'`, i);
      }
    }
  }
  out.push({ t: 'end', v: '', at: text.length });
  return out;
}

function syntaxError(what: string, at: number): BatchError {
  // Code from BatchErrorCodeStrings ("An automatic scaling formula has a syntax error"); the values are ours.
  return new BatchError(
    400,
    'AutoScalingFormulaSyntaxError',
    'The specified autoscale formula has a syntax error.',
    [
      { key: 'PropertyName', value: 'autoScaleFormula' },
      { key: 'Reason', value: `${what} (at character ${at + 1})` },
    ],
  );
}

class Parser {
  #i = 0;
  readonly tokens: Token[];
  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }

  #peek(): Token {
    return this.tokens[this.#i]!;
  }
  #next(): Token {
    return this.tokens[this.#i++]!;
  }
  #isOp(v: string): boolean {
    const t = this.#peek();
    return t.t === 'op' && t.v === v;
  }
  #expect(v: string): void {
    const t = this.#next();
    if (t.t !== 'op' || t.v !== v)
      throw syntaxError(`expected '${v}'${t.t === 'end' ? ' at the end' : ` before '${t.v}'`}`, t.at);
  }

  statements(): Statement[] {
    const out: Statement[] = [];
    while (this.#peek().t !== 'end') {
      if (this.#isOp(';')) {
        this.#next();
        continue;
      }
      const name = this.#next();
      if (name.t !== 'id')
        throw syntaxError(`expected a variable name${name.v ? ` before '${name.v}'` : ''}`, name.at);
      this.#expect('=');
      out.push({ name: name.v, expr: this.#expr() });
      if (this.#peek().t !== 'end') this.#expect(';');
    }
    if (out.length === 0) throw syntaxError('the formula has no statement', 0);
    return out;
  }

  #expr(): Expr {
    const c = this.#binary(0);
    if (!this.#isOp('?')) return c;
    this.#next();
    const t = this.#expr();
    this.#expect(':');
    return { k: 'cond', c, t, f: this.#expr() };
  }

  static readonly LEVELS = [
    ['||'],
    ['&&'],
    ['==', '!='],
    ['<', '<=', '>', '>='],
    ['+', '-'],
    ['*', '/', '%'],
  ];

  #binary(level: number): Expr {
    if (level === Parser.LEVELS.length) return this.#unary();
    let l = this.#binary(level + 1);
    for (;;) {
      const t = this.#peek();
      if (t.t !== 'op' || !Parser.LEVELS[level]!.includes(t.v)) return l;
      this.#next();
      l = { k: 'bin', op: t.v, l, r: this.#binary(level + 1) };
    }
  }

  #unary(): Expr {
    if (this.#isOp('-') || this.#isOp('!') || this.#isOp('+')) {
      const op = this.#next().v;
      return { k: 'unary', op, e: this.#unary() };
    }
    return this.#postfix(this.#primary());
  }

  #primary(): Expr {
    const t = this.#next();
    if (t.t === 'num') return { k: 'num', v: Number(t.v) };
    if (t.t === 'id') {
      if (this.#isOp('(')) return { k: 'call', name: t.v, args: this.#args() };
      return { k: 'var', name: t.v };
    }
    if (t.t === 'op' && t.v === '(') {
      const e = this.#expr();
      this.#expect(')');
      return e;
    }
    throw syntaxError(
      t.t === 'end' ? 'the formula ends in the middle of an expression' : `unexpected '${t.v}'`,
      t.at,
    );
  }

  #postfix(e: Expr): Expr {
    while (this.#isOp('.')) {
      this.#next();
      const name = this.#next();
      if (name.t !== 'id') throw syntaxError('expected a method name', name.at);
      e = { k: 'call', name: name.v, target: e, args: this.#isOp('(') ? this.#args() : [] };
    }
    return e;
  }

  #args(): Expr[] {
    this.#expect('(');
    const args: Expr[] = [];
    if (this.#isOp(')')) {
      this.#next();
      return args;
    }
    for (;;) {
      args.push(this.#expr());
      if (this.#isOp(',')) {
        this.#next();
        continue;
      }
      this.#expect(')');
      return args;
    }
  }
}

/** Parses a formula or throws the 400 Azure gives for a bad one (too long, or a syntax error). */
export function parseFormula(formula: string): Statement[] {
  if (formula.length > MAX_FORMULA_LENGTH)
    throw new BatchError(400, 'AutoScaleFormulaTooLong', 'The specified autoscale formula is too long.', [
      { key: 'PropertyName', value: 'autoScaleFormula' },
      { key: 'Reason', value: `The maximum length is ${MAX_FORMULA_LENGTH} characters.` },
    ]);
  return new Parser(tokenize(formula)).statements();
}

export interface AutoScaleOutcome {
  /** The targets the evaluation set (the pool's own when it failed). */
  dedicated: number;
  lowPriority: number;
  /** AutoScaleRun.results: "$variable=value" pairs separated by semicolons. */
  results: string;
  /** AutoScaleRun.error when the evaluation failed. */
  error?: { code: string; message: string; values?: { name: string; value: string }[] };
}

class Unsupported extends Error {}

const FUNCTIONS: Record<string, (args: number[]) => number> = {
  min: (a) => Math.min(...a),
  max: (a) => Math.max(...a),
  floor: (a) => Math.floor(a[0] ?? NaN),
  ceil: (a) => Math.ceil(a[0] ?? NaN),
  round: (a) => Math.round(a[0] ?? NaN),
  abs: (a) => Math.abs(a[0] ?? NaN),
};

/**
 * Evaluates a formula for a pool whose current targets and node counts are given. $TargetDedicatedNodes and
 * $TargetLowPriorityNodes start at the current targets (our reading of Learn's "service-defined variables");
 * the results are rounded down and never negative (our choice).
 */
export function evaluateFormula(
  formula: string,
  pool: {
    targetDedicated: number;
    targetLowPriority: number;
    currentDedicated: number;
    currentLowPriority: number;
  },
): AutoScaleOutcome {
  const vars = new Map<string, number | string>([
    ['$TargetDedicatedNodes', pool.targetDedicated],
    ['$TargetLowPriorityNodes', pool.targetLowPriority],
    ['$NodeDeallocationOption', 'requeue'],
  ]);
  const readOnly = new Map<string, number>([
    ['$CurrentDedicatedNodes', pool.currentDedicated],
    ['$CurrentLowPriorityNodes', pool.currentLowPriority],
  ]);
  const order: string[] = [];
  const canonical = (name: string): string => (name === '$TargetDedicated' ? '$TargetDedicatedNodes' : name);
  const value = (e: Expr): number => {
    switch (e.k) {
      case 'num':
        return e.v;
      case 'var': {
        const n = canonical(e.name);
        const v = readOnly.get(n) ?? vars.get(n);
        if (typeof v === 'number') return v;
        throw new Unsupported(`${e.name} is not a variable the simulator knows`);
      }
      case 'unary': {
        const v = value(e.e);
        return e.op === '-' ? -v : e.op === '!' ? Number(v === 0) : v;
      }
      case 'cond':
        return value(e.c) !== 0 ? value(e.t) : value(e.f);
      case 'bin': {
        const l = value(e.l);
        if (e.op === '&&') return Number(l !== 0 && value(e.r) !== 0);
        if (e.op === '||') return Number(l !== 0 || value(e.r) !== 0);
        const r = value(e.r);
        switch (e.op) {
          case '+':
            return l + r;
          case '-':
            return l - r;
          case '*':
            return l * r;
          case '/':
            return l / r;
          case '%':
            return l % r;
          case '==':
            return Number(l === r);
          case '!=':
            return Number(l !== r);
          case '<':
            return Number(l < r);
          case '<=':
            return Number(l <= r);
          case '>':
            return Number(l > r);
          default:
            return Number(l >= r);
        }
      }
      case 'call': {
        const fn = e.target === undefined ? FUNCTIONS[e.name.toLowerCase()] : undefined;
        if (!fn)
          throw new Unsupported(
            `${e.target === undefined ? '' : 'the method '}${e.name}() is not evaluated by the simulator`,
          );
        return fn(e.args.map(value));
      }
    }
  };
  try {
    for (const s of parseFormula(formula)) {
      const name = canonical(s.name);
      if (readOnly.has(name)) throw new Unsupported(`${s.name} is read-only`);
      if (name === '$NodeDeallocationOption' && s.expr.k === 'var' && !s.expr.name.startsWith('$')) {
        vars.set(name, s.expr.name.toLowerCase());
      } else {
        const v = value(s.expr);
        if (!Number.isFinite(v)) throw new Unsupported(`${s.name} is not a finite number`);
        vars.set(name, v);
      }
      if (!order.includes(name)) order.push(name);
    }
  } catch (err) {
    if (!(err instanceof Unsupported)) throw err;
    return {
      dedicated: pool.targetDedicated,
      lowPriority: pool.targetLowPriority,
      results: '',
      // Our code and wording: Azure's evaluation errors for this case are not documented.
      error: {
        code: 'AutoScaleFormulaEvaluationError',
        message: 'The autoscale formula could not be evaluated.',
        values: [{ name: 'Reason', value: err.message }],
      },
    };
  }
  const target = (name: string): number => Math.max(0, Math.floor(Number(vars.get(name))));
  const dedicated = target('$TargetDedicatedNodes');
  const lowPriority = target('$TargetLowPriorityNodes');
  vars.set('$TargetDedicatedNodes', dedicated);
  vars.set('$TargetLowPriorityNodes', lowPriority);
  // As Learn batch/batch-automatic-scaling shows AutoScaleRun.results: the service variables first, then the
  // formula's own variables in alphabetical order.
  const service = ['$TargetDedicatedNodes', '$TargetLowPriorityNodes', '$NodeDeallocationOption'];
  const own = order.filter((n) => !service.includes(n)).sort((a, b) => a.localeCompare(b));
  return {
    dedicated,
    lowPriority,
    results: [...service, ...own].map((n) => `${n}=${String(vars.get(n))}`).join(';'),
  };
}
