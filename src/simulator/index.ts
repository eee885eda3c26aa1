// The simulator's public, in-process API: startSimulator() brings up the HTTPS server and returns
// connection details (`info`, the same object the CLI prints) plus typed helpers for images,
// faults, the clock, the request log and pool inspection. Tests and the demo use this; other
// processes use the CLI's JSON line and the /_sim control API. Keep these names stable.
import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TlsMaterial } from './certs.ts';
import { generateTlsMaterial } from './certs.ts';
import type { SimClock } from './clock.ts';
import { ScaledClock } from './clock.ts';
import type { CompatOptions } from './compat.ts';
import type { SimPoolView, Snapshot } from './core.ts';
import { SimulatorCore } from './core.ts';
import type { AllocationSettings, RequestFaultInput, RequestFaultRule } from './faults.ts';
import type { NodeRates, NodeSettings } from './state/nodes.ts';
import { nodeSerializer } from './batch-api.ts';
import type { GalleryDefinitionOptions, GalleryVersionOptions } from './gallery-helpers.ts';
import { putGalleryDefinition, putGalleryVersion, setVersionState } from './gallery-helpers.ts';
import type { RequestLogEntry } from './request-log.ts';
import { startServer } from './server.ts';
import type { RegisteredClient, TokenIssuer } from './tokens.ts';
import type { Quotas, SupportedImage, VmSize } from './state/account.ts';
import type {
  GalleryProvisioningState,
  GallerySettings,
  RegionReplication,
  VersionStatus,
} from './state/images.ts';
import type { SecurityMismatchMode } from './state/security.ts';

export type { AllocationSettings, RequestFaultInput, RequestFaultRule } from './faults.ts';
export type { NodeRates, NodeSettings } from './state/nodes.ts';
export { DEFAULT_NODE_SETTINGS } from './state/nodes.ts';
export { PROFILES, DEFAULT_ALLOCATION } from './faults.ts';
export type { RequestLogEntry } from './request-log.ts';
export type { RegisteredClient } from './tokens.ts';
export { generateClientCertificate } from './tokens.ts';
export type { SimPoolView } from './core.ts';
export type { SimClock } from './clock.ts';
export { ScaledClock, manualClock } from './clock.ts';
export type { CompatOptions } from './compat.ts';
export { DEFAULT_COMPAT, LEGACY_COMPAT, STRICT_COMPAT } from './compat.ts';
export type { GalleryDefinitionOptions, GalleryVersionOptions } from './gallery-helpers.ts';
export type { Quotas, SupportedImage, VmSize } from './state/account.ts';
export { DEFAULT_QUOTAS, DEFAULT_SUPPORTED_IMAGES, DEFAULT_VM_SIZES } from './state/account.ts';
export { DEFAULT_API_VERSIONS } from './state/api-versions.ts';
export type {
  GalleryProvisioningState,
  GallerySettings,
  RegionReplication,
  ReplicationState,
  VersionStatus,
} from './state/images.ts';
export { DEFAULT_GALLERY } from './state/images.ts';
export type { SecurityMismatchMode } from './state/security.ts';

