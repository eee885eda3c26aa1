// ARM, as far as the operator needs it: the compute resources a pool can be built from (managed images,
// galleries, gallery image definitions and versions: GET, PUT, DELETE, and listing images in a resource
// group), the long-running operation of publishing a gallery image version, and the Batch account itself
// (GET of Microsoft.Batch/batchAccounts, and the VM sizes Batch offers in a region). ARM's CloudError
// bodies. Any api-version is accepted.
//
// A PUT of a gallery image version whose source is a managed image answers like the Compute gallery: 201
// (200 for an update) with provisioningState Creating (Updating), an Azure-AsyncOperation header pointing at
// …/locations/{region}/capsOperations/{id} and a Location header (the same operation with monitor=true), per
// the ARM async operation contract (Azure/azure-resource-manager-rpc, async-api-reference.proto.md; the
// operation resource type is Microsoft.Compute/locations/capsOperations, "Gets the status of an asynchronous
// Caps operation", Learn azure/role-based-access-control/resource-provider-operations). Every other PUT
// answers at once with a terminal provisioningState, so the SDK's pollers finish on the first response.
import type { RequestContext, Route, SimResponse } from './http-util.ts';
import { armError, armJson, azureTime, parseJsonObject } from './http-util.ts';
import type { BatchAccount } from './state/account.ts';
import { regionKey } from './state/account.ts';
import type { ArmResource, ImageKind, ImageStore, ParsedResourceId } from './state/images.ts';
import { ARM_TYPES, parentId, parseResourceId } from './state/images.ts';

const OPERATION_PREFIX: Record<ImageKind, string> = {
  image: 'Images',
  gallery: 'Galleries',
  galleryImage: 'GalleryImages',
  galleryImageVersion: 'GalleryImageVersions',
};

const LIST_IMAGES = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Compute\/images$/i;
// GalleryImageVersions_ListByGalleryImage (Compute GalleryRP swagger): the versions of one definition.
const LIST_VERSIONS =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Compute\/galleries\/[^/]+\/images\/[^/]+\/versions$/i;
const CAPS_OPERATION =
  /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Compute\/locations\/([^/]+)\/capsOperations\/([^/]+)$/i;
const BATCH_ACCOUNT =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Batch\/batchAccounts\/([^/]+)$/i;
const BATCH_VM_SKUS =
  /^\/subscriptions\/([^/]+)\/providers\/Microsoft\.Batch\/locations\/([^/]+)\/virtualMachineSkus$/i;

