import { listed } from '../k8s/bounds.js';
import { rememberedWhenFrozen } from '../shared/frozen.js';
import { objectsOfKind, type KubeObject, type ObjectMap } from '../k8s/metacontroller.js';
import type { WorkflowKey } from '../api/usage.js';
import { API_VERSION } from '../k8s/schema.js';
import { checkObject } from '../k8s/validate.js';
import { DRWorkflow, DRWorkflowSpec } from '../api/workflow.js';
import { validateWorkflowSpec } from '../workflow/validate.js';

/** Whether a workflow the plan observes can be run, and if not, why. */
export type WorkflowVerdict = { usable: true; workflow: DRWorkflow } | { usable: false; reason: string };

/**
 * Judges the observed workflows among `wanted`, by `namespace/name`. A workflow that exists is
 * never left out:
 * one whose spec fails the schema or the workflow checks is kept with the reason, so that a plan
 * using it says why instead of "not found". The checks are the workflow hook's own rather than
 * its status, so a plan applied together with its workflows does not depend on hook order.
 */
export function workflowVerdicts(related: ObjectMap | undefined, wanted: readonly WorkflowKey[]): Map<string, WorkflowVerdict> {
  const keys = new Set(wanted.map((key) => `${key.namespace}/${key.name}`));
  const verdicts = new Map<string, WorkflowVerdict>();
  for (const object of objectsOfKind(related, 'DRWorkflow', API_VERSION)) {
    const key = `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    if (!keys.has(key) || verdicts.has(key)) continue;
    verdicts.set(key, rememberedVerdict(object));
  }
  return verdicts;
}

/** The workflow checks of a frozen workflow (a rehearsal's) are made once. */
const rememberedVerdict = rememberedWhenFrozen(verdictOf);

function verdictOf(object: KubeObject): WorkflowVerdict {
  const spec = checkObject(DRWorkflowSpec, object['spec']);
  if (!spec.ok) return { usable: false, reason: `its spec fails the schema: ${listed(spec.problems.map((problem) => `spec${problem}`))}` };
  const errors = validateWorkflowSpec(spec.value).errors;
  if (errors.length > 0) return { usable: false, reason: `it is Invalid: ${listed(errors)}` };
  return { usable: true, workflow: { apiVersion: API_VERSION, kind: 'DRWorkflow', metadata: object.metadata, spec: spec.value } };
}

/** The workflows a run may use, by `namespace/name`. */
export function usableWorkflows(verdicts: ReadonlyMap<string, WorkflowVerdict>): Map<string, DRWorkflow> {
  const usable = new Map<string, DRWorkflow>();
  for (const [key, verdict] of verdicts) if (verdict.usable) usable.set(key, verdict.workflow);
  return usable;
}
