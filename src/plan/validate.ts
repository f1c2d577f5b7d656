import { findCycle } from '../engine/graph.js';
import { runTooLarge } from '../engine/size.js';
import { listed } from '../k8s/bounds.js';
import type { DRWorkflow } from '../workflow/schema.js';
import { firstIndexByName, validateParameterNames, validateWorkflowSpec } from '../workflow/validate.js';
import type { DRPlanSpec } from './schema.js';

/**
 * The plan checks upstream makes, done in the hook against the observed workflows. Linear in
 * the plan and its workflows: each workflow is checked once however many stages use it.
 */
export function validatePlanSpec(spec: DRPlanSpec, namespace: string, workflows: ReadonlyMap<string, DRWorkflow>): string[] {
  const errors: string[] = [];
  if (spec.stages.length === 0) errors.push('at least one stage is required');
  const firstIndex = firstIndexByName(spec.stages);
  const workflowProblems = new Map<string, string | undefined>();
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
      const workflow = workflows.get(ref);
      steps += 1 + (workflow?.spec.actions.length ?? 0);
      if (workflow === undefined) errors.push(`${label}: workflow ${ref} not found`);
      else {
        // Checked here rather than read from the workflow's status, so that a plan applied
        // together with its workflows does not depend on which hook runs first.
        if (!workflowProblems.has(ref)) {
          const problems = validateWorkflowSpec(workflow.spec).errors;
          workflowProblems.set(ref, problems.length > 0 ? listed(problems) : undefined);
        }
        const problems = workflowProblems.get(ref);
        if (problems !== undefined) errors.push(`${label}: workflow ${ref} is not Ready: ${problems}`);
      }
      validateParameterNames(entry.params ?? [], `${label} workflow ${ref} params`, errors);
    }
  });
  // Only the count here: how large each step is shows once it is rendered, when a run starts.
  const tooLarge = runTooLarge(steps, 0);
  if (tooLarge !== undefined) errors.push(tooLarge);
  const cycle = findCycle(
    spec.stages.map((stage) => stage.name),
    (name) => spec.stages[firstIndex.get(name) ?? -1]?.dependsOn ?? [],
  );
  if (cycle) errors.push(`cycle detected in stage dependencies: ${cycle.join(' -> ')}`);
  validateParameterNames(spec.globalParams ?? [], 'globalParams', errors);
  return errors;
}
