// Which Azure pool belongs to which BatchPool: the owner entries the operator writes into the pool's metadata.

import type { BatchPool, NameValue } from '../../api/types.ts';
import { OWNER_METADATA, type PoolSnapshot } from '../../azure/ports.ts';

/** The pool's metadata names this object (namespace and name; the uid changes when the object is re-created). */
export function isOwnedBy(pool: PoolSnapshot, object: BatchPool): boolean {
  return pool.owner.namespace === object.metadata.namespace && pool.owner.name === object.metadata.name;
}

export function ownerMetadata(object: BatchPool): NameValue[] {
  return [
    { name: OWNER_METADATA.namespace, value: object.metadata.namespace ?? '' },
    { name: OWNER_METADATA.name, value: object.metadata.name },
    { name: OWNER_METADATA.uid, value: object.metadata.uid ?? '' },
  ];
}
