// One leader-election candidate as its own process, the way an operator replica runs it: prints a
// JSON line when it starts and stops leading, and on SIGTERM releases the Lease and exits 0.
// Used by test/e2e/leader-election.test.ts, which kills these processes with SIGKILL and SIGTERM.
import { KubeConfig } from '@kubernetes/client-node';
import { LeaderElector } from '../../../src/ha/leader-election.ts';

const kc = new KubeConfig();
kc.loadFromFile(process.env.ELECTOR_KUBECONFIG ?? '');
const say = (event: string, extra: object = {}): void => {
  process.stdout.write(`${JSON.stringify({ event, t: Date.now(), ...extra })}\n`);
};

const elector = new LeaderElector({
  kubeConfig: kc,
  namespace: process.env.ELECTOR_NAMESPACE ?? 'batchpool-system',
  name: process.env.ELECTOR_LEASE ?? 'batchpool-operator-leader',
  identity: process.env.ELECTOR_IDENTITY,
  log: {
    info: (o, m) => process.stderr.write(`${m} ${JSON.stringify(o)}\n`),
    warn: (o, m) => process.stderr.write(`${m} ${JSON.stringify(o)}\n`),
  },
});

process.once('SIGTERM', () => {
  void elector.release().then(() => {
    say('exiting');
    process.exit(0);
  });
});

say('started', { identity: elector.identity });
void elector.run(
  () => say('leading'),
  (reason) => say('stopped', { reason }),
);
