// Builds the two CustomResourceDefinitions from schema.ts and renders them as the YAML committed in
// crds/. crdgen.ts writes the files; a unit test fails when the committed files drift from this.

import { stringify } from 'yaml';
import type { JSONSchemaProps } from './openapi.ts';
import { batchAccountSchema, batchPoolSchema } from './schema.ts';
import {
  BATCHACCOUNT_KIND,
  BATCHACCOUNT_PLURAL,
  BATCHPOOL_KIND,
  BATCHPOOL_PLURAL,
  GROUP,
  VERSION,
} from './constants.ts';

export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description: string;
  /** 0: always shown; 1: only with `-o wide`. */
  priority?: number;
}

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string; labels: Record<string, string> };
  spec: {
    group: string;
    scope: 'Namespaced' | 'Cluster';
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames: string[];
      categories: string[];
    };
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      schema: { openAPIV3Schema: JSONSchemaProps };
      subresources: { status: Record<string, never> };
      additionalPrinterColumns: PrinterColumn[];
      selectableFields?: { jsonPath: string }[];
    }[];
  };
}

export const CATEGORIES = ['azure', 'batchpool-operator'];

export const BATCHPOOL_COLUMNS: PrinterColumn[] = [
  {
    name: 'Target',
    type: 'integer',
    jsonPath: '.spec.targetDedicatedNodes',
    description: 'Dedicated nodes wanted.',
  },
  {
    name: 'Current',
    type: 'integer',
    jsonPath: '.status.currentDedicatedNodes',
    description: 'Dedicated nodes now, as Azure counts them (unusable and booting ones included).',
  },
  {
    name: 'Usable',
    type: 'integer',
    jsonPath: '.status.nodes.usable',
    description: 'Nodes that can run tasks now (idle or running), dedicated and Spot.',
  },
  { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'What the operator is doing.' },
  {
    name: 'Attempts',
    type: 'integer',
    jsonPath: '.status.resize.attempts',
    description: 'Resizes issued for the current target (kept once it is reached: how many it took).',
  },
  {
    name: 'Ready',
    type: 'string',
    jsonPath: '.status.conditions[?(@.type=="Ready")].status',
    description: 'Status of the Ready condition.',
  },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since creation.' },
  {
    name: 'Spot-Target',
    type: 'integer',
    jsonPath: '.spec.targetLowPriorityNodes',
    description:
      'Spot nodes wanted (targetLowPriorityNodes: Azure kept the name when low-priority became Spot).',
    priority: 1,
  },
  {
    name: 'Spot-Current',
    type: 'integer',
    jsonPath: '.status.currentLowPriorityNodes',
    description: 'Spot nodes now, preempted ones included.',
    priority: 1,
  },
  {
    name: 'Pool-ID',
    type: 'string',
    jsonPath: '.status.poolId',
    description: 'The Azure pool serving now (it moves to the other pool ID of a BlueGreen rollout).',
    priority: 1,
  },
  { name: 'VM-Size', type: 'string', jsonPath: '.spec.vmSize', description: 'Azure VM size.', priority: 1 },
  {
    name: 'Last-Error',
    type: 'string',
    jsonPath: '.status.resize.lastError.code',
    description: 'Code of the last resize error Azure reported.',
    priority: 1,
  },
];

export const BATCHACCOUNT_COLUMNS: PrinterColumn[] = [
  { name: 'Endpoint', type: 'string', jsonPath: '.spec.endpoint', description: 'URL of the Batch account.' },
  {
    name: 'Namespaces',
    type: 'string',
    jsonPath: '.spec.allowedNamespaces',
    description: 'Namespaces allowed to use it.',
  },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: 'Time since creation.' },
  {
    name: 'Client-ID',
    type: 'string',
    jsonPath: '.spec.identity.clientId',
    description:
      'Client ID of the Entra identity used for it (workload identity or a Secret), if not the operator’s own.',
    priority: 1,
  },
];

const LABELS = {
  'app.kubernetes.io/name': 'batchpool-operator',
  'app.kubernetes.io/part-of': 'batchpool-operator',
};

export function batchPoolCrd(): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${BATCHPOOL_PLURAL}.${GROUP}`, labels: LABELS },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: {
        kind: BATCHPOOL_KIND,
        listKind: `${BATCHPOOL_KIND}List`,
        plural: BATCHPOOL_PLURAL,
        singular: BATCHPOOL_KIND.toLowerCase(),
        shortNames: ['bp'],
        categories: CATEGORIES,
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: batchPoolSchema },
          subresources: { status: {} },
          additionalPrinterColumns: BATCHPOOL_COLUMNS,
          // Lets the operator (and people) list the pools of one account:
          // kubectl get bp -A --field-selector spec.accountRef.name=prod-westeurope
          selectableFields: [{ jsonPath: '.spec.accountRef.name' }],
        },
      ],
    },
  };
}

export function batchAccountCrd(): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${BATCHACCOUNT_PLURAL}.${GROUP}`, labels: LABELS },
    spec: {
      group: GROUP,
      scope: 'Cluster',
      names: {
        kind: BATCHACCOUNT_KIND,
        listKind: `${BATCHACCOUNT_KIND}List`,
        plural: BATCHACCOUNT_PLURAL,
        singular: BATCHACCOUNT_KIND.toLowerCase(),
        shortNames: ['ba'],
        categories: CATEGORIES,
      },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: batchAccountSchema },
          subresources: { status: {} },
          additionalPrinterColumns: BATCHACCOUNT_COLUMNS,
        },
      ],
    },
  };
}

const HEADER = [
  '# GENERATED by src/api/crdgen.ts from src/api/schema.ts and src/api/crds.ts: do not edit by hand.',
  '# Regenerate with `npm run crdgen`; test/unit/api/crd-drift.test.ts fails while this file is stale.',
].join('\n');

export function renderCrd(crd: CustomResourceDefinition): string {
  return `${HEADER}\n${stringify(crd, { lineWidth: 0 })}`;
}

/** Every file crdgen writes, keyed by its path relative to the repository root. */
export function generatedFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const names: string[] = [];
  for (const crd of [batchPoolCrd(), batchAccountCrd()]) {
    const name = `${GROUP}_${crd.spec.names.plural}.yaml`;
    names.push(name);
    files.set(`crds/${name}`, renderCrd(crd));
  }
  files.set(
    'crds/kustomization.yaml',
    `${HEADER}\n${stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: names })}`,
  );
  return files;
}
