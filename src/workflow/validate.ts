import { findCycle } from '../engine/graph.js';
import { tooManyParameters } from '../engine/params.js';
import { placeholdersDeep } from '../engine/template.js';
import { parseWhen } from '../engine/when.js';
import { listed } from '../k8s/bounds.js';
import { checkObject } from '../k8s/validate.js';
import { timeoutProblem } from '../k8s/time.js';
import { checkBlock } from './blocks.js';
import { Action, type DRWorkflowSpec, type Parameter } from '../api/workflow.js';

export interface Findings {
  errors: string[];
  warnings: string[];
}

/** Params every run provides whether or not a workflow declares them. */
const IMPLICIT_PARAMS = ['mode'];

/** The Go controller's workflow checks, plus a warning for placeholders no parameter declares. */
export function validateWorkflowSpec(spec: DRWorkflowSpec): Findings {
  const errors: string[] = [];
  const warnings: string[] = [];
  if (spec.actions.length === 0) errors.push('at least one action is required');

  validateParameterNames(spec.parameters ?? [], 'parameters', errors);
  const declared = new Set([...(spec.parameters ?? []).map((param) => param.name), ...IMPLICIT_PARAMS]);

  const firstIndex = firstIndexByName(spec.actions);
  spec.actions.forEach((action, index) => {
    const label = `action[${index}] ${action.name}`;
    if (firstIndex.get(action.name) !== index) errors.push(`${label}: duplicate action name`);
    const own = validateAction(action, label);
    const rollback = action.rollback === undefined ? { errors: [], warnings: [] } : validateRollback(action.rollback, `${label} rollback`);
    errors.push(...own.errors, ...rollback.errors);
    warnings.push(...own.warnings, ...rollback.warnings);
    for (const dependency of action.dependsOn ?? []) {
      if (dependency === action.name) errors.push(`${label}: dependsOn must not name the action itself`);
      else if (!firstIndex.has(dependency)) errors.push(`${label}: dependsOn names unknown action "${dependency}"`);
    }
    const undeclared = placeholdersDeep(action).filter((name) => !declared.has(name));
    if (undeclared.length > 0) {
      warnings.push(`${label} uses undeclared parameter(s) ${listed(undeclared, ', ')}; the plan must pass them`);
    }
  });
  const cycle = findCycle(
    spec.actions.map((action) => action.name),
    (name) => spec.actions[firstIndex.get(name) ?? -1]?.dependsOn ?? [],
  );
  if (cycle) errors.push(`cycle detected in action dependencies: ${cycle.join(' -> ')}`);
  return { errors, warnings };
}

/** Where each name first appears: duplicates and references are then checked in one pass. */
export function firstIndexByName(items: readonly { name: string }[]): Map<string, number> {
  const first = new Map<string, number>();
  items.forEach((item, index) => {
    if (!first.has(item.name)) first.set(item.name, index);
  });
  return first;
}

/** Adds the problems of a parameter list to `errors`: a list of any length, which a spread could not pass. */
export function validateParameterNames(params: readonly Parameter[], where: string, errors: string[]): void {
  const tooMany = tooManyParameters(params, where);
  if (tooMany !== undefined) errors.push(tooMany);
  const seen = new Set<string>();
  for (const param of params) {
    if (param.name.trim() === '') errors.push(`${where}: parameter name must not be empty`);
    else if (seen.has(param.name)) errors.push(`${where}: duplicate parameter "${param.name}"`);
    seen.add(param.name);
    if (param.valueFrom !== undefined) {
      errors.push(`${where}: parameter "${param.name}": valueFrom.manifestRef is not supported yet; give a value`);
    }
  }
}

/** A custom rollback is a whole Action of any type; its name may be omitted. */
function validateRollback(rollback: Record<string, unknown>, label: string): Findings {
  const candidate = { name: 'rollback', ...rollback };
  const checked = checkObject(Action, candidate);
  if (!checked.ok) return { errors: checked.problems.map((problem) => `${label}: ${problem}`), warnings: [] };
  if (checked.value.rollback !== undefined) return { errors: [`${label}: a rollback cannot have its own rollback`], warnings: [] };
  return validateAction(checked.value, label, { isRollback: true });
}

export function validateAction(action: Action, label: string, { isRollback = false } = {}): Findings {
  const { errors, warnings } = checkBlock(action, label, isRollback);
  const timeout = action.timeout === undefined ? undefined : timeoutProblem(action.timeout);
  if (timeout !== undefined) errors.push(`${label}: ${timeout}`);
  if (action.when !== undefined && action.when.trim() !== '') {
    const parsed = parseWhen(action.when);
    if ('error' in parsed) errors.push(`${label}: ${parsed.error}`);
  }
  return { errors, warnings };
}
