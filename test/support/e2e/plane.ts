// Which plane the e2e suite's accounts write their pools through: the harness files run once per plane (the
// e2e and e2e-arm projects of vitest.config.ts), so every behaviour they prove holds for both kinds of account.
// Tests name pool requests by what they do (the request log's plane-neutral `action`), not by a plane's
// operation names, so one assertion holds on both.

import type { PoolAction, RequestLogEntry } from '../../../src/simulator/request-log.ts';
import type { Simulator } from '../../../src/simulator/index.ts';

export type Plane = 'DataPlane' | 'ResourceManager';

export function e2ePlane(): Plane {
  return process.env.E2E_PLANE === 'ResourceManager' ? 'ResourceManager' : 'DataPlane';
}

/** The API the operator's pool requests go to on this plane (for faults and filters). */
export function poolApi(plane: Plane = e2ePlane()): 'batch' | 'arm' {
  return plane === 'ResourceManager' ? 'arm' : 'batch';
}

/** The request-log operation that does `action` on this plane, for a fault to hit it. */
export function poolOperation(
  action: 'get' | 'list' | 'resize' | 'create' | 'update',
  plane: Plane = e2ePlane(),
): string {
  const rm = plane === 'ResourceManager';
  switch (action) {
    case 'update':
      // An empty-pool settings change: a PATCH on both planes (ARM's also resizes, by what it names).
      return rm ? 'Pool_Update' : 'Pool_Patch';
    case 'get':
      return 'Pool_Get';
    case 'list':
      return rm ? 'Pool_ListByBatchAccount' : 'Pool_List';
    case 'resize':
      return rm ? 'Pool_Update' : 'Pool_Resize';
    case 'create':
      return rm ? 'Pool_Create' : 'Pool_Add';
  }
}

/**
 * The pool requests doing `action` (any, when undefined) to `poolId` (any, when undefined) since `since`, on
 * either plane.
 */
export function poolRequests(
  sim: Simulator,
  action: PoolAction | undefined,
  poolId?: string,
  since = 0,
): RequestLogEntry[] {
  return sim.requests
    .list({ since })
    .filter(
      (e) =>
        e.action !== undefined &&
        (action === undefined || e.action === action) &&
        (poolId === undefined || e.pool?.toLowerCase() === poolId.toLowerCase()),
    );
}

/** The resource ID to give an account so that it follows the plane in use (undefined: the data plane). */
export function planeResourceId(sim: Simulator): string | undefined {
  return e2ePlane() === 'ResourceManager' ? sim.info.batchAccountId : undefined;
}

/** Azure took the request (Batch answers 201/202, ARM 200). */
export const accepted = (e: RequestLogEntry): boolean => e.status >= 200 && e.status < 300;