function notFound(ctx: RequestContext, resourceGroup: string, gateway: boolean): SimResponse {
  const typePath = ctx.path.replace(/^.*\/providers\//i, '');
  return armError(
    404,
    'ResourceNotFound',
    `The Resource '${typePath}' under resource group '${resourceGroup}' was not found.`,
    ctx.requestId,
    gateway ? { 'x-ms-failure-cause': 'gateway' } : {},
  );
}

function notFoundImage(ctx: RequestContext, parsed: ParsedResourceId): SimResponse {
  return notFound(ctx, parsed.resourceGroup, parsed.kind === 'image' || parsed.kind === 'gallery');
}

function render(images: ImageStore, resource: ArmResource, expand: string | null): Record<string, unknown> {
  const properties = { ...resource.properties };
  if (resource.type === ARM_TYPES.galleryImageVersion) {
    const status = images.versionStatus(resource);
    properties.provisioningState = status.provisioningState;
    if (expand?.toLowerCase().includes('replicationstatus'))
      properties.replicationStatus = {
        aggregatedState: status.aggregatedState,
        summary: status.regions.map((r) => ({
          region: r.region,
          state: r.state,
          details: r.details,
          progress: r.progress,
        })),
      };
  }
  return {
    id: resource.id,
    name: resource.name,
    type: resource.type,
    location: resource.location,
    ...(resource.tags ? { tags: resource.tags } : {}),
    properties,
  };
}

const REPLICATION_FAILED = (regions: string[]) =>
  // The message Azure CLI relayed from the gallery service (Azure/azure-cli#15539); the code is our choice.
  `Gallery replication jobs failed in one or more regions. The failing regions' details are as follows: '${regions
    .map((r) => `{region:${r}, detail:Failed with internal server error.}`)
    .join(
      ', ',
    )}'. If retry does not work, then please do an update by removing the failed regions and update again by adding them back.`;

export interface ArmApiOptions {
  /** The Batch account the management plane shows. */
  account?: BatchAccount;
  /** The subscription the account lives in. */
  subscriptionId?: () => string;
}

export function createArmApi(
  images: ImageStore,
  options: ArmApiOptions = {},
): {
  match(method: string, segments: string[]): Route | undefined;
} {
  const operationUrls = (ctx: RequestContext, subscription: string, region: string, operationId: string) => {
    const apiVersion = ctx.query.get('api-version') ?? '2025-03-03';
    const base = `${ctx.origin}/subscriptions/${subscription}/providers/Microsoft.Compute/locations/${regionKey(region)}/capsOperations/${operationId}`;
    return {
      'azure-asyncoperation': `${base}?api-version=${apiVersion}`,
      location: `${base}?monitor=true&api-version=${apiVersion}`,
      'retry-after': String(images.gallery.retryAfterSeconds),
    };
  };

  const capsOperation = (subscription: string, operationId: string): Route => ({
    api: 'arm',
    operation: 'CapsOperations_Get',
    handle(ctx) {
      const resource = images.operation(operationId);
      const run = resource?.sim?.run;
      if (!resource || !run)
        return armError(404, 'NotFound', `The operation '${operationId}' could not be found.`, ctx.requestId);
      const status = images.versionStatus(resource);
      const running = status.provisioningState === 'Creating' || status.provisioningState === 'Updating';
      const failed = status.regions.filter((r) => r.state === 'Failed').map((r) => regionKey(r.region));
      const retry = { 'retry-after': String(images.gallery.retryAfterSeconds) };
      if (ctx.query.get('monitor') === 'true') {
        if (running) return armJson(202, undefined, ctx.requestId, retry);
        return armJson(200, render(images, resource, null), ctx.requestId);
      }
      const body: Record<string, unknown> = {
        id: `/subscriptions/${subscription}/providers/Microsoft.Compute/locations/${regionKey(resource.location)}/capsOperations/${operationId}`,
        name: operationId,
        status: running ? 'InProgress' : failed.length > 0 ? 'Failed' : 'Succeeded',
        startTime: azureTime(run.startedAt),
        ...(running ? {} : { endTime: azureTime(run.replicatedAt) }),
        ...(failed.length > 0 && !running
          ? { error: { code: 'ReplicationJobsFailed', message: REPLICATION_FAILED(failed) } }
          : {}),
      };
      return armJson(200, body, ctx.requestId, running ? retry : {});
    },
  });

  const batchAccount = (subscription: string, group: string, name: string): Route => ({
    api: 'arm',
    operation: 'BatchAccount_Get',
    handle(ctx) {
      const account = options.account;
      if (
        !account ||
        subscription.toLowerCase() !== (options.subscriptionId?.() ?? subscription).toLowerCase() ||
        group.toLowerCase() !== account.resourceGroup.toLowerCase() ||
        name.toLowerCase() !== account.name.toLowerCase()
      )
        return notFound(ctx, group, true);
      const host = ctx.origin.replace(/^https?:\/\//, '');
      const q = account.quotas;
      return armJson(
        200,
        {
          id: account.resourceId(subscription),
          name: account.name,
          type: 'Microsoft.Batch/batchAccounts',
          location: account.location,
          identity: { type: 'None' },
          properties: {
            accountEndpoint: host,
            nodeManagementEndpoint: host,
            provisioningState: 'Succeeded',
            poolAllocationMode: 'BatchService',
            publicNetworkAccess: 'Enabled',
            dedicatedCoreQuota: q.dedicatedCores,
            lowPriorityCoreQuota: q.lowPriorityCores,
            dedicatedCoreQuotaPerVMFamily: [
              ...new Map(account.vmSizes().map((s) => [s.family, q.dedicatedCores])).entries(),
            ].map(([family, coreQuota]) => ({ name: family, coreQuota })),
            dedicatedCoreQuotaPerVMFamilyEnforced: false,
            poolQuota: q.pools,
            activeJobAndJobScheduleQuota: 100,
            allowedAuthenticationModes: ['AAD'],
          },
        },
        ctx.requestId,
      );
    },
  });

  const vmSkus = (region: string): Route => ({
    api: 'arm',
    operation: 'Location_ListSupportedVirtualMachineSkus',
    handle(ctx) {
      const key = regionKey(region);
      const value = (options.account?.vmSizes() ?? [])
        .filter((s) => !s.regions || s.regions.includes(key))
        .map((s) => ({
          name: s.name,
          familyName: s.family,
          capabilities: [{ name: 'vCPUs', value: String(s.vCPUs) }],
        }));
      return armJson(200, { value }, ctx.requestId);
    },
  });

  return {
    match(method, segments) {
      if (segments[0]?.toLowerCase() !== 'subscriptions') return undefined;
      const path = `/${segments.join('/')}`;
      if (method === 'GET' && LIST_IMAGES.test(path)) {
        return {
          api: 'arm',
          operation: 'Images_ListByResourceGroup',
          handle(ctx) {
            const prefix = `${path.toLowerCase()}/`;
            const value = images
              .list()
              .filter((r) => r.id.toLowerCase().startsWith(prefix) && r.type === 'Microsoft.Compute/images')
              .map((r) => render(images, r, null));
            return armJson(200, { value }, ctx.requestId);
          },
        };
      }
      if (method === 'GET' && LIST_VERSIONS.test(path)) {
        return {
          api: 'arm',
          operation: 'GalleryImageVersions_ListByGalleryImage',
          handle(ctx) {
            const definition = path.slice(0, -'/versions'.length);
            if (!images.get(definition)) return notFoundImage(ctx, parseResourceId(definition)!);
            const prefix = `${path.toLowerCase()}/`;
            // The list carries no replicationStatus: that needs a GET with $expand, as on Azure.
            const value = images
              .list()
              .filter(
                (r) => r.id.toLowerCase().startsWith(prefix) && r.type === ARM_TYPES.galleryImageVersion,
              )
              .map((r) => render(images, r, null));
            return armJson(200, { value }, ctx.requestId);
          },
        };
      }
      const caps = CAPS_OPERATION.exec(path);
      if (caps && method === 'GET') return capsOperation(caps[1] ?? '', caps[3] ?? '');
      const account = BATCH_ACCOUNT.exec(path);
      if (account && method === 'GET')
        return batchAccount(account[1] ?? '', account[2] ?? '', account[3] ?? '');
      const skus = BATCH_VM_SKUS.exec(path);
      if (skus && method === 'GET') return vmSkus(skus[2] ?? '');
      const parsed = parseResourceId(path);
      if (!parsed) {
        return {
          api: 'arm',
          operation: 'Arm_Unknown',
          handle: (ctx) =>
            armError(
              404,
              'InvalidResourceType',
              "The resource type could not be found in the namespace 'Microsoft.Compute'.",
              ctx.requestId,
            ),
        };
      }
      const prefix = OPERATION_PREFIX[parsed.kind];
      if (method === 'GET')
        return {
          api: 'arm',
          operation: `${prefix}_Get`,
          handle(ctx) {
            const resource = images.get(path);
            return resource
              ? armJson(200, render(images, resource, ctx.query.get('$expand')), ctx.requestId)
              : notFoundImage(ctx, parsed);
          },
        };
      if (method === 'PUT')
        return {
          api: 'arm',
          operation: `${prefix}_CreateOrUpdate`,
          handle(ctx) {
            const body = parseJsonObject(ctx.body);
            if (!body)
              return armError(
                400,
                'InvalidRequestContent',
                'The request content was invalid and could not be deserialized.',
                ctx.requestId,
              );
            if (typeof body.location !== 'string' || body.location === '')
              return armError(
                400,
                'LocationRequired',
                'The location property is required for this definition.',
                ctx.requestId,
              );
            const input = {
              location: body.location,
              ...(typeof body.tags === 'object' && body.tags !== null
                ? { tags: body.tags as Record<string, string> }
                : {}),
              properties: (typeof body.properties === 'object' && body.properties !== null
                ? body.properties
                : {}) as Record<string, unknown>,
            };
            const result =
              parsed.kind === 'galleryImageVersion'
                ? images.publishVersion(path, input)
                : images.put(path, input);
            if ('missingParent' in result) {
              const parentName = (parentId(path) ?? '').replace(/^.*\//, '');
              return armError(
                404,
                'ParentResourceNotFound',
                `Can not perform requested operation on nested resource. Parent resource '${parentName}' not found.`,
                ctx.requestId,
              );
            }
            if ('missingSource' in result)
              // Our choice of code and text: the gallery's answer for a missing source image is not documented.
              return armError(
                400,
                'InvalidParameter',
                `The source image '${result.missingSource}' of the gallery image version was not found. Target: 'properties.storageProfile.source.id'.`,
                ctx.requestId,
              );
            const status = result.created ? 201 : 200;
            const operationId = 'operationId' in result ? result.operationId : undefined;
            const lro =
              typeof operationId === 'string'
                ? operationUrls(ctx, parsed.subscriptionId, result.resource.location, operationId)
                : {};
            return armJson(status, render(images, result.resource, null), ctx.requestId, lro);
          },
        };
      if (method === 'DELETE')
        return {
          api: 'arm',
          operation: `${prefix}_Delete`,
          handle(ctx) {
            return armJson(images.delete(path) ? 200 : 204, undefined, ctx.requestId);
          },
        };
      return {
        api: 'arm',
        operation: `${prefix}_Unknown`,
        handle: (ctx) =>
          armError(
            405,
            'MethodNotAllowed',
            `The HTTP method '${ctx.method}' is not supported for this resource.`,
            ctx.requestId,
          ),
      };
    },
  };
}
