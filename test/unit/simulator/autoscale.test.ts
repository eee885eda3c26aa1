// The autoscale formula subset on its own: what parses (Azure's syntax, so Azure's formulas are not refused
// for it), what the simulator evaluates, and how it reports what it cannot evaluate.
import { describe, expect, test } from 'vitest';
import { evaluateFormula, parseFormula } from '../../../src/simulator/state/autoscale.ts';
import { BatchError } from '../../../src/simulator/state/errors.ts';

const pool = { targetDedicated: 2, targetLowPriority: 1, currentDedicated: 4, currentLowPriority: 0 };

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof BatchError) return err.code;
    throw err;
  }
  return 'accepted';
}

describe('autoscale formulas', () => {
  test('literals, variables, arithmetic, ?:, comments and min/max are evaluated; targets are floored at 0', () => {
    const out = evaluateFormula(
      `/* scale on current size */
       $want = 0;
       $cap = 10; // a user variable
       $want = $CurrentDedicatedNodes * 2 + 1;
       $TargetDedicatedNodes = $want > $cap ? $cap : max($want, 0);
       $TargetLowPriorityNodes = -3.5;
       $NodeDeallocationOption = taskcompletion;`,
      pool,
    );
    expect(out).toEqual({
      dedicated: 9,
      lowPriority: 0,
      results:
        '$TargetDedicatedNodes=9;$TargetLowPriorityNodes=0;$NodeDeallocationOption=taskcompletion;$cap=10;$want=9',
    });
  });

  test('the service variables start at the pool targets; $TargetDedicated is the old name of $TargetDedicatedNodes', () => {
    expect(evaluateFormula('$TargetDedicated = $TargetLowPriorityNodes + 5;', pool)).toMatchObject({
      dedicated: 6,
      lowPriority: 1,
    });
    expect(evaluateFormula('$x = 1;', pool).results).toBe(
      '$TargetDedicatedNodes=2;$TargetLowPriorityNodes=1;$NodeDeallocationOption=requeue;$x=1',
    );
  });

  test('Azure syntax the simulator does not evaluate parses, and the evaluation reports why; the targets stay', () => {
    const formula =
      '$samples = $PendingTasks.GetSamplePercent(TimeInterval_Minute * 5); $TargetDedicatedNodes = avg($PendingTasks.GetSample(1));';
    expect(code(() => parseFormula(formula))).toBe('accepted');
    const out = evaluateFormula(formula, pool);
    expect([out.dedicated, out.lowPriority, out.error?.code]).toEqual([
      2,
      1,
      'AutoScaleFormulaEvaluationError',
    ]);
    expect(out.error?.values?.[0]?.value).toMatch(/GetSamplePercent/);
    expect(evaluateFormula('$CurrentDedicatedNodes = 3;', pool).error?.values?.[0]?.value).toMatch(
      /read-only/,
    );
  });

  test('syntax errors and formulas over 8192 characters are refused with their codes', () => {
    for (const bad of [
      '$TargetDedicatedNodes 3;',
      '$TargetDedicatedNodes = (1;',
      '= 3;',
      '',
      '/* open',
      '$a = 1 $b = 2;',
    ])
      expect([bad, code(() => parseFormula(bad))]).toEqual([bad, 'AutoScalingFormulaSyntaxError']);
    expect(code(() => parseFormula(`$a = 1;${' '.repeat(8192)}`))).toBe('AutoScaleFormulaTooLong');
  });
});
