// Image existence through @azure/arm-compute: the call (images.get, galleryImageVersions.get or
// galleryImages.get) is chosen from the resource ID the user gave; 404 means missing. One client per
// subscription and identity.

import { ComputeManagementClient } from '@azure/arm-compute';
import type { TokenCredential } from '@azure/identity';
import type { ImageChecker } from './ports.ts';
import { failureOf } from '../errors.ts';
import { withRetry, type RetryOptions } from './retry.ts';

export type ImageRef =
  | { kind: 'managed'; subscriptionId: string; resourceGroup: string; name: string }
  | {
      kind: 'galleryVersion';
      subscriptionId: string;
      resourceGroup: string;
      gallery: string;
      image: string;
      version: string;
    }
  | { kind: 'galleryImage'; subscriptionId: string; resourceGroup: string; gallery: string; image: string };

const SEG = '([^/]+)';
const BASE = `^/subscriptions/${SEG}/resourceGroups/${SEG}/providers/Microsoft\\.Compute`;
const MANAGED = new RegExp(`${BASE}/images/${SEG}/?$`, 'i');
const VERSION = new RegExp(`${BASE}/galleries/${SEG}/images/${SEG}/versions/${SEG}/?$`, 'i');
const GALLERY_IMAGE = new RegExp(`${BASE}/galleries/${SEG}/images/${SEG}/?$`, 'i');

/** Parses a managed image, gallery image version or gallery image resource ID; undefined otherwise. */
export function parseImageId(id: string): ImageRef | undefined {
  let m = VERSION.exec(id);
  if (m)
    return {
      kind: 'galleryVersion',
      subscriptionId: m[1]!,
      resourceGroup: m[2]!,
      gallery: m[3]!,
      image: m[4]!,
      version: m[5]!,
    };
  m = GALLERY_IMAGE.exec(id);
  if (m)
    return {
      kind: 'galleryImage',
      subscriptionId: m[1]!,
      resourceGroup: m[2]!,
      gallery: m[3]!,
      image: m[4]!,
    };
  m = MANAGED.exec(id);
  if (m) return { kind: 'managed', subscriptionId: m[1]!, resourceGroup: m[2]!, name: m[3]! };
  return undefined;
}

export interface ImagesOptions {
  armEndpoint: string;
  ca?: string;
  retry?: RetryOptions;
  onCall?: (operation: string) => void;
}

export class ImagesAdapter implements ImageChecker {
  private readonly cred: TokenCredential;
  private readonly o: ImagesOptions;
  private readonly clients = new Map<string, ComputeManagementClient>();

  constructor(cred: TokenCredential, options: ImagesOptions) {
    this.cred = cred;
    this.o = options;
  }

  private client(subscriptionId: string): ComputeManagementClient {
    const key = subscriptionId.toLowerCase();
    let c = this.clients.get(key);
    if (!c) {
      c = new ComputeManagementClient(this.cred, subscriptionId, {
        endpoint: this.o.armEndpoint,
        retryOptions: { maxRetries: 0 },
        ...(this.o.ca && { tlsOptions: { ca: this.o.ca } }),
      });
      this.clients.set(key, c);
    }
    return c;
  }

  async exists(imageId: string): Promise<boolean> {
    const ref = parseImageId(imageId);
    if (!ref) return false;
    const c = this.client(ref.subscriptionId);
    const op =
      ref.kind === 'managed'
        ? 'images.get'
        : ref.kind === 'galleryVersion'
          ? 'galleryImageVersions.get'
          : 'galleryImages.get';
    try {
      await withRetry<unknown>(
        op,
        (abortSignal) => {
          this.o.onCall?.(op);
          switch (ref.kind) {
            case 'managed':
              return c.images.get(ref.resourceGroup, ref.name, { abortSignal });
            case 'galleryVersion':
              return c.galleryImageVersions.get(ref.resourceGroup, ref.gallery, ref.image, ref.version, {
                abortSignal,
              });
            case 'galleryImage':
              return c.galleryImages.get(ref.resourceGroup, ref.gallery, ref.image, { abortSignal });
          }
        },
        this.o.retry,
      );
      return true;
    } catch (err) {
      if (failureOf(err).kind === 'not-found') return false;
      throw err;
    }
  }
}
