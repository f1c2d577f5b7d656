import { findCycle } from '../engine/graph.js';
import { validateParameterNames } from '../workflow/validate.js';
import type { DRPlanSpec } from './schema.js';
import type { WorkflowVerdict } from './workflows.js';

/** The Go controller's plan checks, done in the hook against the observed workflows. */
export function validatePlanSpec(spec: DRPlanSpec, namespace: string, workflows: ReadonlyMap<string, WorkflowVerdict>): string[] {
  const errors: string[] = [];
  if (spec.stages.length === 0) errors.push('at least one stage is required');
  const names = spec.stages.map((stage) => stage.name);
  spec.stages.forEach((stage, index) => {
    const label = `stage[${index}] ${stage.name}`;
    if (stage.name.trim() === '') errors.push(`stage[${index}]: name must not be empty`);
    if (names.indexOf(stage.name) !== index) errors.push(`${label}: duplicate stage name`);
    if (stage.workflows.length === 0) errors.push(`${label}: at least one workflow is required`);
    for (const dependency of stage.dependsOn ?? []) {
      if (dependency === stage.name) errors.push(`${label}: dependsOn must not name the stage itself`);
      else if (!names.includes(dependency)) errors.push(`${label}: dependsOn names unknown stage "${dependency}"`);
    }
    for (const entry of stage.workflows) {
      const ref = `${entry.workflowRef.namespace || namespace}/${entry.workflowRef.name}`;
      const verdict = workflows.get(ref);
      if (verdict === undefined) errors.push(`${label}: workflow ${ref} not found`);
      else if (!verdict.usable) errors.push(`${label}: workflow ${ref} cannot be used: ${verdict.reason}`);
      errors.push(...validateParameterNames(entry.params ?? [], `${label} workflow ${ref} params`));
    }
  });
  const cycle = findCycle(names, (name) => spec.stages.find((stage) => stage.name === name)?.dependsOn ?? []);
  if (cycle) errors.push(`cycle detected in stage dependencies: ${cycle.join(' -> ')}`);
  errors.push(...validateParameterNames(spec.globalParams ?? [], 'globalParams'));
  return errors;
}
