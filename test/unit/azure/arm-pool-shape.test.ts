// The translation between the two planes' pool shapes, checked against both 2025-06-01 contracts: every
// property name and enum value that differs between the management plane's PoolProperties and the data
// plane's BatchPoolCreateOptions is in src/azure/arm/pool-shape.ts, and a full pool survives the round trip.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import {
  armToAddBody,
  dataPoolToArm,
  ENUMS,
  RENAMED,
  type ArmPoolState,
} from '../../../src/azure/arm/pool-shape.ts';
import { fullPool } from '../simulator/full-pool.ts';

interface Field {
  rest: string;
  type: string;
}
interface Contract {
  models: Record<string, { fields: Field[] }>;
  enums: Record<string, string[]>;
}
const load = (name: string): Contract =>
  JSON.parse(readFileSync(new URL(`../../contract/${name}`, import.meta.url), 'utf8')) as Contract;
const mgmt = load('azure-mgmt-batch-2025-06-01.json');
const data = load('azure-batch-2025-06-01.json');

const refs = (c: Contract, t: string, kind: 'models' | 'enums'): string[] =>
  [...t.matchAll(/'(\w+)'/g)].map((m) => m[1]!).filter((n) => n in c[kind]);

interface Difference {
  renames: Set<string>;
  /** Properties with no counterpart on the other plane, as mgmt:path or data:path. */
  unmatched: Set<string>;
  enums: Map<string, [string[], string[]]>;
}

/**
 * Walks the data-plane model and the management-plane model side by side (following the renames the
 * translator knows, so that renamed subtrees are compared too) and records every rename and enum difference
 * by data-plane path, '*' for list elements.
 */
function differences(): Difference {
  const known = new Map(RENAMED.map(([p, d, a]) => [`${p}|${a}`, d]));
  const out: Difference = { renames: new Set(), unmatched: new Set(), enums: new Map() };
  const walk = (mName: string, dName: string, path: string): void => {
    const dFields = new Map(data.models[dName]!.fields.map((f) => [f.rest, f]));
    const matched = new Set<string>();
    const at = (name: string): string => (path === '' ? name : `${path}.${name}`);
    for (const mf of mgmt.models[mName]!.fields) {
      const renamed = known.get(`${path}|${mf.rest}`);
      const df = dFields.get(renamed ?? mf.rest);
      if (!df) {
        out.unmatched.add(`mgmt:${at(mf.rest)}`);
        continue;
      }
      matched.add(df.rest);
      if (renamed) out.renames.add(`${path}|${renamed}|${mf.rest}`);
      const here = `${path === '' ? '' : `${path}.`}${df.rest}${df.type.includes('list[') ? '.*' : ''}`;
      const [mm, dm] = [refs(mgmt, mf.type, 'models')[0], refs(data, df.type, 'models')[0]];
      if (mm && dm) walk(mm, dm, here);
      const [me, de] = [refs(mgmt, mf.type, 'enums')[0], refs(data, df.type, 'enums')[0]];
      if (me && de) {
        const [a, b] = [mgmt.enums[me]!, data.enums[de]!];
        if ([...a].sort().join() !== [...b].sort().join()) out.enums.set(here, [b, a]);
      }
    }
    for (const d of dFields.keys()) if (!matched.has(d)) out.unmatched.add(`data:${at(d)}`);
  };
  walk('PoolProperties', 'BatchPoolCreateOptions', '');
  walk('VirtualMachineConfiguration', 'VirtualMachineConfiguration', 'virtualMachineConfiguration');
  return out;
}

