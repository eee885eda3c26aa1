import { defineConfig } from 'vitest/config';

// Three projects: `unit` is fast and self-contained (in-memory fakes, the simulator in-process);
// `e2e` runs against a real kube-apiserver + etcd that its global setup starts through
// test/cluster/with-cluster.sh, one file at a time because they share that cluster; `e2e-arm` runs the
// controller files again, after `e2e`, with every account writing its pools through the management plane
// (test/support/e2e/plane.ts), so each behaviour they prove is proven for both kinds of account.

const e2e = {
  globalSetup: ['test/e2e/global-setup.ts'],
  testTimeout: 180_000,
  hookTimeout: 300_000,
  fileParallelism: false,
  maxWorkers: 1,
};

/**
 * The files whose accounts come from the harness or the fault environment (test/support/e2e/harness.ts,
 * fault-env.ts), so follow E2E_PLANE: the controller's behaviour and the Azure fault suite.
 */
export const BOTH_PLANES = [
  'test/e2e/controller-lifecycle.test.ts',
  'test/e2e/controller-guards.test.ts',
  'test/e2e/controller-images.test.ts',
  'test/e2e/controller-nodes.test.ts',
  'test/e2e/controller-updates.test.ts',
  'test/e2e/controller-adoption.test.ts',
  'test/e2e/fault-azure.test.ts',
  'test/e2e/fault-operator-kill.test.ts',
];
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], ...e2e },
      },
      {
        test: {
          name: 'e2e-arm',
          include: BOTH_PLANES,
          env: { E2E_PLANE: 'ResourceManager' },
          sequence: { groupOrder: 1 },
          ...e2e,
        },
      },
    ],
  },
});
