// The TypeScript types are derived from schema.ts (see src/api/openapi.ts), so they cannot drift
// from it; what is left to prove is that the derivation means what the schema means. Most of this
// file is checked by the compiler (`npm run typecheck`): each `@ts-expect-error` line must fail to
// compile, so a derivation that went loose (a string where an enum was, an optional required
// field, an `any`) makes the typecheck fail. full-objects.ts sets every field, which proves the
// other direction: every field the schema has can be written.
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Schema, Static } from '../../../src/api/openapi.ts';
import { int, list, map, obj, str } from '../../../src/api/openapi.ts';
import type { batchAccountSchema, batchPoolSchema } from '../../../src/api/schema.ts';
import type {
  BatchAccount,
  BatchPool,
  BatchPoolSpec,
  BatchPoolStatus,
  Condition,
  DeletionPolicy,
  InboundNatPool,
  NameValue,
  Phase,
  ResizeStatus,
} from '../../../src/api/types.ts';
import { fullAccountSpec, fullPoolSpec, fullPoolStatus } from './full-objects.ts';

/** true when `any` appears anywhere inside T. */
type HasAny<T> = 0 extends 1 & T
  ? true
  : T extends readonly (infer U)[]
    ? HasAny<U>
    : T extends object
      ? true extends { [K in keyof T]-?: HasAny<T[K]> }[keyof T]
        ? true
        : false
      : false;

const image = { id: fullPoolSpec.image.id };
const required = {
  accountRef: { name: 'a' },
  vmSize: 'Standard_D4s_v5',
  image,
  nodeAgentSkuId: 'batch.node.x',
};

describe('the derived types', () => {
  it('contain no any', () => {
    expectTypeOf<HasAny<BatchPool>>().toEqualTypeOf<false>();
    expectTypeOf<HasAny<BatchAccount>>().toEqualTypeOf<false>();
  });

  it('pin the envelope the apiserver owns', () => {
    expectTypeOf<BatchPool['apiVersion']>().toEqualTypeOf<'batch.pooloperator.dev/v1alpha1'>();
    expectTypeOf<BatchPool['kind']>().toEqualTypeOf<'BatchPool'>();
    expectTypeOf<BatchAccount['kind']>().toEqualTypeOf<'BatchAccount'>();
    expectTypeOf<BatchPool['metadata']['name']>().toEqualTypeOf<string>();
    // The schema leaves them open (a bare string, a bare object); the types pin them instead.
    expectTypeOf<Static<typeof batchPoolSchema>['apiVersion']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Static<typeof batchAccountSchema>['spec']>().toEqualTypeOf<BatchAccount['spec']>();
  });

  it('make the schema’s required fields required and the others optional', () => {
    const minimal: BatchPoolSpec = required;
    // @ts-expect-error vmSize is required
    const noVmSize: BatchPoolSpec = { accountRef: { name: 'a' }, image, nodeAgentSkuId: 'batch.node.x' };
    // @ts-expect-error spec is required, status is not
    const noSpec: Omit<BatchPool, 'status'> = {
      apiVersion: 'batch.pooloperator.dev/v1alpha1',
      kind: 'BatchPool',
      metadata: { name: 'p' },
    };
    // @ts-expect-error a name/value pair needs its value
    const noValue: NameValue = { name: 'MODE' };
    // @ts-expect-error attempts is required in status.resize
    const noAttempts: ResizeStatus = { lastIssuedAt: '2026-01-02T03:04:05Z' };
    // @ts-expect-error every port of a NAT pool is required
    const noPorts: InboundNatPool = { name: 'ssh', protocol: 'tcp' };
    expect([minimal, noVmSize, noSpec, noValue, noAttempts, noPorts]).toHaveLength(6);
    expectTypeOf<BatchPoolSpec>().toHaveProperty('targetDedicatedNodes').toEqualTypeOf<number | undefined>();
    expectTypeOf<NonNullable<BatchPoolStatus['image']>>()
      .pick<'id' | 'exists' | 'checkedAt'>()
      .toEqualTypeOf<{ id: string; exists: boolean; checkedAt: string }>();
    expectTypeOf<NonNullable<BatchPoolStatus['image']>['source']>().toEqualTypeOf<
      'Gallery' | 'Managed' | undefined
    >();
  });

  it('turn enums into string-literal unions', () => {
    expectTypeOf<DeletionPolicy>().toEqualTypeOf<'Delete' | 'Retain'>();
    expectTypeOf<Condition['status']>().toEqualTypeOf<'True' | 'False' | 'Unknown'>();
    expectTypeOf<Phase>().toExtend<string>();
    expectTypeOf<string>().not.toExtend<Phase>();
    // @ts-expect-error not a deletion policy
    const policy: BatchPoolSpec = { ...required, deletionPolicy: 'Destroy' };
    // @ts-expect-error the values are lower-case
    const dealloc: BatchPoolSpec = { ...required, nodeDeallocationOption: 'Requeue' };
    // @ts-expect-error not a phase
    const phase: BatchPoolStatus = { phase: 'Done' };
    // @ts-expect-error not a condition status
    const status: Condition = { ...fullPoolStatus.conditions[0]!, status: 'Yes' };
    const startTask = { commandLine: 'x', userIdentity: { autoUser: { scope: 'node' } } } as const;
    // @ts-expect-error not an auto-user scope
    const scope: BatchPoolSpec = { ...required, startTask };
    expect([policy, dealloc, phase, status, scope]).toHaveLength(5);
  });

  it('refuse fields the schema does not have, and values of the wrong JSON type', () => {
    // @ts-expect-error misspelt field (the apiserver refuses it too, with strict field validation)
    const typo: BatchPoolSpec = { ...required, vmsize: 'Standard_D4s_v5' };
    // @ts-expect-error an integer field takes a number
    const count: BatchPoolSpec = { ...required, targetDedicatedNodes: '10' };
    // @ts-expect-error a boolean field takes a boolean
    const wait: BatchPoolSpec = { ...required, startTask: { commandLine: 'x', waitForSuccess: 'yes' } };
    const version: BatchAccount = {
      // @ts-expect-error apiVersion is fixed
      apiVersion: 'v1',
      kind: 'BatchAccount',
      metadata: { name: 'a' },
      spec: fullAccountSpec,
    };
    expect([typo, count, wait, version]).toHaveLength(4);
  });
});

