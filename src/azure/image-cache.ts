// Many pools are built from one image, and each re-checks it on its own schedule: without sharing, 5,000
// pools cost 5,000 gallery reads per check interval. One answer per image and region is shared for a short
// while (the missing-image recheck interval, so no decision waits on an answer older than it would have
// asked for anyway), and concurrent checks of one image wait for the same read.

import type { Clock } from '../clock.ts';
import type { ImageChecker, ImageFacts, PublishRequest } from './ports.ts';

export class SharedImageChecks implements ImageChecker {
  readonly #inner: ImageChecker;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #answers = new Map<string, { at: number; facts: Promise<ImageFacts> }>();

  constructor(inner: ImageChecker, clock: Clock, ttlMs: number) {
    this.#inner = inner;
    this.#clock = clock;
    this.#ttlMs = ttlMs;
  }

  inspect(imageId: string, region: string | undefined): Promise<ImageFacts> {
    const key = keyOf(imageId, region);
    const now = this.#clock.now();
    const held = this.#answers.get(key);
    if (held && now - held.at < this.#ttlMs) return held.facts;
    if (this.#answers.size > 10_000) this.#prune(now);
    const facts = this.#inner.inspect(imageId, region);
    this.#answers.set(key, { at: now, facts });
    // A failed read is not an answer: the next check asks again.
    facts.catch(() => {
      if (this.#answers.get(key)?.facts === facts) this.#answers.delete(key);
    });
    return facts;
  }

  async publish(request: PublishRequest): Promise<void> {
    try {
      await this.#inner.publish(request);
    } finally {
      for (const key of this.#answers.keys()) {
        if (key.startsWith(`${request.versionId.toLowerCase()}|`)) this.#answers.delete(key);
      }
    }
  }

  #prune(now: number): void {
    for (const [key, a] of this.#answers) if (now - a.at >= this.#ttlMs) this.#answers.delete(key);
  }
}

function keyOf(imageId: string, region: string | undefined): string {
  return `${imageId.toLowerCase()}|${region?.toLowerCase() ?? ''}`;
}
