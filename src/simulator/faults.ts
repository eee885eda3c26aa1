// What can go wrong, and how often. Two kinds of faults:
//  - allocation faults shape what a resize achieves (fail the next N, allocate a fraction, a random
//    failure probability, a cap per resize) and are read by the model when a resize starts;
//  - request faults act on the HTTP exchange (429, 503, dropped connections, slow answers, a failing
//    token endpoint) and are read by the server before a request reaches its handler.
// Randomness is seeded, so the same --seed replays the same run. Each resize draws from its own
// stream (seed, pool, resize number), so an allocation's fate does not depend on how often clients
// poll or in which order pools were made; request faults draw from one stream of their own.
import type { Prng } from './prng.ts';
import { createPrng } from './prng.ts';
import type { NodeRates, NodeSettings } from './state/nodes.ts';
import { DEFAULT_NODE_SETTINGS, RATE_KEYS } from './state/nodes.ts';

export interface AllocationSettings {
  /** Simulated seconds from the start of a resize until the first node arrives. */
  bootDelaySeconds: number;
  /** Nodes per simulated minute, per node type, after the boot delay. */
  nodesPerMinute: number;
  /** Simulated seconds until removed nodes have left. */
  shrinkDelaySeconds: number;
  /** Simulated seconds a pool stays `stopping` after a stop-resize. */
  stopDelaySeconds: number;
  /** Simulated seconds a deleted pool stays `deleting` before it disappears. */
  deleteDelaySeconds: number;
  /** Probability (0..1) that a growing resize fails with AllocationFailed part-way. */
  failureProbability: number;
  /** At most this many new nodes per node type in one resize (0 = no cap); a capped resize times out. */
  maxNodesPerResize: number;
  /** Node limits across all pools that use one custom image. */
  customImageDedicatedLimit: number;
  customImageLowPriorityLimit: number;
}

export const DEFAULT_ALLOCATION: AllocationSettings = {
  bootDelaySeconds: 90,
  nodesPerMinute: 300,
  shrinkDelaySeconds: 30,
  stopDelaySeconds: 5,
  deleteDelaySeconds: 60,
  failureProbability: 0,
  maxNodesPerResize: 0,
  customImageDedicatedLimit: 2500,
  customImageLowPriorityLimit: 1000,
};

export interface PoolFault {
  /** How many of the pool's next growing resizes fail (the initial allocation counts). */
  failNext: number;
  /** Share of the missing nodes that still arrive before a failing resize stops (0..1). */
  fraction: number;
  code: string;
  message?: string;
  /** resizeErrors[].values of the error (NameValuePair: name/value), when Azure would set them. */
  values?: { name: string; value: string }[];
  /** Keep failing every growing resize (as a partial allocation) until cleared. */
  persistent: boolean;
}

export type RequestScope = 'batch' | 'arm' | 'entra' | 'any';
export type RequestFaultKind = 'throttle' | 'unavailable' | 'drop' | 'slow' | 'tokenFailure';

export interface RequestFaultInput {
  kind: RequestFaultKind;
  /** Which API the rule applies to (tokenFailure always means entra). Default: batch for throttle/unavailable, any otherwise. */
  scope?: RequestScope;
  /** Only this operation, e.g. "Pool_Resize" (names as in the request log). */
  operation?: string;
  /** Share of matching requests hit (0..1, default 1). */
  share?: number;
  /** Stop after hitting this many requests. */
  count?: number;
  /** Stop after this many wall-clock seconds. */
  seconds?: number;
  /** Retry-After for throttle/unavailable (seconds, default 1). */
  retryAfterSeconds?: number;
  /** Added delay for slow (milliseconds, default 500). */
  delayMs?: number;
}

export interface RequestFaultRule extends Required<Pick<RequestFaultInput, 'kind' | 'scope' | 'share'>> {
  id: number;
  operation?: string;
  remaining?: number;
  untilWall?: number;
  retryAfterSeconds: number;
  delayMs: number;
  fromProfile: boolean;
}

