// The ARM compute API for the images a pool can be built from: managed images, galleries, gallery
// image definitions and versions (GET, PUT, DELETE, and listing images in a resource group), with
// ARM's CloudError bodies. Any api-version is accepted. PUT answers at once with a terminal
// provisioningState, so the SDK's long-running-operation pollers finish on the first response.
import type { RequestContext, Route, SimResponse } from './http-util.ts';
import { armError, armJson, parseJsonObject } from './http-util.ts';
import type { ArmResource, ImageKind, ImageStore, ParsedResourceId } from './state/images.ts';
import { parentId, parseResourceId } from './state/images.ts';

const OPERATION_PREFIX: Record<ImageKind, string> = {
  image: 'Images',
  gallery: 'Galleries',
  galleryImage: 'GalleryImages',
  galleryImageVersion: 'GalleryImageVersions',
};

const LIST_IMAGES = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Compute\/images$/i;

function notFound(ctx: RequestContext, parsed: ParsedResourceId): SimResponse {
  const typePath = ctx.path.replace(/^.*\/providers\//i, '');
  return armError(
    404,
    'ResourceNotFound',
    `The Resource '${typePath}' under resource group '${parsed.resourceGroup}' was not found.`,
    ctx.requestId,
    parsed.kind === 'image' || parsed.kind === 'gallery' ? { 'x-ms-failure-cause': 'gateway' } : {},
  );
}

function render(resource: ArmResource, expand: string | null): Record<string, unknown> {
  const properties = { ...resource.properties };
  if (expand?.toLowerCase().includes('replicationstatus') && resource.type.endsWith('/versions')) {
    const profile = properties.publishingProfile as { targetRegions?: { name: string }[] } | undefined;
    const regions = profile?.targetRegions?.map((r) => r.name) ?? [resource.location];
    properties.replicationStatus = {
      aggregatedState: 'Completed',
      summary: regions.map((region) => ({ region, state: 'Completed', details: '', progress: 100 })),
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

export function createArmApi(images: ImageStore): {
  match(method: string, segments: string[]): Route | undefined;
} {
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
              .map((r) => render(r, null));
            return armJson(200, { value }, ctx.requestId);
          },
        };
      }
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
              ? armJson(200, render(resource, ctx.query.get('$expand')), ctx.requestId)
              : notFound(ctx, parsed);
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
            const result = images.put(path, {
              location: body.location,
              ...(typeof body.tags === 'object' && body.tags !== null
                ? { tags: body.tags as Record<string, string> }
                : {}),
              properties: (typeof body.properties === 'object' && body.properties !== null
                ? body.properties
                : {}) as Record<string, unknown>,
            });
            if ('missingParent' in result) {
              const parentName = (parentId(path) ?? '').replace(/^.*\//, '');
              return armError(
                404,
                'ParentResourceNotFound',
                `Can not perform requested operation on nested resource. Parent resource '${parentName}' not found.`,
                ctx.requestId,
              );
            }
            return armJson(result.created ? 201 : 200, render(result.resource, null), ctx.requestId);
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
