import type { Parameter } from '../api/workflow.js';
import type { Params } from './template.js';

/** Parameter values in precedence order, lowest first: workflow default, plan, stage, execution. */
export interface ParamSources {
  /** The workflow's declarations: defaults, types and `required`. */
  declared: readonly Parameter[];
  globals: readonly Parameter[];
  stage: readonly Parameter[];
  execution: readonly Parameter[];
  /** `spec.mode` of the execution, or `rollback` for a Revert. */
  mode?: string | undefined;
}

export interface ResolvedParams {
  values: Params;
  errors: string[];
}

export function resolveParams(sources: ParamSources, where: string): ResolvedParams {
  // A Map, not an object: a parameter named `toString` or `__proto__` must not meet Object.prototype.
  const values = new Map<string, string>();
  const errors = new Set<string>();
  const layer = (params: readonly Parameter[], pick: (param: Parameter) => string | undefined): void => {
    for (const param of params) {
      if (param.valueFrom !== undefined) {
        errors.add(`${where}: parameter "${param.name}" uses valueFrom, which is not supported yet`);
        continue;
      }
      const value = pick(param);
      if (value !== undefined) values.set(param.name, value);
    }
  };
  layer(sources.declared, (param) => (param.default ? param.default : undefined));
  layer(sources.globals, (param) => param.value);
  layer(sources.stage, (param) => (param.value ? param.value : undefined));
  layer(
    sources.execution.filter((param) => param.name !== 'mode'),
    (param) => param.value,
  );
  if (sources.mode) values.set('mode', sources.mode.toLowerCase());

  for (const param of [...sources.declared, ...sources.globals]) {
    const value = values.get(param.name);
    if (value === undefined) {
      if (param.required) errors.add(`${where}: parameter "${param.name}" is required but has no value`);
      continue;
    }
    const typeError = checkType(param, value);
    if (typeError) errors.add(`${where}: ${typeError}`);
  }
  return { values, errors: [...errors] };
}

function checkType(param: Parameter, value: string): string | undefined {
  if (param.type === 'number' && (value.trim() === '' || !Number.isFinite(Number(value)))) {
    return `parameter "${param.name}" must be a number, got "${value}"`;
  }
  if (param.type === 'boolean' && value !== 'true' && value !== 'false') {
    return `parameter "${param.name}" must be true or false, got "${value}"`;
  }
  return undefined;
}

/**
 * Parameters one list may hold. Every workflow of a run resolves the plan's and the execution's
 * parameters again, so their number multiplies the work of starting a run; no runbook needs more.
 */
const MAX_PARAMETERS = 200;

export function tooManyParameters(params: readonly Parameter[], where: string): string | undefined {
  if (params.length <= MAX_PARAMETERS) return undefined;
  return `${where}: ${params.length} parameters, more than the ${MAX_PARAMETERS} a list may hold`;
}
