import { Type, type Static } from '@sinclair/typebox';
import { Conditions } from '../k8s/conditions.js';
import { CustomResource, OpaqueObject, StringEnum } from '../k8s/schema.js';

export const Parameter = Type.Object({
  name: Type.String(),
  type: Type.Optional(StringEnum(['string', 'number', 'boolean'], { default: 'string' })),
  required: Type.Optional(Type.Boolean()),
  value: Type.Optional(Type.String()),
  default: Type.Optional(Type.String()),
  description: Type.Optional(Type.String()),
  // Resolving values from live objects needs API access at run time; kept for wire
  // compatibility and rejected by validation until the runner supports it.
  valueFrom: Type.Optional(OpaqueObject()),
});
export type Parameter = Static<typeof Parameter>;

export const ActionType = StringEnum(['HTTP', 'Job', 'Localization', 'Subscription', 'KubernetesResource', 'Globalization', 'HelmChart']);
export type ActionType = Static<typeof ActionType>;

export const HTTPAction = Type.Object({
  url: Type.String(),
  method: Type.Optional(StringEnum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'], { default: 'GET' })),
  headers: Type.Optional(Type.Record(Type.String(), Type.String())),
  body: Type.Optional(Type.String()),
  successCodes: Type.Optional(Type.Array(Type.Integer())),
  insecureSkipVerify: Type.Optional(Type.Boolean()),
});

export const JobAction = Type.Object({
  namespace: Type.Optional(Type.String()),
  template: Type.Object({
    metadata: Type.Optional(OpaqueObject()),
    spec: OpaqueObject(),
  }),
  ttlSecondsAfterFinished: Type.Optional(Type.Integer()),
});
export type JobAction = Static<typeof JobAction>;

const ResourceOperation = StringEnum(['Create', 'Apply', 'Patch', 'Delete'], { default: 'Create' });

/** A Clusternet Localization in a ManagedCluster namespace; `spec` is Clusternet's, feed at `spec.feed`. */
export const LocalizationAction = Type.Object({
  operation: Type.Optional(ResourceOperation),
  name: Type.String(),
  namespace: Type.String(),
  spec: Type.Optional(OpaqueObject()),
});

/** A Clusternet Globalization, which is cluster-scoped; feed at `spec.feed`. */
export const GlobalizationAction = Type.Object({
  operation: Type.Optional(ResourceOperation),
  name: Type.String(),
  spec: Type.Optional(OpaqueObject()),
});

/** A Clusternet HelmChart; `spec` holds `repo`, `chart`, `targetNamespace` and Helm's options. */
export const HelmChartAction = Type.Object({
  operation: Type.Optional(ResourceOperation),
  name: Type.String(),
  namespace: Type.String(),
  spec: Type.Optional(OpaqueObject()),
});

export const SubscriptionAction = Type.Object({
  operation: Type.Optional(StringEnum(['Create', 'Apply', 'Patch', 'Delete', 'Replace'], { default: 'Create' })),
  name: Type.String(),
  namespace: Type.Optional(Type.String()),
  spec: Type.Optional(OpaqueObject()),
});

export const KubernetesResourceAction = Type.Object({
  operation: Type.Optional(ResourceOperation),
  manifest: Type.String(),
});

export const RetryPolicy = Type.Object({
  limit: Type.Optional(Type.Integer({ default: 3 })),
  interval: Type.Optional(Type.String({ default: '5s' })),
  backoffMultiplier: Type.Optional(Type.String({ default: '2.0' })),
});

export const Action = Type.Object({
  name: Type.String({ minLength: 1 }),
  type: ActionType,
  http: Type.Optional(HTTPAction),
  job: Type.Optional(JobAction),
  localization: Type.Optional(LocalizationAction),
  globalization: Type.Optional(GlobalizationAction),
  helmChart: Type.Optional(HelmChartAction),
  subscription: Type.Optional(SubscriptionAction),
  resource: Type.Optional(KubernetesResourceAction),
  timeout: Type.Optional(Type.String({ default: '5m' })),
  waitReady: Type.Optional(Type.Boolean()),
  retryPolicy: Type.Optional(RetryPolicy),
  // A rollback is itself an Action; upstream stores it schemaless, so validation checks it.
  rollback: Type.Optional(OpaqueObject()),
  dependsOn: Type.Optional(Type.Array(Type.String())),
  when: Type.Optional(Type.String()),
  hookType: Type.Optional(Type.String()),
  clusterExecutionMode: Type.Optional(StringEnum(['', 'Global', 'PerCluster'])),
  hookCleanup: Type.Optional(
    Type.Object({
      beforeCreate: Type.Optional(Type.Boolean()),
      onSuccess: Type.Optional(Type.Boolean()),
      onFailure: Type.Optional(Type.Boolean()),
    }),
  ),
});
export type Action = Static<typeof Action>;

export const WorkflowFailurePolicy = StringEnum(['FailFast', 'Continue'], { default: 'FailFast' });

export const DRWorkflowSpec = Type.Object({
  executor: Type.Optional(
    Type.Object({
      type: Type.Optional(StringEnum(['Native', 'Argo'], { default: 'Native' })),
      argoOptions: Type.Optional(OpaqueObject()),
    }),
  ),
  parameters: Type.Optional(Type.Array(Parameter)),
  actions: Type.Array(Action, { minItems: 1 }),
  failurePolicy: Type.Optional(WorkflowFailurePolicy),
});
export type DRWorkflowSpec = Static<typeof DRWorkflowSpec>;

export const DRWorkflowStatus = Type.Object({
  phase: Type.Optional(StringEnum(['Ready', 'Invalid'])),
  conditions: Type.Optional(Conditions),
  observedGeneration: Type.Optional(Type.Integer()),
  usedBy: Type.Optional(Type.Array(Type.String())),
  /** For the Actions printer column: JSONPath cannot count. */
  actionCount: Type.Optional(Type.Integer()),
});
export type DRWorkflowStatus = Static<typeof DRWorkflowStatus>;

export const DRWorkflow = CustomResource('DRWorkflow', DRWorkflowSpec, DRWorkflowStatus);
export type DRWorkflow = Static<typeof DRWorkflow>;
