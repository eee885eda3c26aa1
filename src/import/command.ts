// `batchpool-operator import`: print a BatchPool manifest for every pool of a Batch account. It only reads
// (the account's pool list, and BatchAccounts when a kubeconfig is at hand); applying its output changes
// nothing in Azure, because each manifest says what the pool already is.

import { parseArgs } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { AzureClients } from '../azure/clients.ts';
import { ConfigError, parseConfig } from '../config.ts';
import { describe } from '../errors.ts';
import { KubeClient } from '../kube/client.ts';
import type { BatchAccount } from '../api/types.ts';
import { importManifests } from './manifests.ts';

export const IMPORT_USAGE = `usage: batchpool-operator import --account ACCOUNT [--namespace NS] [flags]

Lists the pools of a Batch account and prints a BatchPool manifest (YAML) for each on stdout, with the
pool's settings and targets, spec.adoption: Adopt and spec.deletionPolicy: Retain. Applying the output
takes the pools over without a write to Azure. Pools it cannot describe, or that a BatchPool already
manages, are listed on stderr and left out.

flags:
  --account ACCOUNT    the name of a BatchAccount in the cluster, or a Batch account endpoint
                       (https://{account}.{region}.batch.azure.com)
  --namespace NS       namespace of the BatchPools (default "default"); the BatchAccount must allow it
  --account-ref NAME   the BatchAccount the manifests name, when --account is an endpoint that no
                       BatchAccount in the cluster has (default: the account's name from the endpoint)
  --kubeconfig PATH    kubeconfig to read BatchAccounts with (default: $KUBECONFIG, then ~/.kube/config)

Azure credentials come from the environment as for "run" (AZURE_TENANT_ID, AZURE_CLIENT_ID,
AZURE_CLIENT_SECRET, AZURE_FEDERATED_TOKEN_FILE, else the default chain: Azure CLI, managed identity, ...);
BATCHPOOL_CA_FILE and BATCHPOOL_DISABLE_INSTANCE_DISCOVERY apply as well.`;

interface ImportFlags {
  account: string;
  namespace: string;
  accountRef?: string;
  kubeconfig?: string;
}

function parseFlags(argv: string[]): ImportFlags | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean', short: 'h' },
      account: { type: 'string' },
      namespace: { type: 'string', short: 'n' },
      'account-ref': { type: 'string' },
      kubeconfig: { type: 'string' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  if (!values.account) throw new ConfigError('--account is required');
  return {
    account: values.account,
    namespace: values.namespace ?? 'default',
    ...(values['account-ref'] && { accountRef: values['account-ref'] }),
    ...((values.kubeconfig ?? process.env.KUBECONFIG) && {
      kubeconfig: values.kubeconfig ?? process.env.KUBECONFIG,
    }),
  };
}

const isEndpoint = (account: string) => /^https:\/\//i.test(account);

/** The endpoint to list and the BatchAccount to name, from a name or an endpoint. */
async function resolveAccount(
  flags: ImportFlags,
): Promise<{ endpoint: string; accountName: string; note?: string }> {
  if (!isEndpoint(flags.account)) {
    const account = await kube(flags).getAccount(flags.account);
    if (!account) throw new ConfigError(`--account: no BatchAccount named "${flags.account}" in the cluster`);
    return { endpoint: account.spec.endpoint, accountName: account.metadata.name };
  }
  const endpoint = flags.account.replace(/\/+$/, '');
  if (flags.accountRef) return { endpoint, accountName: flags.accountRef };
  let accounts: BatchAccount[] = [];
  let note: string | undefined;
  try {
    accounts = (await kube(flags).listAccounts()).items;
  } catch (err) {
    note = `could not list BatchAccounts (${describe(err)})`;
  }
  const match = accounts.find(
    (a) => a.spec.endpoint.replace(/\/+$/, '').toLowerCase() === endpoint.toLowerCase(),
  );
  if (match) return { endpoint, accountName: match.metadata.name };
  const fromHost = new URL(endpoint).hostname.split('.')[0]!.toLowerCase();
  return {
    endpoint,
    accountName: fromHost,
    note: `${note ? note + '; ' : ''}no BatchAccount has endpoint ${endpoint}: the manifests name "${fromHost}" (set --account-ref to choose)`,
  };
}

function kube(flags: ImportFlags): KubeClient {
  const kc = new KubeConfig();
  if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
  else kc.loadFromDefault();
  return new KubeClient(kc);
}

export async function importCommand(argv: string[]): Promise<number> {
  let flags: ImportFlags;
  try {
    const parsed = parseFlags(argv);
    if (parsed === 'help') {
      console.log(IMPORT_USAGE);
      return 0;
    }
    flags = parsed;
  } catch (err) {
    console.error(
      `batchpool-operator import: ${err instanceof Error ? err.message : String(err)}\n\n${IMPORT_USAGE}`,
    );
    return 2;
  }
  try {
    // The Azure half of "run"'s configuration: identity, CA, instance discovery.
    const cfg = parseConfig([], process.env);
    if (cfg === 'help') return 0;
    const { endpoint, accountName, note } = await resolveAccount(flags);
    if (note) console.error(`# ${note}`);
    const azure = new AzureClients({
      identity: cfg.identity,
      armEndpoint: cfg.armEndpoint,
      ...(cfg.ca && { ca: cfg.ca }),
    });
    const pools = await azure.batch({ endpoint }).list();
    const { manifests, skipped, secrets } = importManifests(pools, {
      accountName,
      namespace: flags.namespace,
    });
    for (const s of skipped) console.error(`# skipped pool ${s.poolId}: ${s.reason}`);
    for (const s of secrets) {
      // Azure never returns secrets: the owner fills them in before applying the manifest.
      console.error(
        `# BatchPool ${s.pool} references Secret ${s.namespace}/${s.name}, which Azure cannot give back: create it ` +
          `with keys ${s.keys.join(', ')} (kubectl create secret generic ${s.name} -n ${s.namespace} ` +
          `${s.keys.map((k) => `--from-literal=${k}=...`).join(' ')}) and let the operator read it ` +
          '(deploy/examples/pool-secrets-rbac.yaml)',
      );
    }
    process.stdout.write(manifests.map((m) => stringify(m, { lineWidth: 0 })).join('---\n'));
    console.error(`# ${manifests.length} of ${pools.length} pools of ${endpoint} written`);
    return 0;
  } catch (err) {
    console.error(`batchpool-operator import: ${describe(err)}`);
    return err instanceof ConfigError ? 2 : 1;
  }
}
