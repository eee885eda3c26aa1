// The slice of the OpenAPI v3 schema dialect that CustomResourceDefinitions accept (a "structural
// schema"), with the Kubernetes extensions written under their real wire names, plus small builders
// that keep schema.ts readable. Every builder takes the description first: a field without one
// cannot be written by accident.
//
// Each builder also returns the TypeScript type of the values its schema admits, carried as a
// phantom type parameter that exists only for the compiler. types.ts reads it back with Static, so
// the schema is the one hand-written source and the types cannot drift from it: a field, an enum
// value or a `required` entry added here is in the types at once. The builders check what they can
// at compile time: `required` and list-map keys must name fields of the object, and a default must
// be a value the field admits.

export interface ValidationRule {
  /** A CEL expression; `self` is the value of the field the rule sits on, `oldSelf` its previous value. */
  rule: string;
  message: string;
  /** Where the error is reported, relative to the field the rule sits on (e.g. `.poolId`). */
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

export interface JSONSchemaProps {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  format?: string;
  properties?: Record<string, JSONSchemaProps>;
  /** An open map: every key is allowed and every value follows this schema (never with properties). */
  additionalProperties?: JSONSchemaProps;
  required?: string[];
  items?: JSONSchemaProps;
  enum?: (string | number)[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  'x-kubernetes-validations'?: ValidationRule[];
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
}

declare const STATIC: unique symbol;

/** A schema that also carries, for the compiler only, the type `T` of the values it admits. */
export interface Schema<T> extends JSONSchemaProps {
  readonly [STATIC]?: T;
}

/** The TypeScript type of the values a schema admits; `unknown` for a schema not built here. */
export type Static<S> = S extends Schema<infer T> ? T : never;

/** One object type instead of an intersection, so that editors show the fields themselves. */
type Simplify<T> = { [K in keyof T]: T[K] } & {};

/**
 * The object a set of property schemas describes. The optional half lists every key, in the order
 * schema.ts writes them, and the required half then takes the `?` off the keys in `required`.
 */
type ObjectOf<P, R extends keyof P> = Simplify<
  { [K in keyof P]?: Static<P[K]> } & { [K in R]-?: Static<P[K]> }
>;

/** The keys of T that are not optional. */
type RequiredKeys<T> = { [K in keyof T]-?: Pick<T, K> extends Required<Pick<T, K>> ? K : never }[keyof T];

/** What every builder accepts besides the parts it sets itself; `default` must be a value of T. */
type Extras<T> = Omit<
  JSONSchemaProps,
  | 'type'
  | 'description'
  | 'properties'
  | 'additionalProperties'
  | 'items'
  | 'required'
  | 'enum'
  | 'default'
  | 'x-kubernetes-list-map-keys'
  | 'x-kubernetes-preserve-unknown-fields'
> & { default?: NoInfer<T> };

/** A string; with `enum`, the type is the union of the values listed. */
export function str<const E extends string>(
  description: string,
  extras: Extras<E> & { enum: E[] },
): Schema<E>;
export function str(description: string, extras?: Extras<string>): Schema<string>;
export function str(description: string, extras: Extras<string> & { enum?: string[] } = {}): Schema<string> {
  return { type: 'string', description, ...extras };
}

export function int(description: string, extras: Extras<number> = {}): Schema<number> {
  return { type: 'integer', format: 'int32', description, ...extras };
}

export function int64(description: string, extras: Extras<number> = {}): Schema<number> {
  return { type: 'integer', format: 'int64', description, ...extras };
}

export function bool(description: string, extras: Extras<boolean> = {}): Schema<boolean> {
  return { type: 'boolean', description, ...extras };
}

/**
 * An object with known properties, all optional but those in `required`. With
 * `x-kubernetes-preserve-unknown-fields: true` the apiserver keeps fields the schema does not name,
 * so the type then admits any other key too, with a value of unknown type.
 */
export function obj<
  P extends Record<string, Schema<unknown>>,
  const R extends keyof P & string = never,
  U extends boolean = false,
>(
  description: string,
  properties: P,
  extras: Extras<ObjectOf<P, R>> & { required?: R[]; 'x-kubernetes-preserve-unknown-fields'?: U } = {},
): Schema<U extends true ? Simplify<ObjectOf<P, R> & Record<string, unknown>> : ObjectOf<P, R>> {
  return { type: 'object', description, properties, ...extras };
}

/** An open map from any key to values of one schema (Kubernetes labels are one). */
export function map<T>(
  description: string,
  values: Schema<T>,
  extras: Extras<Record<string, T>> = {},
): Schema<Record<string, T>> {
  return { type: 'object', description, additionalProperties: values, ...extras };
}

/** A list; a list of type `map` is keyed by fields of its items, which the items must require. */
export function list<T>(
  description: string,
  items: Schema<T>,
  extras: Extras<T[]> & { 'x-kubernetes-list-map-keys'?: (RequiredKeys<T> & string)[] } = {},
): Schema<T[]> {
  return { type: 'array', description, items, ...extras };
}

/** Transition rule: the field keeps the value it was created with. */
export function immutable(field: string, why: string): ValidationRule {
  return {
    rule: 'self == oldSelf',
    message: `${field} is immutable: ${why}; to change it, create a new BatchPool (a new Azure pool) instead`,
    reason: 'FieldValueForbidden',
  };
}
