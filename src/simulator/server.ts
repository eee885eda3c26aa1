// The one HTTPS listener. Every request goes through the same steps: route, authenticate (Batch and
// ARM), apply injected request faults, answer, log. Paths decide the API: /pools → Batch,
// /subscriptions → ARM, /_sim → control, /{tenant}/... → Entra ID.
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createArmApi } from './arm-api.ts';
import { createArmPoolsApi } from './arm-pools-api.ts';
import { createBatchApi } from './batch-api.ts';
import type { ControlHooks } from './control-api.ts';
import { createControlApi } from './control-api.ts';
import type { SimulatorCore } from './core.ts';
import { createEntraApi } from './entra-api.ts';
import type { RegisteredClient } from './tokens.ts';
import type { RequestFaultRule } from './faults.ts';
import type { RequestContext, Route, SimResponse } from './http-util.ts';
import { armError, azureTime, batchErrorResponse, newRequestId, plainJson } from './http-util.ts';
import { BatchError } from './state/errors.ts';
import { poolRequestOf, summarizeBody } from './request-log.ts';
import { summarizeArmPoolBody } from './arm-pools-api.ts';
import type { TlsMaterial } from './certs.ts';

export interface ServerOptions {
  core: SimulatorCore;
  tls: TlsMaterial;
  host: string;
  port: number;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** Further Entra app registrations (client secrets, certificates). */
  entraClients?: readonly RegisteredClient[];
  /** The subscription of the Batch account (the management plane's account GET checks it). */
  subscriptionId?: string;
  control: ControlHooks;
  /** Called for each answered request when set (the CLI's --verbose). */
  onRequest?: (line: string) => void;
}

export interface RunningServer {
  origin: string;
  close(): Promise<void>;
}

