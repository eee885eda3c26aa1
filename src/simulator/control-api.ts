// The control API under /_sim: JSON in, JSON out, no authentication (it listens on loopback only).
// It is how a test in another process, a demo script or a human with curl drives the simulator:
// images (gallery versions in any state), the account (quotas, VM sizes, supported images), the
// compatibility switches, faults, the clock, the request log, pool inspection and reset.
// docs/simulator.md lists it.
import type { SimulatorCore } from './core.ts';
import type { RequestFaultInput } from './faults.ts';
import { putGalleryVersion, setVersionState } from './gallery-helpers.ts';
import type { RequestContext, Route, SimResponse } from './http-util.ts';
import { parseJsonObject, plainJson } from './http-util.ts';
import type { SupportedImage, VmSize } from './state/account.ts';
import { parseResourceId } from './state/images.ts';

export interface ControlHooks {
  info(): Record<string, unknown>;
  /** Writes the state snapshot; resolves to the file written, or undefined without a state dir. */
  saveSnapshot(): Promise<string | undefined>;
}

class ControlError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function body(ctx: RequestContext): Record<string, unknown> {
  const b = parseJsonObject(ctx.body);
  if (!b) throw new ControlError(400, 'the request body must be a JSON object');
  return b;
}

function num(v: unknown, name: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ControlError(400, `${name} must be a number`);
  return v;
}

function optString(v: unknown, name: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new ControlError(400, `${name} must be a string`);
  return v;
}