export interface ProfileSpec {
  allocation: Partial<AllocationSettings>;
  requests: RequestFaultInput[];
}

export const PROFILES: Record<string, ProfileSpec> = {
  none: { allocation: {}, requests: [] },
  realistic: {
    // Some allocations fail, pools above ~300 nodes need several resizes, rare throttling.
    allocation: { failureProbability: 0.1, maxNodesPerResize: 300 },
    requests: [{ kind: 'throttle', scope: 'batch', share: 0.01, retryAfterSeconds: 1 }],
  },
  harsh: {
    allocation: { failureProbability: 0.35, maxNodesPerResize: 120, nodesPerMinute: 100 },
    requests: [
      { kind: 'throttle', scope: 'batch', share: 0.05, retryAfterSeconds: 2 },
      { kind: 'unavailable', scope: 'batch', share: 0.02, retryAfterSeconds: 5 },
      { kind: 'throttle', scope: 'arm', share: 0.03, retryAfterSeconds: 1 },
      { kind: 'drop', scope: 'any', share: 0.01 },
      { kind: 'slow', scope: 'any', share: 0.05, delayMs: 300 },
      { kind: 'tokenFailure', scope: 'entra', share: 0.05 },
    ],
  },
};

export class Faults {
  allocation: AllocationSettings;
  /** Node lifecycle timing and the account-wide rates of unusable nodes, start-task failures, preemptions. */
  nodes: NodeSettings;
  readonly #nodeBase: NodeSettings;
  /** Rates per pool id and per image (lower-cased resource ID); a pool's own beat its image's. */
  readonly #poolRates = new Map<string, NodeRates>();
  readonly #imageRates = new Map<string, NodeRates>();
  readonly #base: AllocationSettings;
  readonly #pools = new Map<string, PoolFault>();
  #rules: RequestFaultRule[] = [];
  #nextId = 1;
  #profile = 'none';
  readonly #seed: string;
  readonly #requestRandom: Prng;
  readonly #wallNow: () => number;

