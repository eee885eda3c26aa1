import { defineConfig } from 'vitest/config';

// Two projects: `unit` is fast and self-contained (in-memory fakes, the simulator in-process);
// `e2e` runs against a real kube-apiserver + etcd that its global setup starts through
// test/cluster/with-cluster.sh, one file at a time because they share that cluster.
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
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/e2e/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
          fileParallelism: false,
          maxWorkers: 1,
        },
      },
    ],
  },
});