export interface SimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Simulated seconds per wall second (default 1). 0 freezes the clock; it then moves only by `clock.advance`. */
  timeScale?: number;
  /** Seed of the PRNG behind random faults (default 1): the same seed replays the same run. */
  seed?: string | number;
  /** Where the CA, the server certificate and the state snapshot live (default: a new temp dir). */
  stateDir?: string;
  /** Fault profile to start with: none (default), realistic, harsh. */
  profile?: string;
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  /** Further Entra app registrations, e.g. a BatchAccount's own client with its secret or certificate. */
  entraClients?: RegisteredClient[];
  subscriptionId?: string;
  /** Overrides of the allocation model (boot delay, node rate, limits, ...). */
  allocation?: Partial<AllocationSettings>;
  /** Node lifecycle timing and the account-wide rates of unusable nodes, start-task failures and Spot preemptions. */
  nodes?: Partial<NodeSettings>;
  /** Code of the 409 for a resize while resizing/stopping (unconfirmed; default OperationInvalidForCurrentState). */
  resizeConflictCode?: string;
  /** Images (resource IDs) that exist from the start. */
  images?: string[];
  /** The Batch account's region (default westeurope); also the default region of images. */
  location?: string;
  /**
   * Behaviours of the 2022 simulator that Azure has retired (old api-versions, managed images, no quotas);
   * see compat.ts. All off by default (today's Azure); each turns one back on.
   */
  compat?: Partial<CompatOptions>;
  /** The Batch account's management-plane name and resource group (default simbatch in batch-rg). */
  account?: { name?: string; resourceGroup?: string };
  /** Pool and core quotas (enforced unless compat.ignoreAccountQuotas); default: Learn's upper defaults. */
  quotas?: Partial<Quotas>;
  /** VM sizes Batch offers, per region (default DEFAULT_VM_SIZES). */
  vmSizes?: VmSize[];
  /** What GET /supportedimages answers and pool creates are checked against (default DEFAULT_SUPPORTED_IMAGES). */
  supportedImages?: SupportedImage[];
  /** Data-plane api-versions served (default 2025-06-01 and 2025-06-01.21.0). */
  apiVersions?: string[];
  /** Timing of gallery image version publishing (PUT with a managed image as source). */
  gallery?: Partial<GallerySettings>;
  /** A pool whose securityProfile does not fit its image: 'unusableNodes' (default, as Batch does) or 'reject'. */
  securityMismatch?: SecurityMismatchMode;
  /** Gets one line per answered request. */
  onRequest?: (line: string) => void;
  /** A clock to use instead of a ScaledClock (tests of the model). */
  clock?: SimClock;
  /**
   * Another Batch account of that simulator's tenant: this one trusts the tokens its Entra ID issues and serves
   * under its CA, as two accounts of one tenant do on Azure, so one client reaches both. Tenant, client and
   * subscription default to that simulator's; pools, images, faults and the request log are this one's own.
   */
  sameTenantAs?: Simulator;
}

/** Everything a client needs; the CLI prints exactly these keys as one JSON line. */
export interface SimulatorInfo {
  batchUrl: string;
  armEndpoint: string;
  authorityHost: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  subscriptionId: string;
  caFile: string;
  controlUrl: string;
  /** The Batch account's region (the data plane does not say; the management plane's account GET does). */
  location: string;
  /** The account's management-plane resource ID (GET it at armEndpoint). */
  batchAccountId: string;
}

