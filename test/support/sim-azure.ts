// The real Azure adapters against a simulator — the 2025-06-01 Batch data plane with the Batch scope, no SDK
// retries, the simulator's CA; @azure/arm-compute for images — under the operator's own identity. Every
// test, benchmark and script that needs real adapters gets them here, so a new adapter is one change.

import { ClientSecretCredential } from '@azure/identity';
import type { BatchPools, ImageChecker } from '../../src/azure/ports.ts';
import { makeBatchDataPlane } from '../../src/azure/batch/adapter.ts';
import { ImagesAdapter } from '../../src/azure/images.ts';
import type { Simulator } from '../../src/simulator/index.ts';

export interface SimAzure {
  batch: BatchPools;
  images: ImageChecker;
}

export function connectAzure(sim: Simulator): SimAzure {
  const i = sim.info;
  const cred = new ClientSecretCredential(i.tenantId, i.clientId, i.clientSecret, {
    authorityHost: i.authorityHost,
    disableInstanceDiscovery: true,
    tlsOptions: { ca: i.caPem },
  });
  return {
    batch: makeBatchDataPlane(cred, i.batchUrl, { ca: i.caPem }),
    images: new ImagesAdapter(cred, { armEndpoint: i.armEndpoint, ca: i.caPem }),
  };
}