describe('the pool shape of the management plane against the data plane (2025-06-01 contracts)', () => {
  const diff = differences();

  test('every enum whose values differ is translated, with exactly the values of each contract', () => {
    const ours = new Map(ENUMS.map(([path, d, a]) => [path, [[...d].sort(), [...a].sort()]]));
    const theirs = new Map([...diff.enums].map(([path, [d, a]]) => [path, [[...d].sort(), [...a].sort()]]));
    expect(ours).toEqual(theirs);
  });

  test('every rename the translator knows is one the contracts have', () => {
    // A rename the contracts do not have would not be found by the walk.
    expect(new Set(RENAMED.map(([p, d, a]) => `${p}|${d}|${a}`))).toEqual(diff.renames);
  });

  test("what has no counterpart is only what the translator builds by hand, or read-only, or one plane's own", () => {
    expect([...diff.unmatched].sort()).toEqual(
      [
        // Built by hand in pool-shape.ts.
        'mgmt:deploymentConfiguration',
        'data:virtualMachineConfiguration',
        'mgmt:scaleSettings',
        'data:targetDedicatedNodes',
        'data:targetLowPriorityNodes',
        'data:resizeTimeout',
        'data:enableAutoScale',
        'data:autoScaleFormula',
        'data:autoScaleEvaluationInterval',
        'mgmt:interNodeCommunication',
        'data:enableInterNodeCommunication',
        'data:id',
        // Read-only on the management plane, rendered from the pool's state.
        'mgmt:lastModified',
        'mgmt:creationTime',
        'mgmt:provisioningState',
        'mgmt:provisioningStateTransitionTime',
        'mgmt:allocationState',
        'mgmt:allocationStateTransitionTime',
        'mgmt:currentDedicatedNodes',
        'mgmt:currentLowPriorityNodes',
        'mgmt:autoScaleRun',
        'mgmt:resizeOperationStatus',
        // One plane's own: a data-plane image pin, and a disk encryption set only ARM can name.
        'data:virtualMachineConfiguration.imageReference.exactVersion',
        'mgmt:virtualMachineConfiguration.dataDisks.*.managedDisk.securityProfile.diskEncryptionSet',
        'mgmt:virtualMachineConfiguration.osDisk.managedDisk.securityProfile.diskEncryptionSet',
      ].sort(),
    );
  });

  test('a management-plane PoolProperties built from a full data-plane pool uses only contract names', () => {
    const state: ArmPoolState = {
      provisioningState: 'Succeeded',
      provisioningStateTransitionTime: '2026-01-01T00:00:00.000Z',
      allocationState: 'steady',
      allocationStateTransitionTime: '2026-01-01T00:00:00.000Z',
      creationTime: '2026-01-01T00:00:00.000Z',
      lastModified: '2026-01-01T00:00:00.000Z',
      currentDedicatedNodes: 2,
      currentLowPriorityNodes: 1,
    };
    const arm = dataPoolToArm(
      fullPool(
        '/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/galleries/x/images/y/versions/1.0.0',
      ),
      state,
    );
    const unknown: string[] = [];
    const check = (value: unknown, model: string, path: string): void => {
      if (Array.isArray(value)) return value.forEach((v, i) => check(v, model, `${path}[${i}]`));
      if (typeof value !== 'object' || value === null) return;
      const fields = new Map(mgmt.models[model]!.fields.map((f) => [f.rest, f]));
      for (const [k, v] of Object.entries(value)) {
        const f = fields.get(k);
        if (!f) {
          unknown.push(`${path}.${k}`);
          continue;
        }
        const sub = refs(mgmt, f.type, 'models')[0];
        const en = refs(mgmt, f.type, 'enums')[0];
        if (sub) check(v, sub, `${path}.${k}`);
        else if (en && typeof v === 'string' && !mgmt.enums[en]!.includes(v))
          unknown.push(`${path}.${k}=${v}`);
      }
    };
    check(arm, 'PoolProperties', 'properties');
    expect(unknown).toEqual([]);
    expect(arm).toMatchObject({
      interNodeCommunication: 'Enabled',
      taskSchedulingPolicy: { nodeFillType: 'Pack' },
      scaleSettings: {
        fixedScale: { targetDedicatedNodes: 2, targetLowPriorityNodes: 1, resizeTimeout: 'PT20M' },
      },
      deploymentConfiguration: { virtualMachineConfiguration: { nodeAgentSkuId: 'batch.node.ubuntu 22.04' } },
    });
  });

  test('a full data-plane pool survives the round trip through the management-plane shape', () => {
    const image =
      '/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/galleries/x/images/y/versions/1.0.0';
    const body = fullPool(image);
    const state = {
      provisioningState: 'Succeeded',
      provisioningStateTransitionTime: '',
      allocationState: 'steady',
      allocationStateTransitionTime: '',
      creationTime: '',
      lastModified: '',
      currentDedicatedNodes: 0,
      currentLowPriorityNodes: 0,
    } as const;
    const back = armToAddBody('full', dataPoolToArm(body, state)).body;
    expect(back).toEqual(body);
  });
});