const MAX_BODY = 4 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function faultResponse(route: Route, ctx: RequestContext, rule: RequestFaultRule): SimResponse {
  const retryAfter = { 'retry-after': String(rule.retryAfterSeconds) };
  const throttled = rule.kind === 'throttle';
  switch (route.api) {
    case 'batch':
      return batchErrorResponse(
        ctx,
        throttled
          ? new BatchError(
              429,
              'TooManyRequests',
              'Request failed as server encountered too many requests. Please try again.',
              undefined,
              retryAfter,
            )
          : new BatchError(
              503,
              'ServerBusy',
              'The Batch service is currently unable to receive requests.',
              undefined,
              retryAfter,
            ),
      );
    case 'arm':
      return throttled
        ? armError(
            429,
            'TooManyRequests',
            'The request is being throttled as the limit has been reached for operation type.',
            ctx.requestId,
            retryAfter,
          )
        : armError(
            503,
            'ServiceUnavailable',
            'The service is currently unavailable. Please try again later.',
            ctx.requestId,
            retryAfter,
          );
    default:
      return plainJson(
        rule.kind === 'tokenFailure' ? 500 : throttled ? 429 : 503,
        {
          error: rule.kind === 'tokenFailure' ? 'server_error' : 'temporarily_unavailable',
          error_description: `AADSTS50196: The server is temporarily unable to issue tokens (simulated fault). Trace ID: ${ctx.requestId} Correlation ID: ${ctx.requestId} Timestamp: ${new Date().toISOString()}`,
          error_codes: [50196],
          trace_id: ctx.requestId,
          correlation_id: ctx.requestId,
        },
        rule.kind === 'tokenFailure' ? {} : retryAfter,
      );
  }
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const { core } = options;
  const batch = createBatchApi(core.pools, {
    account: core.account,
    apiVersions: () => core.apiVersions,
    compat: () => core.compat,
  });
  const arm = createArmApi(core.images, {
    account: core.account,
    ...(options.subscriptionId ? { subscriptionId: () => options.subscriptionId as string } : {}),
  });
  const armPools = createArmPoolsApi(core.pools, {
    account: core.account,
    identities: core.identities,
    ...(options.subscriptionId ? { subscriptionId: () => options.subscriptionId as string } : {}),
  });
  const entra = createEntraApi({
    tenantId: options.tenantId,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    issuer: core.issuer,
    ...(options.entraClients && { clients: options.entraClients }),
  });
  const control = createControlApi(core, options.control);
  const closing = new AbortController();
  let origin = '';

  const routeFor = (method: string, segments: string[]): Route | undefined =>
    control.match(method, segments) ??
    batch.match(method, segments) ??
    armPools.match(method, segments) ??
    arm.match(method, segments) ??
    entra.match(method, segments);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const wall = Date.now();
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
    const queryText = q < 0 ? '' : rawUrl.slice(q + 1);
    let segments: string[];
    try {
      segments = path
        .split('/')
        .filter((s) => s !== '')
        .map(decodeURIComponent);
    } catch {
      segments = [];
    }
    const route = routeFor(method, segments);
    const body = method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : await readBody(req);
    const ctx: RequestContext = {
      method,
      path,
      segments,
      query: new URLSearchParams(queryText),
      headers: req.headers,
      body,
      requestId: newRequestId(),
      origin,
      now: core.clock.now(),
    };
    let response: SimResponse;
    let fault: string | undefined;
    if (!route) {
      response = plainJson(404, { error: `the simulator serves no ${method} ${path}` });
    } else {
      const denied =
        route.api === 'batch'
          ? core.access.checkBatch(ctx)
          : route.api === 'arm'
            ? core.access.checkArm(ctx)
            : undefined;
      if (denied) {
        response = denied;
      } else {
        const hits = route.api === 'control' ? [] : core.faults.match(route.api, route.operation);
        const drop = hits.find((h) => h.kind === 'drop');
        if (drop) {
          req.socket.destroy();
          record(0, 'drop');
          return;
        }
        const slow = hits.find((h) => h.kind === 'slow');
        if (slow) {
          await sleep(slow.delayMs, undefined, { signal: closing.signal }).catch(() => undefined);
          fault = 'slow';
        }
        const failing = hits.find(
          (h) => h.kind === 'throttle' || h.kind === 'unavailable' || h.kind === 'tokenFailure',
        );
        if (failing) {
          response = faultResponse(route, ctx, failing);
          fault = failing.kind;
        } else {
          response = await route.handle(ctx);
        }
      }
    }
    const payload = method === 'HEAD' || response.body === undefined ? undefined : Buffer.from(response.body);
    const headers = { ...response.headers, 'content-length': String(payload?.length ?? 0) };
    if (response.statusMessage !== undefined) res.writeHead(response.status, response.statusMessage, headers);
    else res.writeHead(response.status, headers);
    res.end(payload);
    record(response.status, fault);

    function record(status: number, faultKind: string | undefined): void {
      const summary =
        route?.api === 'batch'
          ? summarizeBody(route.operation, body)
          : route?.api === 'arm'
            ? summarizeArmPoolBody(route.operation, path, body)
            : undefined;
      const poolRequest = route && poolRequestOf(route.api, route.operation, path, summary);
      const apiVersion = route?.api === 'batch' || route?.api === 'arm' ? ctx.query.get('api-version') : null;
      const entry = core.log.add({
        time: new Date(wall).toISOString(),
        simTime: azureTime(ctx.now),
        method,
        path,
        query: queryText,
        api: route?.api ?? 'unknown',
        operation: route?.operation ?? 'Unknown',
        status,
        clientId: ctx.clientId,
        requestId: ctx.requestId,
        durationMs: Math.round((performance.now() - started) * 1000) / 1000,
        ...(faultKind === undefined ? {} : { fault: faultKind }),
        ...(apiVersion === null ? {} : { apiVersion }),
        ...(summary && { body: summary }),
        ...(poolRequest?.pool !== undefined && { pool: poolRequest.pool }),
        ...(poolRequest && { action: poolRequest.action }),
      });
      options.onRequest?.(
        `${entry.method} ${entry.path} ${entry.status} ${entry.operation}${entry.clientId ? ` client=${entry.clientId}` : ''}${faultKind ? ` fault=${faultKind}` : ''}`,
      );
    }
  }

  const server = https.createServer(
    { cert: options.tls.certPem, key: options.tls.keyPem, keepAlive: true },
    (req, res) => {
      handle(req, res).catch((err: unknown) => {
        options.onRequest?.(
          `internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
        );
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'internal simulator error' }));
      });
    },
  );
  // Keep idle connections about as long as Azure's front ends do (~4 minutes), so a client that polls
  // every few minutes does not race the server closing its pooled socket. Shutdown closes them anyway.
  server.keepAliveTimeout = 240_000;
  server.headersTimeout = 241_000;
  const sockets = new Set<Socket>();
  server.on('secureConnection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  origin = `https://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;

  return {
    origin,
    close: () =>
      new Promise<void>((resolve) => {
        closing.abort();
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      }),
  };
}
