// One key of one Secret, for the settings of a BatchPool that take a secret (passwords, storage keys, an
// extension's protected settings). The operator reads only the Secrets a BatchPool names, in its own namespace,
// and only when a tenant has granted it get on them (deploy/examples/pool-secrets-rbac.yaml): it has no
// cluster-wide right to Secrets. A value is returned to the caller and never logged.

import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { CallError } from '../errors.ts';
import { kubeFailure, kubeStatus } from './client.ts';

export type SecretRead =
  | { kind: 'ok'; value: string }
  | { kind: 'SecretNotFound' }
  | { kind: 'KeyNotFound' }
  /** The operator may not get this Secret (403): the tenant has not granted it. */
  | { kind: 'Forbidden' };

export interface SecretReader {
  /** One key of one Secret; throws only when the apiserver could not be asked (retry later). */
  read(namespace: string, name: string, key: string): Promise<SecretRead>;
}

export class KubeSecretReader implements SecretReader {
  private readonly core: CoreV1Api;

  constructor(kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async read(namespace: string, name: string, key: string): Promise<SecretRead> {
    let data: Record<string, string> | undefined;
    try {
      data = (await this.core.readNamespacedSecret({ namespace, name })).data;
    } catch (err) {
      const status = kubeStatus(err);
      if (status === 404) return { kind: 'SecretNotFound' };
      if (status === 403) return { kind: 'Forbidden' };
      throw new CallError(`get Secret ${namespace}/${name}`, kubeFailure(err), { cause: err });
    }
    const encoded = data?.[key];
    if (encoded === undefined) return { kind: 'KeyNotFound' };
    return { kind: 'ok', value: Buffer.from(encoded, 'base64').toString('utf8') };
  }
}
