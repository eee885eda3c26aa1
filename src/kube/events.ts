// Kubernetes events (events.k8s.io/v1) for what the operator did and saw. A repeat of the same event for the
// same object within the window updates the first one's series (count, lastObservedTime) instead of adding
// another. Recording never fails a reconcile: events are best effort.

import { randomBytes } from 'node:crypto';
import os from 'node:os';
import {
  EventsV1Api,
  PatchStrategy,
  setHeaderOptions,
  V1MicroTime,
  type KubeConfig,
} from '@kubernetes/client-node';
import { API_VERSION, BATCHPOOL_KIND, GROUP, type BatchPool } from '../api/types.ts';
import type { Clock } from '../clock.ts';
import type { EventInput, EventRecorder } from './ports.ts';

export const REPORTING_CONTROLLER = `${GROUP}/batchpool-operator`;
const NOTE_MAX = 1024;

interface Seen {
  name: string;
  count: number;
  at: number;
}

export class KubeEventRecorder implements EventRecorder {
  private readonly api: EventsV1Api;
  private readonly clock: Clock;
  private readonly instance: string;
  private readonly windowMs: number;
  private readonly onError: (err: unknown) => void;
  private readonly seen = new Map<string, Seen>();

  constructor(
    kc: KubeConfig,
    o: { clock: Clock; instance?: string; windowMs?: number; onError?: (err: unknown) => void },
  ) {
    this.api = kc.makeApiClient(EventsV1Api);
    this.clock = o.clock;
    this.instance = o.instance ?? os.hostname();
    this.windowMs = o.windowMs ?? 30 * 60_000;
    this.onError = o.onError ?? (() => {});
  }

  async record(pool: BatchPool, e: EventInput): Promise<void> {
    const namespace = pool.metadata.namespace ?? 'default';
    const key = `${pool.metadata.uid ?? `${namespace}/${pool.metadata.name}`}|${e.type}|${e.reason}|${e.message}`;
    const now = this.clock.now();
    const prior = this.seen.get(key);
    try {
      if (prior && now - prior.at < this.windowMs) {
        prior.count += 1;
        prior.at = now;
        await this.api.patchNamespacedEvent(
          {
            name: prior.name,
            namespace,
            body: { series: { count: prior.count, lastObservedTime: new V1MicroTime(now) } },
          },
          setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
        );
        return;
      }
      const created = await this.api.createNamespacedEvent({
        namespace,
        body: {
          // generateName may not end in '.'; name events like client-go does: <object>.<unique hex>
          metadata: {
            name: `${pool.metadata.name}.${now.toString(16)}${randomBytes(4).toString('hex')}`,
            namespace,
          },
          eventTime: new V1MicroTime(now),
          reportingController: REPORTING_CONTROLLER,
          reportingInstance: this.instance,
          action: e.action,
          reason: e.reason,
          type: e.type,
          note: e.message.length > NOTE_MAX ? `${e.message.slice(0, NOTE_MAX - 1)}…` : e.message,
          regarding: {
            apiVersion: API_VERSION,
            kind: BATCHPOOL_KIND,
            name: pool.metadata.name,
            namespace,
            ...(pool.metadata.uid && { uid: pool.metadata.uid }),
          },
        },
      });
      if (this.seen.size > 10_000) this.seen.clear();
      if (created.metadata?.name) this.seen.set(key, { name: created.metadata.name, count: 1, at: now });
    } catch (err) {
      if (prior) this.seen.delete(key);
      this.onError(err);
    }
  }
}
