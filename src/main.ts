// Composition root of `batchpool-operator run`: configuration, wiring, a minimal /healthz, and signals.
// SIGINT/SIGTERM stop the watches and the queue, give in-flight reconciles a bounded time, and exit 0.

import http from 'node:http';
import { KubeConfig } from '@kubernetes/client-node';
import { AzureClients } from './azure/clients.ts';
import { realClock } from './clock.ts';
import { ConfigError, parseConfig, RUN_USAGE, type Config } from './config.ts';
import { Controller } from './controller/controller.ts';
import { KubeClient, kubeMessage } from './kube/client.ts';
import { KubeEventRecorder } from './kube/events.ts';
import { makeLogger, type Logger } from './log.ts';

function loadKubeConfig(cfg: Config): KubeConfig {
  const kc = new KubeConfig();
  if (cfg.kubeconfig) kc.loadFromFile(cfg.kubeconfig);
  else kc.loadFromDefault();
  return kc;
}

function startHealth(addr: string, ready: () => boolean, log: Logger): Promise<http.Server | undefined> {
  if (!addr) return Promise.resolve(undefined);
  const i = addr.lastIndexOf(':');
  const host = addr.slice(0, i) || undefined;
  const port = Number(addr.slice(i + 1));
  const server = http.createServer((req, res) => {
    const ok = req.url === '/healthz' || (req.url === '/readyz' && ready());
    res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'not ready\n');
  });
  return new Promise((resolve) => {
    server.once('error', (err) => {
      log.warn({ addr, error: err.message }, 'health endpoint not started');
      resolve(undefined);
    });
    server.listen(port, host, () => {
      const a = server.address();
      log.info(
        { addr: typeof a === 'object' && a ? `${a.address}:${a.port}` : addr },
        'health endpoint listening',
      );
      resolve(server);
    });
  });
}

export async function runCommand(argv: string[]): Promise<number> {
  let cfg: Config;
  try {
    const parsed = parseConfig(argv, process.env);
    if (parsed === 'help') {
      console.log(RUN_USAGE);
      return 0;
    }
    cfg = parsed;
  } catch (err) {
    console.error(
      `batchpool-operator run: ${err instanceof ConfigError ? err.message : String(err)}\n\n${RUN_USAGE}`,
    );
    return 2;
  }
  const log = makeLogger(cfg.logLevel);
  const kc = loadKubeConfig(cfg);
  const clock = realClock;
  const azure = new AzureClients({
    identity: cfg.identity,
    armEndpoint: cfg.armEndpoint,
    ...(cfg.ca && { ca: cfg.ca }),
    retry: { callTimeoutMs: cfg.azureCallTimeoutMs, maxRetryTimeMs: cfg.azureRetryBudgetMs },
  });
  const events = new KubeEventRecorder(kc, {
    clock,
    onError: (err) => log.warn({ error: kubeMessage(err) }, 'event not recorded'),
  });
  const controller = new Controller({
    kc,
    kube: new KubeClient(kc),
    azure,
    events,
    clock,
    log,
    settings: cfg.settings,
    concurrency: cfg.concurrency,
  });

  let started = false;
  const health = await startHealth(cfg.healthAddr, () => started, log);
  const stopSignal = new Promise<string>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'));
    process.once('SIGINT', () => resolve('SIGINT'));
  });
  log.info(
    {
      concurrency: cfg.concurrency,
      settings: cfg.settings,
      armEndpoint: cfg.armEndpoint,
      identity: cfg.identity.federatedTokenFile
        ? 'workload'
        : cfg.identity.clientSecret
          ? 'client-secret'
          : 'default-chain',
    },
    'starting',
  );
  const startup = controller.start().then(() => {
    started = true;
  });
  const first = await Promise.race([stopSignal, startup.then(() => undefined)]);
  const signal = first ?? (await stopSignal);
  log.info({ signal, drainTimeoutMs: cfg.drainTimeoutMs }, 'stopping');
  await controller.stop(cfg.drainTimeoutMs);
  await new Promise<void>((resolve) => (health ? health.close(() => resolve()) : resolve()));
  // Keep-alive sockets and SDK timers may outlive us; they must not keep a stopped operator running.
  setTimeout(() => process.exit(0), 2000).unref();
  return 0;
}