  constructor(
    seed: string | number,
    allocation: Partial<AllocationSettings> = {},
    wallNow: () => number = Date.now,
    nodes: Partial<NodeSettings> = {},
  ) {
    this.#seed = String(seed);
    this.#nodeBase = { ...DEFAULT_NODE_SETTINGS, ...checkNodeSettings(nodes) };
    this.nodes = { ...this.#nodeBase };
    this.#requestRandom = createPrng(`${this.#seed}|requests`);
    this.#base = { ...DEFAULT_ALLOCATION, ...allocation };
    this.allocation = { ...this.#base };
    this.#wallNow = wallNow;
  }

  get profile(): string {
    return this.#profile;
  }

  setAllocation(settings: Partial<AllocationSettings>): AllocationSettings {
    for (const [k, v] of Object.entries(settings)) {
      if (!(k in DEFAULT_ALLOCATION)) throw new TypeError(`unknown allocation setting "${k}"`);
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
        throw new TypeError(`${k} must be a number >= 0`);
    }
    if (settings.nodesPerMinute === 0) throw new TypeError('nodesPerMinute must be > 0');
    Object.assign(this.allocation, settings);
    return this.allocation;
  }

  useProfile(name: string): void {
    const spec = PROFILES[name];
    if (!spec)
      throw new TypeError(`unknown fault profile "${name}" (known: ${Object.keys(PROFILES).join(', ')})`);
    this.allocation = { ...this.#base, ...spec.allocation };
    this.#rules = this.#rules.filter((r) => !r.fromProfile);
    for (const r of spec.requests) this.addRequestFault(r, true);
    this.#profile = name;
  }

  /** The simulator's seed (node fates and preemptions draw from streams named after it). */
  get seed(): string {
    return this.#seed;
  }

  // ------------------------------------------------------------------ nodes

  setNodes(settings: Partial<NodeSettings>): NodeSettings {
    Object.assign(this.nodes, checkNodeSettings(settings));
    return this.nodes;
  }

  /** Rates for one pool (overriding its image's and the account-wide ones); `undefined` clears them. */
  setPoolNodeRates(poolId: string, rates: NodeRates | undefined): void {
    if (rates === undefined) this.#poolRates.delete(poolId);
    else this.#poolRates.set(poolId, checkRates(rates));
  }

  /** Rates for every pool built from an image (a gallery definition, a version, ...); `undefined` clears them. */
  setImageNodeRates(imageId: string, rates: NodeRates | undefined): void {
    if (rates === undefined) this.#imageRates.delete(imageId.toLowerCase());
    else this.#imageRates.set(imageId.toLowerCase(), checkRates(rates));
  }

  nodeRateOverrides(): { pools: Record<string, NodeRates>; images: Record<string, NodeRates> } {
    return { pools: Object.fromEntries(this.#poolRates), images: Object.fromEntries(this.#imageRates) };
  }

  /** The rates that apply to a pool: its own, else its image's (the first of `imageIds` that has some), else the account's. */
  nodeRates(poolId: string, imageIds: readonly (string | undefined)[]): Required<NodeRates> {
    const out: Required<NodeRates> = {
      unusableRate: this.nodes.unusableRate,
      startTaskFailureRate: this.nodes.startTaskFailureRate,
      spotPreemptionsPerHour: this.nodes.spotPreemptionsPerHour,
    };
    const image = imageIds.flatMap((id) => {
      const r = id === undefined ? undefined : this.#imageRates.get(id.toLowerCase());
      return r ? [r] : [];
    })[0];
    for (const layer of [image, this.#poolRates.get(poolId)])
      for (const k of RATE_KEYS) if (layer?.[k] !== undefined) out[k] = layer[k];
    return out;
  }

  /** The random stream for one resize of one pool. */
  resizeRandom(poolId: string, resizeNumber: number): Prng {
    return createPrng(`${this.#seed}|resize|${poolId}|${resizeNumber}`);
  }

  // ------------------------------------------------------------------ per-pool allocation faults

  failNextResizes(
    poolId: string,
    count: number,
    options: {
      code?: string;
      message?: string;
      fraction?: number;
      values?: { name: string; value: string }[];
    } = {},
  ): void {
    this.#pools.set(poolId, {
      failNext: count,
      fraction: clampShare(options.fraction ?? 0),
      code: options.code ?? 'AllocationFailed',
      message: options.message,
      ...(options.values ? { values: checkValues(options.values) } : {}),
      persistent: false,
    });
  }

  allocateFraction(
    poolId: string,
    fraction: number,
    options: { code?: string; message?: string; values?: { name: string; value: string }[] } = {},
  ): void {
    this.#pools.set(poolId, {
      failNext: 0,
      fraction: clampShare(fraction),
      code: options.code ?? 'AllocationFailed',
      message: options.message,
      ...(options.values ? { values: checkValues(options.values) } : {}),
      persistent: true,
    });
  }

  clearPoolFaults(poolId: string): void {
    this.#pools.delete(poolId);
  }

  poolFaults(): Record<string, PoolFault> {
    return Object.fromEntries(this.#pools);
  }

  /** Called once per growing resize; consumes one "fail next" if any. */
  takePoolFault(poolId: string): PoolFault | undefined {
    const f = this.#pools.get(poolId);
    if (!f) return undefined;
    if (f.persistent) return f;
    if (f.failNext <= 0) return undefined;
    f.failNext -= 1;
    if (f.failNext === 0) this.#pools.delete(poolId);
    return f;
  }

  // ------------------------------------------------------------------ request faults

  addRequestFault(input: RequestFaultInput, fromProfile = false): RequestFaultRule {
    const kinds: RequestFaultKind[] = ['throttle', 'unavailable', 'drop', 'slow', 'tokenFailure'];
    if (!kinds.includes(input.kind)) throw new TypeError(`unknown fault kind "${String(input.kind)}"`);
    const scope: RequestScope =
      input.kind === 'tokenFailure'
        ? 'entra'
        : (input.scope ?? (input.kind === 'throttle' || input.kind === 'unavailable' ? 'batch' : 'any'));
    const rule: RequestFaultRule = {
      id: this.#nextId++,
      kind: input.kind,
      scope,
      share: clampShare(input.share ?? 1),
      ...(input.operation === undefined ? {} : { operation: input.operation }),
      ...(input.count === undefined ? {} : { remaining: input.count }),
      ...(input.seconds === undefined ? {} : { untilWall: this.#wallNow() + input.seconds * 1000 }),
      retryAfterSeconds: input.retryAfterSeconds ?? 1,
      delayMs: input.delayMs ?? 500,
      fromProfile,
    };
    this.#rules.push(rule);
    return rule;
  }

  removeRequestFault(id: number): boolean {
    const before = this.#rules.length;
    this.#rules = this.#rules.filter((r) => r.id !== id);
    return this.#rules.length !== before;
  }

  requestFaults(): RequestFaultRule[] {
    return this.#rules.map((r) => ({ ...r }));
  }

  /** The faults that hit this request, at most one per kind, in rule order. */
  match(scope: Exclude<RequestScope, 'any'>, operation: string): RequestFaultRule[] {
    if (this.#rules.length === 0) return [];
    const now = this.#wallNow();
    const hits: RequestFaultRule[] = [];
    for (const r of this.#rules) {
      if (r.untilWall !== undefined && now >= r.untilWall) continue;
      if (r.remaining !== undefined && r.remaining <= 0) continue;
      if (r.scope !== 'any' && r.scope !== scope) continue;
      if (r.operation !== undefined && r.operation !== operation) continue;
      if (hits.some((h) => h.kind === r.kind)) continue;
      if (r.share < 1 && this.#requestRandom.next() >= r.share) continue;
      if (r.remaining !== undefined) r.remaining -= 1;
      hits.push(r);
    }
    this.#rules = this.#rules.filter(
      (r) =>
        !(r.remaining !== undefined && r.remaining <= 0) &&
        !(r.untilWall !== undefined && now >= r.untilWall),
    );
    return hits;
  }

  /** Clears everything, back to the chosen start-up profile's allocation settings. */
  clear(): void {
    this.#pools.clear();
    this.#poolRates.clear();
    this.#imageRates.clear();
    this.nodes = { ...this.#nodeBase };
    this.#rules = [];
    this.allocation = { ...this.#base };
    this.#profile = 'none';
  }
}

function checkValues(values: unknown): { name: string; value: string }[] {
  if (
    !Array.isArray(values) ||
    values.some((v: unknown) => {
      const pair = v as { name?: unknown; value?: unknown } | null;
      return typeof pair?.name !== 'string' || typeof pair.value !== 'string';
    })
  )
    throw new TypeError('values must be a list of {name, value} strings');
  return values.map((v: { name: string; value: string }) => ({ name: v.name, value: v.value }));
}

function checkNodeSettings(settings: Partial<NodeSettings>): Partial<NodeSettings> {
  for (const [k, v] of Object.entries(settings)) {
    if (!(k in DEFAULT_NODE_SETTINGS)) throw new TypeError(`unknown node setting "${k}"`);
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0)
      throw new TypeError(`${k} must be a number >= 0`);
    if ((k === 'unusableRate' || k === 'startTaskFailureRate' || k === 'spotCapacity') && v > 1)
      throw new TypeError(`${k} lies in 0..1`);
  }
  return settings;
}

function checkRates(rates: NodeRates): NodeRates {
  if (typeof rates !== 'object' || rates === null) throw new TypeError('rates must be an object');
  for (const k of Object.keys(rates))
    if (!(RATE_KEYS as readonly string[]).includes(k))
      throw new TypeError(`unknown node rate "${k}" (known: ${RATE_KEYS.join(', ')})`);
  checkNodeSettings(rates);
  return { ...rates };
}

function clampShare(x: number): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0 || x > 1)
    throw new TypeError('shares and fractions lie in 0..1');
  return x;
}
