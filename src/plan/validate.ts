import { findCycle } from '../engine/graph.js';
import { tooManySteps } from '../engine/size.js';
import { firstIndexByName, validateParameterNames } from '../workflow/validate.js';
import type { DRPlanSpec } from '../api/plan.js';
import type { WorkflowVerdict } from './workflows.js';

/** The Go controller's plan checks, done in the hook against the observed workflows. */
export function validatePlanSpec(spec: DRPlanSpec, namespace: string, workflows: ReadonlyMap<string, WorkflowVerdict>): string[] {
  const errors: string[] = [];
  if (spec.stages.length === 0) errors.push('at least one stage is required');
  const firstIndex = firstIndexByName(spec.stages);
  let steps = 0;
  spec.stages.forEach((stage, index) => {
    const label = `stage[${index}] ${stage.name}`;
    steps += 1;
    if (stage.name.trim() === '') errors.push(`stage[${index}]: name must not be empty`);
    if (firstIndex.get(stage.name) !== index) errors.push(`${label}: duplicate stage name`);
    if (stage.workflows.length === 0) errors.push(`${label}: at least one workflow is required`);
    for (const dependency of stage.dependsOn ?? []) {
      if (dependency === stage.name) errors.push(`${label}: dependsOn must not name the stage itself`);
      else if (!firstIndex.has(dependency)) errors.push(`${label}: dependsOn names unknown stage "${dependency}"`);
    }
    for (const entry of stage.workflows) {
      const ref = `${entry.workflowRef.namespace || namespace}/${entry.workflowRef.name}`;
      const verdict = workflows.get(ref);
      steps += 1 + (verdict?.usable ? verdict.workflow.spec.actions.length : 0);
      if (verdict === undefined) errors.push(`${label}: workflow ${ref} not found`);
      else if (!verdict.usable) errors.push(`${label}: workflow ${ref} cannot be used: ${verdict.reason}`);
      validateParameterNames(entry.params ?? [], `${label} workflow ${ref} params`, errors);
    }
  });
  // Only the count here: how large each step is shows once it is rendered, when a run starts.
  const tooLarge = tooManySteps(steps);
  if (tooLarge !== undefined) errors.push(tooLarge);
  const cycle = findCycle(
    spec.stages.map((stage) => stage.name),
    (name) => spec.stages[firstIndex.get(name) ?? -1]?.dependsOn ?? [],
  );
  if (cycle) errors.push(`cycle detected in stage dependencies: ${cycle.join(' -> ')}`);
  validateParameterNames(spec.globalParams ?? [], 'globalParams', errors);
  return errors;
}
