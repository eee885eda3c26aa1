// The management-plane pool client against the 2025-06-01 contract read from Microsoft's azure-mgmt-batch
// 19.0.0 (test/contract/azure-mgmt-batch-2025-06-01.json): every operation it sends has the contract's
// method and path, at the contract's api-version.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { ARM_API_VERSION, ARM_POOL_OPERATIONS } from '../../../src/azure/arm/client.ts';

interface Contract {
  apiVersion: string;
  operations: { op: string; method: string; path: string }[];
}
const contract = JSON.parse(
  readFileSync(new URL('../../contract/azure-mgmt-batch-2025-06-01.json', import.meta.url), 'utf8'),
) as Contract;

const ACCOUNT =
  '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Batch/batchAccounts/{accountName}';

describe('the management-plane pool client against the 2025-06-01 contract', () => {
  test('speaks the contract api-version', () => {
    expect(ARM_API_VERSION).toBe(contract.apiVersion);
  });

  test.each(Object.entries(ARM_POOL_OPERATIONS))('%s has the contract method and path', (name, ours) => {
    const theirs = contract.operations.find((o) => o.op === name);
    expect(theirs, `${name} in the contract`).toBeDefined();
    expect({ method: ours.method, path: `${ACCOUNT}${ours.path}` }).toEqual({
      method: theirs!.method,
      path: theirs!.path,
    });
  });

  test('uses every pool operation the contract has, but none of the others', () => {
    const pools = contract.operations.filter((o) => o.op.startsWith('pool_')).map((o) => o.op);
    expect(Object.keys(ARM_POOL_OPERATIONS).sort()).toEqual(pools.sort());
  });
});
