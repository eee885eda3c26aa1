// `batchpool-operator simulator`: runs the local Azure stand-in until SIGINT/SIGTERM. Stdout gets
// exactly one JSON line with the connection details; everything else goes to stderr.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { CompatOptions, Quotas, RegisteredClient } from './index.ts';
import { DEFAULT_COMPAT, LEGACY_COMPAT, PROFILES, STRICT_COMPAT, startSimulator } from './index.ts';

const HELP = `usage: batchpool-operator simulator [flags]

Runs a local stand-in for Azure on 127.0.0.1 over HTTPS: the Batch data-plane pool API (api-version
2025-06-01), the ARM compute image and gallery API with the Batch account, and a Microsoft Entra ID
token endpoint, plus a control API under /_sim. Prints one JSON line with the connection details,
then runs until SIGINT/SIGTERM.

flags:
  --port N           port to listen on (default 0: a free port)
  --time-scale X     simulated seconds per wall second (default 1; 60 = a minute per second)
  --seed S           seed for random faults, so runs replay (default 1)
  --state-dir D      CA, certificate and state snapshot go here (default: a new temp dir);
                     a snapshot found there is loaded at start
  --profile NAME     fault profile: ${Object.keys(PROFILES).join(', ')} (default none)
  --image ID         an image resource ID that exists from the start (repeatable)
  --client-id ID     client ID to accept for client-secret logins
  --client-secret S  its secret (default: random)
  --tenant-id ID     tenant of the authority
  --entra-client CLIENT_ID[@TENANT_ID]:secret=VALUE | :secret-file=PATH | :cert=PEM_PATH
                     another app registration that may get tokens (repeatable; the same client twice
                     adds a credential): a client secret, or a PEM certificate whose key signs its
                     client assertions; the tenant defaults to --tenant-id's
  --location REGION  the Batch account's region (default westeurope)
  --pool-quota N, --dedicated-core-quota N, --low-priority-core-quota N
                     the account's quotas (enforced only without --ignore-account-quotas)
  --security-mismatch MODE
                     unusableNodes (default) or reject: a pool whose securityProfile does not fit
                     its image
behaviours Azure has retired (each off by default: the simulator is today's Azure; --X turns one on):
  --allow-retired-api-versions   accept every api-version (else retired ones get 400 UnsupportedRequestVersion)
  --allow-managed-images         accept pools from managed images (retired by Azure on 31 March 2026)
  --ignore-account-quotas        do not enforce the pool and core quotas
  --legacy           all three on: the 2022 simulator (a --no-X after it turns one off)
  --strict           all three off, as by default (a --X after it turns one on)
  --verbose          log every request to stderr
  --help             this text`;

