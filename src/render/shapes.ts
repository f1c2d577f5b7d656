import type { TSchema } from '@sinclair/typebox';
import { DRPlanExecutionSpec } from '../api/execution.js';
import { isRecord, type KubeObject } from '../harness/index.js';
import { checkObject } from '../k8s/validate.js';
import { DRPlanSpec } from '../api/plan.js';
import { DRWorkflowSpec } from '../api/workflow.js';

const SPEC_SCHEMAS: Record<string, TSchema> = { DRWorkflow: DRWorkflowSpec, DRPlan: DRPlanSpec, DRPlanExecution: DRPlanExecutionSpec };

/**
 * Why the API server would refuse an object's spec (the CRDs are generated from these schemas),
 * on one line, with what to write instead when it has the shape of upstream's early documents;
 * undefined when the spec is fine. Whether the runbook makes sense is for the hooks to say.
 */
export function specProblem(kind: string, object: KubeObject): string | undefined {
  const schema = SPEC_SCHEMAS[kind];
  if (schema === undefined) return undefined;
  const spec = object['spec'];
  const checked = checkObject(schema, spec);
  if (checked.ok) return undefined;
  const problems = checked.problems.map((problem) => `spec${problem}`);
  const hint = oldShape(kind, spec);
  return `the API server would reject it: ${problems.join('; ')}${hint === undefined ? '' : ` (${hint})`}`;
}

/** The layouts of upstream's first design documents, which its CRDs never accepted. */
function oldShape(kind: string, spec: unknown): string | undefined {
  if (!isRecord(spec))
    return kind === 'DRPlanExecution'
      ? 'an execution names its plan: spec.planRef: <plan name>, spec.operationType: Execute or Revert'
      : undefined;
  if (kind === 'DRPlanExecution' && (isRecord(spec['planRef']) || spec['operation'] !== undefined)) {
    return 'this is the layout of early upstream documents: write planRef: <plan name> and operationType: Execute or Revert';
  }
  if (kind === 'DRPlan' && spec['workflowRef'] !== undefined) {
    return 'this is the layout of early upstream documents: a plan lists stages, each naming its workflows under workflows[].workflowRef';
  }
  if (kind === 'DRWorkflow' && spec['failurePolicy'] === 'Stop') {
    return 'a workflow stops at the first failure with failurePolicy: FailFast; Stop is the plan-level value';
  }
  return undefined;
}
