// How many nodes the other BatchPools on the same custom image claim, for the per-image limits.

import type { BatchPool } from '../../api/types.ts';
import { desiredTargets } from './targets.ts';
import type { ImageUsage } from './types.ts';

/**
 * Sums the other BatchPools on the same image (case-insensitive): the targets of the older ones, which come
 * first, and what the newer ones already hold — so a newer pool can never stall an older one, and an older
 * pool does not grow into nodes a newer one has.
 */
export function imageUsage(self: BatchPool, all: readonly BatchPool[]): ImageUsage {
  const imageId = self.spec.image.id.toLowerCase();
  const key = (p: BatchPool) => `${p.metadata.namespace ?? ''}/${p.metadata.name}`;
  const order = (p: BatchPool) => `${p.metadata.creationTimestamp ?? '9999'}\u0000${key(p)}`;
  const selfKey = key(self);
  const usage: ImageUsage = { dedicated: 0, lowPriority: 0, sharedWith: [] };
  for (const p of all) {
    if (key(p) === selfKey || p.spec.image.id.toLowerCase() !== imageId) continue;
    usage.sharedWith.push(key(p));
    if (order(p) < order(self)) {
      const t = desiredTargets(p);
      usage.dedicated += t.dedicated;
      usage.lowPriority += t.lowPriority;
    } else {
      usage.dedicated += p.status?.currentDedicatedNodes ?? 0;
      usage.lowPriority += p.status?.currentLowPriorityNodes ?? 0;
    }
  }
  usage.sharedWith.sort();
  return usage;
}
