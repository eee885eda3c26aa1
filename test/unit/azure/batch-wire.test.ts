// src/azure/batch/wire.ts is generated from the contract (test/contract/azure-batch-2025-06-01.json); this
// fails when the file and what the generator would write now have drifted apart, and pins the mapping rules
// the rest of the code relies on.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadContract, parsePythonType } from '../../../scripts/batch-wire/contract.ts';
import { WIRE_PATH, renderWire } from '../../../scripts/batch-wire/render.ts';

const root = join(import.meta.dirname, '..', '..', '..');

describe('src/azure/batch/wire.ts', () => {
  it('is what scripts/gen-batch-wire.ts writes from the contract', async () => {
    const expected = await renderWire();
    const actual = readFileSync(join(root, WIRE_PATH), 'utf8');
    // One readable sentence instead of a 1,400-line diff.
    if (actual !== expected)
      expect.fail(
        `${WIRE_PATH} differs from the generator's output: run \`npm run gen:batch-wire\` and commit it`,
      );
  });

  it('maps the Python types of the contract as documented', () => {
    const c = loadContract();
    expect(parsePythonType("Optional[Union[str, 'AllocationState']]", c)).toEqual({
      type: { kind: 'enum', name: 'AllocationState', open: true },
      optional: true,
    });
    expect(parsePythonType("Optional[list[Union[str, 'IPFamily']]]", c).type).toEqual({
      kind: 'list',
      item: { kind: 'enum', name: 'IPFamily', open: true },
    });
    expect(parsePythonType("Optional[Union[str, '_enums.BatchNodeRebootKind']]", c).type).toMatchObject({
      kind: 'enum',
      name: 'BatchNodeRebootKind',
    });
    expect(parsePythonType('datetime.datetime', c, 'rfc3339')).toEqual({
      type: { kind: 'datetime' },
      optional: false,
    });
    expect(parsePythonType('Optional[datetime.timedelta]', c).type).toEqual({ kind: 'duration' });
    expect(parsePythonType('int', c, 'str').type).toEqual({ kind: 'integer-string' });
    expect(parsePythonType('Optional[dict[str, str]]', c).type).toEqual({
      kind: 'map',
      value: { kind: 'string' },
    });
    expect(parsePythonType("'BatchVmImageReference'", c).type).toEqual({
      kind: 'model',
      name: 'BatchVmImageReference',
    });
    expect(() => parsePythonType("Optional['NoSuchModel']", c)).toThrow(/neither a model nor an enum/);
    expect(() => parsePythonType('tuple[int]', c)).toThrow(/cannot read/);
  });

  it('keeps read-only fields out of what is sent', () => {
    const wire = readFileSync(join(root, WIRE_PATH), 'utf8');
    const body = (name: string) => new RegExp(`export interface ${name} \\{([^}]*)\\}`).exec(wire)?.[1] ?? '';
    expect(body('BatchVmImageReference')).toContain('exactVersion?: string;');
    expect(body('BatchVmImageReferenceInput')).not.toContain('exactVersion');
    expect(body('VirtualMachineConfigurationInput')).toContain('imageReference: BatchVmImageReferenceInput;');
    expect(body('BatchPoolCreateOptions')).toContain(
      'virtualMachineConfiguration?: VirtualMachineConfigurationInput;',
    );
    expect(body('BatchPool')).toContain('virtualMachineConfiguration?: VirtualMachineConfiguration;');
  });
});