describe('the schema builders', () => {
  it('type an open map as a record and keep its value schema', () => {
    const labels = map('Labels.', str('A label value.', { maxLength: 63 }));
    expectTypeOf<Static<typeof labels>>().toEqualTypeOf<Record<string, string>>();
    expect(labels).toEqual({
      type: 'object',
      description: 'Labels.',
      additionalProperties: { type: 'string', description: 'A label value.', maxLength: 63 },
    });
  });

  it('let an object that preserves unknown fields take any other key', () => {
    const open = obj('Open.', { known: int('Known.') }, { 'x-kubernetes-preserve-unknown-fields': true });
    const closed = obj('Closed.', { known: int('Known.') });
    expectTypeOf<Static<typeof open>>().toEqualTypeOf<{ [key: string]: unknown; known?: number }>();
    expectTypeOf<Static<typeof closed>>().toEqualTypeOf<{ known?: number }>();
    const value: Static<typeof open> = { known: 1, extra: { anything: true } };
    expect(value.extra).toEqual({ anything: true });
    expect(open['x-kubernetes-preserve-unknown-fields']).toBe(true);
    expect(closed).not.toHaveProperty('x-kubernetes-preserve-unknown-fields');
  });

  it('check required fields, list-map keys and defaults against the schema they sit on', () => {
    const a = str('A.');
    // @ts-expect-error `required` must name a property
    obj('Typo.', { name: a }, { required: ['nmae'] });
    list('By name.', obj('Item.', { name: a, value: a }, { required: ['value'] }), {
      // @ts-expect-error a list-map key must be a required field of the items
      'x-kubernetes-list-map-keys': ['name'],
    });
    // @ts-expect-error a default must be one of the enum values
    str('Policy.', { enum: ['Delete', 'Retain'], default: 'Destroy' });
    // @ts-expect-error an integer's default is a number
    int('Count.', { default: '0' });
    // @ts-expect-error an object's default must have its required fields
    obj('Pair.', { name: a, value: a }, { required: ['name', 'value'], default: { name: 'x' } });
    expectTypeOf(a).toEqualTypeOf<Schema<string>>();
  });
});