export interface Simulator {
  info: SimulatorInfo & { caPem: string; stateDir: string };
  close(): Promise<void>;
  clock: {
    now(): Date;
    /** Moves simulated time forward. */
    advance(seconds: number): void;
    setTimeScale(scale: number): void;
    readonly timeScale: number;
  };
  identities: {
    /**
     * Creates a user-assigned managed identity in the simulator's subscription (resource group default
     * "identities-rg"); returns its resource ID. `assignableBy`: the client IDs that may put it on a pool
     * (Managed Identity Operator); omitted, anyone may.
     */
    create(name: string, options?: { resourceGroup?: string; assignableBy?: readonly string[] }): string;
    /** The identity's client and principal IDs, when it exists. */
    get(id: string): { id: string; clientId: string; principalId: string } | undefined;
    delete(id: string): boolean;
  };
  images: {
    /** Creates a managed image in the simulator's subscription; returns its resource ID. */
    createManagedImage(name: string, options?: { resourceGroup?: string; location?: string }): string;
    /**
     * Creates gallery, image definition and version as needed, in the given state (default: Succeeded and
     * replicated to its region); returns the version's resource ID.
     */
    createGalleryImageVersion(
      gallery: string,
      image: string,
      version: string,
      options?: GalleryVersionOptions,
    ): string;
    /** Creates (or updates) a gallery image definition; returns its resource ID. */
    createGalleryImage(
      gallery: string,
      image: string,
      options?: GalleryDefinitionOptions & { resourceGroup?: string; location?: string },
    ): string;
    /** Fixes a version's provisioning state and/or replication per region (ends a publishing run); false if absent. */
    setVersionState(
      versionId: string,
      change: { provisioningState?: GalleryProvisioningState; regions?: Record<string, RegionReplication> },
    ): boolean;
    /** A version's provisioning and replication now, as $expand=ReplicationStatus would show them. */
    versionStatus(versionId: string): VersionStatus | undefined;
    /** Gallery publishing timing (provisioningSeconds, replicationSeconds, retryAfterSeconds, failRegions). */
    setGallery(settings: Partial<GallerySettings>): GallerySettings;
    /** Creates any compute image resource by ID (parents are created as needed). */
    create(resourceId: string, options?: { location?: string; properties?: Record<string, unknown> }): void;
    delete(resourceId: string): boolean;
    exists(resourceId: string): boolean;
    list(): string[];
  };
  faults: {
    /** The next `count` growing resizes of the pool (the initial allocation counts) fail. */
    failNextResizes(
      poolId: string,
      count: number,
      options?: {
        code?: string;
        message?: string;
        fraction?: number;
        values?: { name: string; value: string }[];
      },
    ): void;
    /** Every growing resize of the pool gets only this share of the missing nodes, then fails. */
    allocateFraction(
      poolId: string,
      fraction: number,
      options?: { code?: string; message?: string; values?: { name: string; value: string }[] },
    ): void;
    clearPool(poolId: string): void;
    setAllocation(settings: Partial<AllocationSettings>): AllocationSettings;
    readonly allocation: AllocationSettings;
    /** Node lifecycle timing and account-wide rates (unusableRate, startTaskFailureRate, spotPreemptionsPerHour, ...). */
    setNodes(settings: Partial<NodeSettings>): NodeSettings;
    readonly nodes: NodeSettings;
    /** Rates for one pool, over its image's and the account's; undefined clears them. */
    setPoolNodeRates(poolId: string, rates: NodeRates | undefined): void;
    /** Rates for the pools of one image (gallery definition or version, or publisher:offer:sku); undefined clears. */
    setImageNodeRates(imageId: string, rates: NodeRates | undefined): void;
    throttle(options?: Omit<RequestFaultInput, 'kind'>): RequestFaultRule;
    unavailable(options?: Omit<RequestFaultInput, 'kind'>): RequestFaultRule;
    dropConnections(options?: Omit<RequestFaultInput, 'kind'>): RequestFaultRule;
    slow(options?: Omit<RequestFaultInput, 'kind'>): RequestFaultRule;
    failTokens(options?: Omit<RequestFaultInput, 'kind' | 'scope'>): RequestFaultRule;
    remove(ruleId: number): boolean;
    useProfile(name: string): void;
    /** Removes every fault and returns to the start-up allocation settings. */
    clear(): void;
  };
  requests: {
    /** Log entries after the `since` cursor (a seq), optionally filtered. */
    list(filter?: { since?: number; operation?: string; api?: string; clientId?: string }): RequestLogEntry[];
    /** The seq of the newest entry: pass it as `since` later to see only what came after. */
    cursor(): number;
    clear(): void;
  };
  pools: {
    get(id: string): SimPoolView | undefined;
    list(): SimPoolView[];
    /** The pool's nodes now, as GET /pools/{id}/nodes would list them (2025-06-01 BatchNode); undefined if no pool. */
    nodes(id: string): Record<string, unknown>[] | undefined;
  };
  access: {
    /** Calls made with this client's tokens get 403 (a missing role assignment). */
    deny(clientId: string): void;
    allow(clientId: string): void;
  };
  /** The Batch account: region, quotas, VM sizes, supported images. */
  account: {
    readonly name: string;
    readonly resourceGroup: string;
    readonly location: string;
    /** The management-plane resource ID. */
    readonly id: string;
    readonly quotas: Quotas;
    setQuotas(quotas: Partial<Quotas>): Quotas;
    vmSizes(): VmSize[];
    setVmSizes(sizes: VmSize[]): void;
    supportedImages(): SupportedImage[];
    setSupportedImages(images: SupportedImage[]): void;
    /** What a security-type mismatch does to a new pool. */
    setSecurityMismatch(mode: SecurityMismatchMode): void;
  };
  /** The compatibility switches (see compat.ts and docs/simulator.md). */
  compat: {
    readonly current: CompatOptions;
    /** Changes some switches; returns all of them. */
    set(changes: Partial<CompatOptions>): CompatOptions;
  };
  /**
   * Forgets pools, images, faults, access rules and the request log; compat switches, quotas, VM sizes,
   * supported images and gallery settings return to their start-up values.
   */
  reset(): void;
  /** Writes the state snapshot into the state dir; returns its path. */
  saveSnapshot(): Promise<string>;
}

