// ARM's throttling of a subscription, as the management-plane pool API answers it: a token bucket per
// subscription for each kind of request, refilled every second. Learn azure-resource-manager/management/
// request-limits-and-throttling ("Subscription and tenant limits", the token bucket algorithm): per
// subscription, region and principal, reads 250 with 25 a second, writes 200 with 10 a second, deletes 200
// with 10 a second; every answer says what is left in `x-ms-ratelimit-remaining-subscription-{reads,writes,
// deletes}`, and an empty bucket answers 429 with Retry-After. One bucket per subscription and kind here
// (region and principal are one in the simulator: our choice). Wall-clock time, as ARM's.

export type RequestKind = 'reads' | 'writes' | 'deletes';

export interface BucketLimits {
  capacity: number;
  perSecond: number;
}

export const ARM_LIMITS: Readonly<Record<RequestKind, BucketLimits>> = Object.freeze({
  reads: { capacity: 250, perSecond: 25 },
  writes: { capacity: 200, perSecond: 10 },
  deletes: { capacity: 200, perSecond: 10 },
});

export type Take = { ok: true; remaining: number } | { ok: false; retryAfterSeconds: number };

export class SubscriptionBuckets {
  readonly #limits: Readonly<Record<RequestKind, BucketLimits>>;
  readonly #now: () => number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    limits: Readonly<Record<RequestKind, BucketLimits>> = ARM_LIMITS,
    now: () => number = Date.now,
  ) {
    this.#limits = limits;
    this.#now = now;
  }

  static kindOf(method: string): RequestKind {
    return method === 'GET' || method === 'HEAD' ? 'reads' : method === 'DELETE' ? 'deletes' : 'writes';
  }

  take(subscription: string, kind: RequestKind): Take {
    const { capacity, perSecond } = this.#limits[kind];
    const key = `${subscription.toLowerCase()}|${kind}`;
    const now = this.#now();
    const b = this.#buckets.get(key) ?? { tokens: capacity, at: now };
    b.tokens = Math.min(capacity, b.tokens + ((now - b.at) / 1000) * perSecond);
    b.at = now;
    this.#buckets.set(key, b);
    if (b.tokens < 1)
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / perSecond)) };
    b.tokens -= 1;
    return { ok: true, remaining: Math.floor(b.tokens) };
  }

  clear(): void {
    this.#buckets.clear();
  }
}
