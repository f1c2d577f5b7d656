import type { DRPlanExecutionSpec } from '../api/execution.js';

/** As the Go controller's admission webhook: a letter, then letters, digits, `_` or `-`. */
const PARAM_NAME = /^[a-zA-Z][a-zA-Z0-9_-]*$/;

/**
 * What is wrong with an execution's `spec.params`, with the Go controller's rules (it refused
 * such executions at creation): names present, well formed, unique and not the reserved `mode`
 * (set by `spec.mode`), and a static `value` or a `valueFrom`, not both. `valueFrom` is refused
 * as well, since this version cannot resolve it. Empty when the params are fine.
 */
export function executionParamProblems(spec: Pick<DRPlanExecutionSpec, 'params'>): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  (spec.params ?? []).forEach((param, index) => {
    const at = `params[${index}]`;
    if (param.name === '') {
      problems.push(`${at}: name must not be empty`);
      return;
    }
    const named = `${at} ${JSON.stringify(param.name)}`;
    if (!PARAM_NAME.test(param.name)) problems.push(`${named}: name must match [a-zA-Z][a-zA-Z0-9_-]*`);
    if (param.name === 'mode') problems.push(`${named}: the name mode is reserved; set spec.mode instead`);
    if (seen.has(param.name)) problems.push(`${named}: duplicate parameter name`);
    seen.add(param.name);
    if (param.valueFrom !== undefined) {
      problems.push(
        param.value !== undefined && param.value !== ''
          ? `${named}: value and valueFrom are mutually exclusive`
          : `${named}: valueFrom is not supported yet; give a value`,
      );
    }
  });
  return problems;
}
