// Reads the Secrets that BatchAccounts name in spec.identity.secretRef, from the operator's own namespace and
// with nothing but `get` on a named Secret (the Role in deploy/base/rbac/ lists exactly those names). The
// value never leaves this module and credentials.ts: errors name the Secret and the key, never the value,
// and nothing here logs. A Secret is read again once its copy is older than `refreshMs`, or at once after
// `invalidate` (a login was refused); an unchanged resourceVersion keeps the credential built from it, so a
// rotated Secret is picked up within `refreshMs` and MSAL's token cache survives the re-reads.

import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { ApiException, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Clock } from '../clock.ts';

/** What a secretRef names. */
export interface SecretRef {
  name: string;
  key?: string;
}

/** The credential a Secret holds: a client secret, or a PEM certificate with its private key. */
export type CredentialMaterial =
  | { kind: 'clientSecret'; secret: string }
  | {
      kind: 'clientCertificate';
      /** Certificate (chain) and private key, PEM, as ClientCertificateCredential takes them. */
      pem: string;
      /** SHA-1 thumbprint (hex, upper case), as the Azure portal shows it: safe to print. */
      thumbprint: string;
      notAfter: string;
    };

export interface ReadCredential {
  material: CredentialMaterial;
  /** The Secret's resourceVersion and the key: a new value means a new credential. */
  version: string;
  /** The key the value came from (the default, when the ref names none). */
  key: string;
}

/** The default keys, in the order they are looked for when a secretRef names no key. */
export const SECRET_KEYS = { clientSecret: 'clientSecret', clientCertificate: 'clientCertificate' } as const;

export type AccountSecretErrorCode =
  | 'SecretNotFound'
  | 'SecretForbidden'
  | 'SecretKeyMissing'
  | 'SecretKeyAmbiguous'
  | 'SecretValueEmpty'
  | 'CertificateInvalid';

/**
 * A Secret that cannot give a credential, for a person to fix. Its message names the namespace, the Secret and
 * the key, never the value. `name` is fixed so that src/azure/errors.ts sorts it like any credential failure.
 */
export class AccountSecretError extends Error {
  readonly code: AccountSecretErrorCode;
  constructor(code: AccountSecretErrorCode, message: string) {
    super(message);
    this.name = 'AccountSecretError';
    this.code = code;
  }
}

/** The apiserver could not be asked (down, 5xx, 429): try again later; nothing for a person to fix. */
export class SecretUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    // The @azure/identity name for "no credential right now", which errors.ts sorts as unreachable.
    this.name = 'CredentialUnavailableError';
  }
}

/** What the reader needs from Kubernetes: one Secret by name (undefined when it does not exist). */
export interface SecretSource {
  readonly namespace: string;
  get(name: string): Promise<{ resourceVersion: string; data: Record<string, string> } | undefined>;
}

/** Reads Secrets of one namespace with CoreV1 GET. Throws ApiException (or a network error) otherwise. */
export class KubeSecretSource implements SecretSource {
  readonly namespace: string;
  private readonly api: CoreV1Api;
  constructor(kc: KubeConfig, namespace: string) {
    this.api = kc.makeApiClient(CoreV1Api);
    this.namespace = namespace;
  }
  async get(name: string): Promise<{ resourceVersion: string; data: Record<string, string> } | undefined> {
    try {
      const s = await this.api.readNamespacedSecret({ name, namespace: this.namespace });
      return { resourceVersion: s.metadata?.resourceVersion ?? '', data: s.data ?? {} };
    } catch (err) {
      if (err instanceof ApiException && err.code === 404) return undefined;
      throw err;
    }
  }
}

interface Cached {
  resourceVersion: string;
  data: Record<string, string>;
  at: number;
}

export interface AccountSecretsOptions {
  clock: Clock;
  /** Re-read a Secret once its copy is this old (default 30 s). */
  refreshMs?: number;
}

export const DEFAULT_SECRET_REFRESH_MS = 30_000;

export class AccountSecrets {
  private readonly source: SecretSource;
  private readonly clock: Clock;
  private readonly refreshMs: number;
  private readonly cache = new Map<string, Cached>();
  private readonly inFlight = new Map<string, Promise<Cached | undefined>>();

  constructor(source: SecretSource, o: AccountSecretsOptions) {
    this.source = source;
    this.clock = o.clock;
    this.refreshMs = o.refreshMs ?? DEFAULT_SECRET_REFRESH_MS;
  }

  get namespace(): string {
    return this.source.namespace;
  }

  /** Forget the copy of this Secret, so the next read asks the apiserver (after a refused login). */
  invalidate(name: string): void {
    this.cache.delete(name);
  }