const FILES = { ca: 'ca.pem', cert: 'server.pem', key: 'server-key.pem', state: 'state.json' } as const;

/** What `sameTenantAs` shares: the Entra ID's signing key and the TLS material. */
const tenants = new WeakMap<Simulator, { issuer: TokenIssuer; tls: TlsMaterial }>();

async function writeTls(dir: string, tls: TlsMaterial): Promise<TlsMaterial> {
  await writeFile(path.join(dir, FILES.key), tls.keyPem, { mode: 0o600 });
  await writeFile(path.join(dir, FILES.cert), tls.certPem);
  await writeFile(path.join(dir, FILES.ca), tls.caPem);
  return tls;
}

async function loadOrCreateTls(dir: string): Promise<TlsMaterial> {
  try {
    const [caPem, certPem, keyPem] = await Promise.all(
      [FILES.ca, FILES.cert, FILES.key].map((f) => readFile(path.join(dir, f), 'utf8')),
    );
    if (caPem && certPem && keyPem) return { caPem, certPem, keyPem };
  } catch {
    // first start in this directory
  }
  return writeTls(dir, await generateTlsMaterial());
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const stateDir = options.stateDir ?? (await mkdtemp(path.join(tmpdir(), 'batchpool-simulator-')));
  await mkdir(stateDir, { recursive: true });
  const peer = options.sameTenantAs && tenants.get(options.sameTenantAs);
  if (options.sameTenantAs && !peer) throw new TypeError('sameTenantAs: not a simulator started here');
  const tls = peer ? await writeTls(stateDir, peer.tls) : await loadOrCreateTls(stateDir);
  const clock = options.clock ?? new ScaledClock({ timeScale: options.timeScale ?? 1 });
  const core = new SimulatorCore({
    clock,
    seed: options.seed ?? 1,
    ...(options.allocation ? { allocation: options.allocation } : {}),
    ...(options.nodes ? { nodes: options.nodes } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.resizeConflictCode ? { resizeConflictCode: options.resizeConflictCode } : {}),
    ...(options.location ? { location: options.location } : {}),
    account: {
      ...options.account,
      ...(options.quotas ? { quotas: options.quotas } : {}),
      ...(options.vmSizes ? { vmSizes: options.vmSizes } : {}),
      ...(options.supportedImages ? { supportedImages: options.supportedImages } : {}),
    },
    ...(options.compat ? { compat: options.compat } : {}),
    ...(options.apiVersions ? { apiVersions: options.apiVersions } : {}),
    ...(options.gallery ? { gallery: options.gallery } : {}),
    ...(options.securityMismatch ? { securityMismatch: options.securityMismatch } : {}),
    ...(peer && { issuer: peer.issuer }),
  });
  const statePath = path.join(stateDir, FILES.state);
  try {
    core.restore(JSON.parse(await readFile(statePath, 'utf8')) as Snapshot);
  } catch {
    // no snapshot yet
  }
  const same = options.sameTenantAs?.info;
  const tenantId = options.tenantId ?? same?.tenantId ?? '72f988bf-0000-4000-8000-000000000001';
  const clientId = options.clientId ?? same?.clientId ?? '6d1b7c3e-0000-4000-8000-000000000002';
  const clientSecret = options.clientSecret ?? same?.clientSecret ?? `sim-${randomUUID()}`;
  const subscriptionId =
    options.subscriptionId ?? same?.subscriptionId ?? '00000000-0000-4000-8000-000000000003';
  for (const id of options.images ?? []) core.images.put(id, {}, { createParents: true });

  const saveSnapshot = async (): Promise<string> => {
    const tmp = `${statePath}.tmp`;
    await writeFile(tmp, JSON.stringify(core.snapshot()));
    await rename(tmp, statePath);
    return statePath;
  };
  // `info` is filled in once the port is known; the control API reads it lazily.
  const info = {} as Simulator['info'];
  const server = await startServer({
    core,
    tls,
    host: '127.0.0.1',
    port: options.port ?? 0,
    tenantId,
    clientId,
    clientSecret,
    ...(options.entraClients && { entraClients: options.entraClients }),
    subscriptionId,
    control: { info: () => ({ ...info, caPem: undefined }), saveSnapshot },
    ...(options.onRequest ? { onRequest: options.onRequest } : {}),
  });
  Object.assign(info, {
    batchUrl: server.origin,
    armEndpoint: server.origin,
    authorityHost: server.origin,
    tenantId,
    clientId,
    clientSecret,
    subscriptionId,
    caFile: path.join(stateDir, FILES.ca),
    controlUrl: `${server.origin}/_sim`,
    location: core.account.location,
    batchAccountId: core.account.resourceId(subscriptionId),
    caPem: tls.caPem,
    stateDir,
  } satisfies Simulator['info']);

  const rg = (o?: { resourceGroup?: string }): string => o?.resourceGroup ?? 'images-rg';
  const base = (group: string): string =>
    `/subscriptions/${subscriptionId}/resourceGroups/${group}/providers/Microsoft.Compute`;
  const put = (id: string, o?: { location?: string; properties?: Record<string, unknown> }): void => {
    core.images.put(
      id,
      {
        ...(o?.location ? { location: o.location } : {}),
        ...(o?.properties ? { properties: o.properties } : {}),
      },
      { createParents: true },
    );
  };
  const rule = (kind: RequestFaultInput['kind'], o: Omit<RequestFaultInput, 'kind'> = {}): RequestFaultRule =>
    core.faults.addRequestFault({ ...o, kind });

  let closed = false;
  const sim: Simulator = {
    info,
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
      await saveSnapshot().catch(() => undefined);
    },
    clock: {
      now: () => new Date(clock.now()),
      advance: (seconds) => clock.advance(seconds * 1000),
      setTimeScale: (scale) => clock.setTimeScale(scale),
      get timeScale() {
        return clock.timeScale;
      },
    },
    identities: {
      create(name, o = {}) {
        const id = `/subscriptions/${subscriptionId}/resourceGroups/${o.resourceGroup ?? 'identities-rg'}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`;
        core.identities.create(id, o.assignableBy ? { assignableBy: o.assignableBy } : {});
        return id;
      },
      get: (id) => core.identities.get(id),
      delete: (id) => core.identities.delete(id),
    },
    images: {
      createManagedImage(name, o) {
        const id = `${base(rg(o))}/images/${name}`;
        put(id, o);
        return id;
      },
      createGalleryImageVersion(gallery, image, version, o) {
        const id = `${base(rg(o))}/galleries/${gallery}/images/${image}/versions/${version}`;
        return putGalleryVersion(core.images, id, o);
      },
      createGalleryImage(gallery, image, o) {
        return putGalleryDefinition(core.images, `${base(rg(o))}/galleries/${gallery}/images/${image}`, o);
      },
      setVersionState: (id, change) => setVersionState(core.images, id, change),
      versionStatus(id) {
        const resource = core.images.get(id);
        return resource?.type.endsWith('/versions') ? core.images.versionStatus(resource) : undefined;
      },
      setGallery: (settings) => core.images.setGallery(settings),
      create: put,
      delete: (id) => core.images.delete(id),
      exists: (id) => core.images.has(id),
      list: () => core.images.list().map((r) => r.id),
    },
    faults: {
      failNextResizes: (poolId, count, o) => core.faults.failNextResizes(poolId, count, o),
      allocateFraction: (poolId, fraction, o) => core.faults.allocateFraction(poolId, fraction, o),
      clearPool: (poolId) => core.faults.clearPoolFaults(poolId),
      setAllocation: (s) => core.faults.setAllocation(s),
      get allocation() {
        return { ...core.faults.allocation };
      },
      setNodes: (s) => ({ ...core.faults.setNodes(s) }),
      get nodes() {
        return { ...core.faults.nodes };
      },
      setPoolNodeRates: (poolId, rates) => core.faults.setPoolNodeRates(poolId, rates),
      setImageNodeRates: (imageId, rates) => core.faults.setImageNodeRates(imageId, rates),
      throttle: (o) => rule('throttle', o),
      unavailable: (o) => rule('unavailable', o),
      dropConnections: (o) => rule('drop', o),
      slow: (o) => rule('slow', o),
      failTokens: (o) => rule('tokenFailure', o),
      remove: (id) => core.faults.removeRequestFault(id),
      useProfile: (name) => core.faults.useProfile(name),
      clear: () => core.faults.clear(),
    },
    requests: {
      list(filter = {}) {
        return core.log
          .read(filter.since ?? 0, Number.MAX_SAFE_INTEGER)
          .entries.filter(
            (e) =>
              (filter.operation === undefined || e.operation === filter.operation) &&
              (filter.api === undefined || e.api === filter.api) &&
              (filter.clientId === undefined || e.clientId === filter.clientId),
          );
      },
      cursor: () => core.log.lastSeq,
      clear: () => core.log.clear(),
    },
    pools: {
      get: (id) => core.poolView(id),
      list: () => core.poolViews(),
      nodes(id) {
        if (!core.pools.get(id)) return undefined;
        const { pool, nodes } = core.pools.nodes(id);
        const toJson = nodeSerializer(core.pools, pool, server.origin);
        return [...nodes].sort((a, b) => a.n - b.n).map(toJson);
      },
    },
    access: {
      deny: (id) => void core.access.denied.add(id),
      allow: (id) => void core.access.denied.delete(id),
    },
    account: {
      get name() {
        return core.account.name;
      },
      get resourceGroup() {
        return core.account.resourceGroup;
      },
      get location() {
        return core.account.location;
      },
      get id() {
        return core.account.resourceId(subscriptionId);
      },
      get quotas() {
        return { ...core.account.quotas };
      },
      setQuotas: (q) => core.account.setQuotas(q),
      vmSizes: () => core.account.vmSizes(),
      setVmSizes: (list) => core.account.setVmSizes(list),
      supportedImages: () => core.account.supportedImages(),
      setSupportedImages: (list) => core.account.setSupportedImages(list),
      setSecurityMismatch(mode) {
        if (mode !== 'unusableNodes' && mode !== 'reject')
          throw new TypeError('securityMismatch is unusableNodes or reject');
        core.securityMismatch = mode;
      },
    },
    compat: {
      get current() {
        return { ...core.compat };
      },
      set: (changes) => core.setCompat(changes),
    },
    reset: () => core.reset(),
    saveSnapshot,
  };
  tenants.set(sim, { issuer: core.issuer, tls });
  return sim;
}
