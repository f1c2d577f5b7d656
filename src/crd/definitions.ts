import { Type, type TObject } from '@sinclair/typebox';
import { DRPlanExecutionSpec, DRPlanExecutionStatus } from '../execution/schema.js';
import { API_GROUP } from '../k8s/schema.js';
import { DRPlanSpec, DRPlanStatus } from '../plan/schema.js';
import { DRWorkflowSpec, DRWorkflowStatus } from '../workflow/schema.js';
import { toStructural, type JsonSchema } from './structural.js';

interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'date';
  jsonPath: string;
  priority?: number;
  description?: string;
}

interface Definition {
  kind: string;
  plural: string;
  singular: string;
  shortName: string;
  spec: TObject;
  status: TObject;
  columns: PrinterColumn[];
}

const AGE: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };
const PHASE: PrinterColumn = { name: 'Phase', type: 'string', jsonPath: '.status.phase' };

const DEFINITIONS: readonly Definition[] = [
  {
    kind: 'DRWorkflow',
    plural: 'drworkflows',
    singular: 'drworkflow',
    shortName: 'drwf',
    spec: DRWorkflowSpec,
    status: DRWorkflowStatus,
    columns: [
      PHASE,
      { name: 'Actions', type: 'integer', jsonPath: '.status.actionCount' },
      { name: 'Used-By', type: 'string', jsonPath: '.status.usedBy', priority: 1, description: 'plans that reference this workflow' },
      AGE,
    ],
  },
  {
    kind: 'DRPlan',
    plural: 'drplans',
    singular: 'drplan',
    shortName: 'drp',
    spec: DRPlanSpec,
    status: DRPlanStatus,
    columns: [
      PHASE,
      { name: 'Current', type: 'string', jsonPath: '.status.currentExecution.name' },
      { name: 'Last', type: 'string', jsonPath: '.status.lastExecutionRef' },
      AGE,
    ],
  },
  {
    kind: 'DRPlanExecution',
    plural: 'drplanexecutions',
    singular: 'drplanexecution',
    shortName: 'drpe',
    spec: DRPlanExecutionSpec,
    status: DRPlanExecutionStatus,
    columns: [
      { name: 'Plan', type: 'string', jsonPath: '.spec.planRef' },
      { name: 'Operation', type: 'string', jsonPath: '.spec.operationType' },
      PHASE,
      { name: 'Started', type: 'date', jsonPath: '.status.startTime' },
      { name: 'Completed', type: 'date', jsonPath: '.status.completionTime' },
      AGE,
    ],
  },
];

/** The three CRDs, generated from the same schemas the hooks use. */
export function customResourceDefinitions(): JsonSchema[] {
  return DEFINITIONS.map((definition) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${definition.plural}.${API_GROUP}` },
    spec: {
      group: API_GROUP,
      names: {
        kind: definition.kind,
        listKind: `${definition.kind}List`,
        plural: definition.plural,
        singular: definition.singular,
        shortNames: [definition.shortName],
        categories: ['dr'],
      },
      scope: 'Namespaced',
      versions: [
        {
          name: 'v1alpha1',
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: definition.columns,
          schema: {
            openAPIV3Schema: toStructural(
              Type.Object({
                apiVersion: Type.Optional(Type.String()),
                kind: Type.Optional(Type.String()),
                metadata: Type.Optional(Type.Object({})),
                spec: definition.spec,
                status: Type.Optional(definition.status),
              }),
            ),
          },
        },
      ],
    },
  }));
}