  /** The credential `ref` names; throws AccountSecretError (a person must act) or SecretUnavailableError. */
  async read(ref: SecretRef): Promise<ReadCredential> {
    const where = `Secret ${this.namespace}/${ref.name}`;
    const secret = await this.fetch(ref.name);
    if (!secret)
      throw new AccountSecretError(
        'SecretNotFound',
        `${where} does not exist; create it with the key ${ref.key ?? `${SECRET_KEYS.clientSecret} or ${SECRET_KEYS.clientCertificate}`}`,
      );
    const key = ref.key ?? defaultKey(secret.data, where);
    const encoded = secret.data[key];
    if (encoded === undefined) {
      // The names of the other keys help; their values stay out.
      const keys = Object.keys(secret.data).sort();
      throw new AccountSecretError(
        'SecretKeyMissing',
        `${where} has no key ${key}${keys.length ? ` (it has ${keys.join(', ')})` : ' (it is empty)'}`,
      );
    }
    const value = Buffer.from(encoded, 'base64').toString('utf8');
    return {
      material: parseMaterial(value, `${where} key ${key}`),
      version: `${secret.resourceVersion}|${key}`,
      key,
    };
  }

  private async fetch(name: string): Promise<Cached | undefined> {
    const now = this.clock.now();
    const hit = this.cache.get(name);
    if (hit && now - hit.at < this.refreshMs) return hit;
    let pending = this.inFlight.get(name);
    if (!pending) {
      pending = this.load(name, now).finally(() => this.inFlight.delete(name));
      this.inFlight.set(name, pending);
    }
    return pending;
  }

  private async load(name: string, now: number): Promise<Cached | undefined> {
    const where = `Secret ${this.namespace}/${name}`;
    let got: Awaited<ReturnType<SecretSource['get']>>;
    try {
      got = await this.source.get(name);
    } catch (err) {
      this.cache.delete(name);
      const status = err instanceof ApiException ? err.code : undefined;
      if (status === 403)
        throw new AccountSecretError(
          'SecretForbidden',
          `the operator may not read ${where}: add ${name} to the resourceNames of the Role ` +
            'batchpool-operator-account-secrets (docs/operations.md, "Account credentials")',
        );
      throw new SecretUnavailableError(
        `cannot read ${where} (${status === undefined ? 'no answer from the apiserver' : `HTTP ${status}`})`,
      );
    }
    if (!got) {
      this.cache.delete(name);
      return undefined;
    }
    const entry = { resourceVersion: got.resourceVersion, data: got.data, at: now };
    this.cache.set(name, entry);
    return entry;
  }
}

function defaultKey(data: Record<string, string>, where: string): string {
  const hasSecret = data[SECRET_KEYS.clientSecret] !== undefined;
  const hasCert = data[SECRET_KEYS.clientCertificate] !== undefined;
  if (hasSecret && hasCert)
    throw new AccountSecretError(
      'SecretKeyAmbiguous',
      `${where} has both ${SECRET_KEYS.clientSecret} and ${SECRET_KEYS.clientCertificate}; set spec.identity.secretRef.key to the one to use`,
    );
  return hasCert ? SECRET_KEYS.clientCertificate : SECRET_KEYS.clientSecret;
}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/;
const KEY_BLOCK = /-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----[\s\S]+?-----END \1-----/;

/** A value with a PEM certificate block is a client certificate; anything else is a client secret. */
export function parseMaterial(value: string, where: string): CredentialMaterial {
  if (!CERT_BLOCK.test(value)) {
    const secret = value.replace(/\r?\n$/, '');
    if (!secret.trim()) throw new AccountSecretError('SecretValueEmpty', `${where} is empty`);
    if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(value))
      throw new AccountSecretError(
        'CertificateInvalid',
        `${where} holds a private key but no "-----BEGIN CERTIFICATE-----" block; put the certificate and its private key in the one value`,
      );
    return { kind: 'clientSecret', secret };
  }
  const bad = (why: string) => new AccountSecretError('CertificateInvalid', `${where}: ${why}`);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(CERT_BLOCK.exec(value)![0]);
  } catch {
    throw bad('the first "-----BEGIN CERTIFICATE-----" block is not a valid X.509 certificate');
  }
  const keyBlock = KEY_BLOCK.exec(value);
  if (!keyBlock)
    throw bad(
      'no "-----BEGIN PRIVATE KEY-----" block: the value must hold the certificate and its private key',
    );
  if (keyBlock[1] === 'ENCRYPTED PRIVATE KEY')
    throw bad('the private key is encrypted; store it unencrypted');
  let key: KeyObject;
  try {
    key = createPrivateKey(keyBlock[0]);
  } catch {
    throw bad('the private key block is not a valid PEM private key');
  }
  if (key.asymmetricKeyType !== 'rsa')
    throw bad(
      `the key is ${key.asymmetricKeyType ?? 'of an unknown type'}; Microsoft Entra ID takes RSA certificates only`,
    );
  if (!cert.checkPrivateKey(key)) throw bad('the private key does not belong to the certificate');
  // Rebuilt from the blocks, so that whatever is around or between them (no newline after a block, CRLF, a
  // bag attribute) does not trip the PEM reader of MSAL.
  const certs = value.match(new RegExp(CERT_BLOCK.source, 'g')) ?? [];
  return {
    kind: 'clientCertificate',
    pem: `${[...certs, keyBlock[0]].map((b) => b.replace(/\r\n/g, '\n')).join('\n')}\n`,
    thumbprint: cert.fingerprint.replace(/:/g, '').toUpperCase(),
    notAfter: new Date(cert.validTo).toISOString(),
  };
}