export async function simulatorCommand(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        'time-scale': { type: 'string' },
        seed: { type: 'string' },
        'state-dir': { type: 'string' },
        profile: { type: 'string' },
        image: { type: 'string', multiple: true },
        'client-id': { type: 'string' },
        'client-secret': { type: 'string' },
        'tenant-id': { type: 'string' },
        'entra-client': { type: 'string', multiple: true },
        location: { type: 'string' },
        'pool-quota': { type: 'string' },
        'dedicated-core-quota': { type: 'string' },
        'low-priority-core-quota': { type: 'string' },
        'security-mismatch': { type: 'string' },
        'allow-retired-api-versions': { type: 'boolean' },
        'allow-managed-images': { type: 'boolean' },
        'ignore-account-quotas': { type: 'boolean' },
        strict: { type: 'boolean' },
        legacy: { type: 'boolean' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
      allowNegative: true,
    }));
  } catch (err) {
    console.error(`simulator: ${err instanceof Error ? err.message : String(err)}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  const timeScale = values['time-scale'] === undefined ? 1 : Number(values['time-scale']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error('simulator: --port must be an integer 0..65535');
    return 2;
  }
  if (!Number.isFinite(timeScale) || timeScale < 0) {
    console.error('simulator: --time-scale must be a number >= 0');
    return 2;
  }
  if (values.profile !== undefined && !(values.profile in PROFILES)) {
    console.error(
      `simulator: unknown profile "${values.profile}" (known: ${Object.keys(PROFILES).join(', ')})`,
    );
    return 2;
  }
  const quotas: Partial<Quotas> = {};
  for (const [flag, key] of [
    ['pool-quota', 'pools'],
    ['dedicated-core-quota', 'dedicatedCores'],
    ['low-priority-core-quota', 'lowPriorityCores'],
  ] as const) {
    const v = values[flag];
    if (v === undefined) continue;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) {
      console.error(`simulator: --${flag} must be an integer >= 0`);
      return 2;
    }
    quotas[key] = n;
  }
  const mismatch = values['security-mismatch'];
  if (mismatch !== undefined && mismatch !== 'unusableNodes' && mismatch !== 'reject') {
    console.error('simulator: --security-mismatch is unusableNodes or reject');
    return 2;
  }
  if (values.strict && values.legacy) {
    console.error('simulator: --strict and --legacy exclude each other');
    return 2;
  }
  const compat: CompatOptions = {
    ...(values.legacy ? LEGACY_COMPAT : values.strict ? STRICT_COMPAT : DEFAULT_COMPAT),
  };
  if (values['allow-retired-api-versions'] !== undefined)
    compat.allowRetiredApiVersions = values['allow-retired-api-versions'];
  if (values['allow-managed-images'] !== undefined)
    compat.allowManagedImages = values['allow-managed-images'];
  if (values['ignore-account-quotas'] !== undefined)
    compat.ignoreAccountQuotas = values['ignore-account-quotas'];
  let entraClients: RegisteredClient[];
  try {
    entraClients = parseEntraClients(values['entra-client'] ?? [], values['tenant-id']);
  } catch (err) {
    console.error(`simulator: --entra-client: ${(err as Error).message}`);
    return 2;
  }
  const log = (msg: string): void => {
    process.stderr.write(`${new Date().toISOString()} simulator: ${msg}\n`);
  };
  const sim = await startSimulator({
    port,
    timeScale,
    ...(values.seed === undefined ? {} : { seed: values.seed }),
    ...(values['state-dir'] === undefined ? {} : { stateDir: values['state-dir'] }),
    ...(values.profile === undefined ? {} : { profile: values.profile }),
    ...(values.image === undefined ? {} : { images: values.image }),
    ...(values['client-id'] === undefined ? {} : { clientId: values['client-id'] }),
    ...(values['client-secret'] === undefined ? {} : { clientSecret: values['client-secret'] }),
    ...(values['tenant-id'] === undefined ? {} : { tenantId: values['tenant-id'] }),
    ...(entraClients.length > 0 ? { entraClients } : {}),
    ...(values.location === undefined ? {} : { location: values.location }),
    ...(Object.keys(quotas).length > 0 ? { quotas } : {}),
    ...(mismatch === undefined ? {} : { securityMismatch: mismatch }),
    compat,
    ...(values.verbose ? { onRequest: log } : {}),
  });
  const { caPem: _caPem, stateDir, ...info } = sim.info;
  process.stdout.write(`${JSON.stringify(info)}\n`);
  log(
    `listening on ${info.batchUrl} (time scale ${timeScale}, region ${info.location}, state in ${stateDir}; compat ${JSON.stringify(sim.compat.current)})`,
  );

  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      log(`${signal}: shutting down`);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await sim.close();
  log('stopped');
  return 0;
}

/** `CLIENT_ID[@TENANT_ID]:secret=V`, `:secret-file=PATH` or `:cert=PATH`; a tenant defaults to the simulator's. */
export function parseEntraClients(specs: string[], defaultTenant: string | undefined): RegisteredClient[] {
  const tenantOf = (t: string | undefined) => t ?? defaultTenant ?? '72f988bf-0000-4000-8000-000000000001';
  const out = new Map<string, RegisteredClient>();
  for (const spec of specs) {
    const m = /^([^@:]+)(?:@([^:]+))?:(secret|secret-file|cert)=(.+)$/s.exec(spec);
    if (!m)
      throw new Error(
        `"${spec.replace(/=.*/s, '=…')}" is not CLIENT_ID[@TENANT_ID]:secret=…|secret-file=…|cert=…`,
      );
    const [, clientId = '', tenant, kind, value = ''] = m;
    const tenantId = tenantOf(tenant);
    const key = `${tenantId}|${clientId}`;
    const c = out.get(key) ?? { tenantId, clientId };
    if (kind === 'secret') c.secrets = [...(c.secrets ?? []), value];
    else {
      const text = readFileSync(value, 'utf8');
      if (kind === 'secret-file') c.secrets = [...(c.secrets ?? []), text.replace(/\r?\n$/, '')];
      else if (!text.includes('-----BEGIN CERTIFICATE-----'))
        throw new Error(`${value} holds no PEM certificate`);
      else c.certificates = [...(c.certificates ?? []), text];
    }
    out.set(key, c);
  }
  return [...out.values()];
}
