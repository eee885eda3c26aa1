// The slice of the OpenAPI v3 schema dialect that CustomResourceDefinitions accept (a "structural
// schema"), with the Kubernetes extensions written under their real wire names, plus small builders
// that keep schema.ts readable. Every builder takes the description first: a field without one
// cannot be written by accident.

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

type Extras = Omit<JSONSchemaProps, 'type' | 'description' | 'properties' | 'items'>;

export function str(description: string, extras: Extras = {}): JSONSchemaProps {
  return { type: 'string', description, ...extras };
}

export function int(description: string, extras: Extras = {}): JSONSchemaProps {
  return { type: 'integer', format: 'int32', description, ...extras };
}

export function int64(description: string, extras: Extras = {}): JSONSchemaProps {
  return { type: 'integer', format: 'int64', description, ...extras };
}

export function bool(description: string, extras: Extras = {}): JSONSchemaProps {
  return { type: 'boolean', description, ...extras };
}

export function obj(
  description: string,
  properties: Record<string, JSONSchemaProps>,
  extras: Extras = {},
): JSONSchemaProps {
  return { type: 'object', description, properties, ...extras };
}

export function list(description: string, items: JSONSchemaProps, extras: Extras = {}): JSONSchemaProps {
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