export function createControlApi(
  core: SimulatorCore,
  hooks: ControlHooks,
): { match(method: string, segments: string[]): Route | undefined } {
  const route = (
    operation: string,
    fn: (ctx: RequestContext) => SimResponse | Promise<SimResponse>,
  ): Route => ({
    api: 'control',
    operation,
    async handle(ctx) {
      try {
        return await fn(ctx);
      } catch (err) {
        if (err instanceof ControlError) return plainJson(err.status, { error: err.message });
        if (err instanceof TypeError || err instanceof RangeError)
          return plainJson(400, { error: err.message });
        throw err;
      }
    },
  });
  const ok = (value: unknown = { ok: true }): SimResponse => plainJson(200, value);

  const accountState = (): Record<string, unknown> => ({
    name: core.account.name,
    resourceGroup: core.account.resourceGroup,
    location: core.account.location,
    id: core.account.resourceId(
      typeof hooks.info().subscriptionId === 'string' ? (hooks.info().subscriptionId as string) : '',
    ),
    quotas: core.account.quotas,
    securityMismatch: core.securityMismatch,
  });

  const faultsState = (): Record<string, unknown> => ({
    profile: core.faults.profile,
    allocation: core.faults.allocation,
    pools: core.faults.poolFaults(),
    requests: core.faults.requestFaults(),
    nodes: core.faults.nodes,
    nodeRates: core.faults.nodeRateOverrides(),
  });

  return {
    match(method, segments) {
      if (segments[0] !== '_sim') return undefined;
      const [, a, b, c] = segments;
      const key = `${method} ${[a, b].filter((x) => x !== undefined).join('/')}`;
      if (a === 'faults' && b === 'nodes' && (c === 'pools' || c === 'images')) {
        // /_sim/faults/nodes/pools/{poolId} and /_sim/faults/nodes/images?id={image resource ID}
        return route(c === 'pools' ? 'Sim_SetPoolNodeRates' : 'Sim_SetImageNodeRates', (ctx) => {
          const key = c === 'pools' ? segments[4] : (ctx.query.get('id') ?? undefined);
          if (!key)
            throw new ControlError(
              400,
              c === 'pools' ? 'pass the pool id in the path' : 'pass the image as ?id=',
            );
          const rates = method === 'DELETE' ? undefined : body(ctx);
          if (method !== 'DELETE' && method !== 'POST') throw new ControlError(404, 'POST or DELETE');
          if (c === 'pools') core.faults.setPoolNodeRates(key, rates);
          else core.faults.setImageNodeRates(key, rates);
          return ok(faultsState());
        });
      }
      switch (key) {
        case 'GET info':
          return route('Sim_Info', () => ok(hooks.info()));
        case 'GET stats':
          return route('Sim_Stats', (ctx) => {
            // A full collection first (when node runs with --expose-gc) makes heap figures comparable.
            const gc = (globalThis as { gc?: () => void }).gc;
            if (ctx.query.get('gc') === '1' && gc) gc();
            return ok({
              pools: core.pools.size,
              images: core.images.list().length,
              requests: core.log.lastSeq,
              memory: process.memoryUsage(),
              cpu: process.cpuUsage(),
              uptimeSeconds: process.uptime(),
            });
          });
        case 'POST reset':
          return route('Sim_Reset', () => {
            core.reset();
            return ok();
          });
        case 'POST snapshot':
          return route('Sim_Snapshot', async () => ok({ file: (await hooks.saveSnapshot()) ?? null }));
        case 'GET requests':
          return route('Sim_Requests', (ctx) => {
            const since = Number(ctx.query.get('since') ?? 0);
            const limit = Number(ctx.query.get('limit') ?? 10_000);
            return ok(
              core.log.read(Number.isFinite(since) ? since : 0, Number.isFinite(limit) ? limit : 10_000),
            );
          });
        case 'DELETE requests':
          return route('Sim_ClearRequests', () => {
            core.log.clear();
            return ok();
          });
        case 'GET clock':
          return route('Sim_Clock', () =>
            ok({ now: new Date(core.clock.now()).toISOString(), timeScale: core.clock.timeScale }),
          );
        case 'POST clock':
          return route('Sim_SetClock', (ctx) => {
            const b = body(ctx);
            if (b.timeScale !== undefined) core.clock.setTimeScale(num(b.timeScale, 'timeScale'));
            if (b.advanceSeconds !== undefined)
              core.clock.advance(num(b.advanceSeconds, 'advanceSeconds') * 1000);
            return ok({ now: new Date(core.clock.now()).toISOString(), timeScale: core.clock.timeScale });
          });
        case 'GET pools':
          return route('Sim_Pools', () => ok({ value: core.poolViews() }));
        case 'GET images':
          return route('Sim_Images', () => ok({ value: core.images.list() }));
        case 'POST images':
          return route('Sim_CreateImage', (ctx) => {
            const b = body(ctx);
            const id = optString(b.id, 'id');
            if (!id || !parseResourceId(id))
              throw new ControlError(
                400,
                'id must be a compute image, gallery, gallery image or gallery image version resource ID',
              );
            const result = core.images.put(
              id,
              {
                ...(typeof b.location === 'string' ? { location: b.location } : {}),
                ...(typeof b.properties === 'object' && b.properties !== null
                  ? { properties: b.properties as Record<string, unknown> }
                  : {}),
              },
              { createParents: true },
            );
            if ('missingParent' in result)
              throw new ControlError(404, `parent ${result.missingParent} not found`);
            return plainJson(result.created ? 201 : 200, result.resource);
          });
        case 'POST images/gallery-version':
          return route('Sim_CreateGalleryVersion', (ctx) => {
            const b = body(ctx);
            const id = optString(b.id, 'id');
            const parsed = id ? parseResourceId(id) : undefined;
            if (!id || parsed?.kind !== 'galleryImageVersion')
              throw new ControlError(400, 'id must be a gallery image version resource ID');
            const { id: _id, ...options } = b;
            const created = !core.images.has(id);
            putGalleryVersion(core.images, id, options);
            const resource = core.images.get(id);
            return plainJson(created ? 201 : 200, {
              ...resource,
              status: resource ? core.images.versionStatus(resource) : undefined,
            });
          });
        case 'POST images/version-state':
          return route('Sim_SetVersionState', (ctx) => {
            const b = body(ctx);
            const id = optString(b.id, 'id');
            if (!id) throw new ControlError(400, 'id is required');
            const change = {
              ...(b.provisioningState === undefined
                ? {}
                : { provisioningState: b.provisioningState as never }),
              ...(b.regions === undefined ? {} : { regions: b.regions as never }),
            };
            if (!setVersionState(core.images, id, change))
              return plainJson(404, { error: `no gallery image version ${id}` });
            const resource = core.images.get(id);
            return ok(resource && core.images.versionStatus(resource));
          });
        case 'GET images/status':
          return route('Sim_VersionStatus', (ctx) => {
            const id = ctx.query.get('id');
            const resource = id ? core.images.get(id) : undefined;
            if (!resource?.type.endsWith('/versions'))
              return plainJson(404, { error: `no gallery image version ${String(id)}` });
            return ok(core.images.versionStatus(resource));
          });
        case 'GET gallery':
          return route('Sim_Gallery', () => ok(core.images.gallery));
        case 'POST gallery':
          return route('Sim_SetGallery', (ctx) => ok(core.images.setGallery(body(ctx))));
        case 'GET account':
          return route('Sim_Account', () => ok(accountState()));
        case 'POST account':
          return route('Sim_SetAccount', (ctx) => {
            const b = body(ctx);
            if (b.quotas !== undefined) core.account.setQuotas(b.quotas as never);
            if (b.securityMismatch !== undefined) {
              if (b.securityMismatch !== 'unusableNodes' && b.securityMismatch !== 'reject')
                throw new ControlError(400, 'securityMismatch is unusableNodes or reject');
              core.securityMismatch = b.securityMismatch;
            }
            return ok(accountState());
          });
        case 'GET account/vm-sizes':
          return route('Sim_VmSizes', () => ok({ value: core.account.vmSizes() }));
        case 'POST account/vm-sizes':
          return route('Sim_SetVmSizes', (ctx) => {
            const list = body(ctx).value;
            if (!Array.isArray(list)) throw new ControlError(400, 'pass {value: [VmSize]}');
            core.account.setVmSizes(list as VmSize[]);
            return ok({ value: core.account.vmSizes() });
          });
        case 'GET account/supported-images':
          return route('Sim_SupportedImages', () => ok({ value: core.account.supportedImages() }));
        case 'POST account/supported-images':
          return route('Sim_SetSupportedImages', (ctx) => {
            const list = body(ctx).value;
            if (!Array.isArray(list)) throw new ControlError(400, 'pass {value: [BatchSupportedImage]}');
            core.account.setSupportedImages(list as SupportedImage[]);
            return ok({ value: core.account.supportedImages() });
          });
        case 'GET compat':
          return route('Sim_Compat', () => ok(core.compat));
        case 'POST compat':
          return route('Sim_SetCompat', (ctx) => ok(core.setCompat(body(ctx))));
        case 'DELETE images':
          return route('Sim_DeleteImage', (ctx) => {
            const id = ctx.query.get('id');
            if (!id) throw new ControlError(400, 'pass the resource ID as ?id=');
            return core.images.delete(id) ? ok() : plainJson(404, { error: `${id} not found` });
          });
        case 'GET faults':
          return route('Sim_Faults', () => ok(faultsState()));
        case 'DELETE faults':
          return route('Sim_ClearFaults', () => {
            core.faults.clear();
            return ok(faultsState());
          });
        case 'POST faults/profile':
          return route('Sim_UseProfile', (ctx) => {
            const name = optString(body(ctx).name, 'name');
            if (!name) throw new ControlError(400, 'name is required');
            core.faults.useProfile(name);
            return ok(faultsState());
          });
        case 'POST faults/nodes':
          return route('Sim_SetNodes', (ctx) => ok(core.faults.setNodes(body(ctx))));
        case 'POST faults/allocation':
          return route('Sim_SetAllocation', (ctx) => ok(core.faults.setAllocation(body(ctx))));
        case 'POST faults/requests':
          return route('Sim_AddRequestFault', (ctx) =>
            plainJson(201, core.faults.addRequestFault(body(ctx) as unknown as RequestFaultInput)),
          );
        case 'POST access':
          return route('Sim_Access', (ctx) => {
            const b = body(ctx);
            for (const id of (b.deny as unknown[] | undefined) ?? []) core.access.denied.add(String(id));
            for (const id of (b.allow as unknown[] | undefined) ?? []) core.access.denied.delete(String(id));
            return ok({ denied: [...core.access.denied] });
          });
        case 'GET access':
          return route('Sim_Access', () => ok({ denied: [...core.access.denied] }));
      }
      if (a === 'pools' && b !== undefined && c === undefined && method === 'GET')
        return route('Sim_Pool', () => {
          const view = core.poolView(b);
          return view ? ok(view) : plainJson(404, { error: `pool ${b} not found` });
        });
      if (a === 'faults' && b === 'pools' && c !== undefined) {
        if (method === 'POST')
          return route('Sim_SetPoolFault', (ctx) => {
            const f = body(ctx);
            const code = optString(f.code, 'code');
            const message = optString(f.message, 'message');
            const opts = {
              ...(code ? { code } : {}),
              ...(message ? { message } : {}),
              ...(f.values === undefined ? {} : { values: f.values as { name: string; value: string }[] }),
            };
            if (f.failNext !== undefined)
              core.faults.failNextResizes(c, num(f.failNext, 'failNext'), {
                ...opts,
                ...(f.fraction === undefined ? {} : { fraction: num(f.fraction, 'fraction') }),
              });
            else if (f.fraction !== undefined)
              core.faults.allocateFraction(c, num(f.fraction, 'fraction'), opts);
            else throw new ControlError(400, 'pass failNext (and optionally fraction) or fraction');
            return ok(faultsState());
          });
        if (method === 'DELETE')
          return route('Sim_ClearPoolFault', () => {
            core.faults.clearPoolFaults(c);
            return ok(faultsState());
          });
      }
      if (a === 'faults' && b === 'requests' && c !== undefined && method === 'DELETE')
        return route('Sim_RemoveRequestFault', () =>
          core.faults.removeRequestFault(Number(c))
            ? ok(faultsState())
            : plainJson(404, { error: `no fault ${c}` }),
        );
      return route('Sim_Unknown', () =>
        plainJson(404, { error: `no control endpoint ${method} /${segments.join('/')}` }),
      );
    },
  };
}
