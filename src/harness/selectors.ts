import { isRecord } from './types.js';

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface LabelSelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values?: string[];
}

/** metav1.LabelSelector; an empty selector matches everything. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

const OPERATORS: readonly string[] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];

/**
 * Decodes a selector the way Go's strict JSON decoding plus `LabelSelectorAsSelector` would:
 * wrong types and invalid operator/value combinations always fail; unknown keys fail only in
 * strict mode (hook version v2).
 */
export function decodeLabelSelector(value: unknown, where: string, strict: boolean): LabelSelector {
  if (!isRecord(value)) throw new Error(`${where}: a label selector must be an object`);
  if (strict) rejectUnknownKeys(value, ['matchLabels', 'matchExpressions'], where);
  const selector: LabelSelector = {};
  const { matchLabels, matchExpressions } = value;
  if (matchLabels !== undefined && matchLabels !== null) {
    selector.matchLabels = decodeStringMap(matchLabels, `${where}.matchLabels`);
  }
  if (matchExpressions !== undefined && matchExpressions !== null) {
    if (!Array.isArray(matchExpressions)) throw new Error(`${where}.matchExpressions must be a list`);
    selector.matchExpressions = matchExpressions.map((item: unknown, i) =>
      decodeRequirement(item, `${where}.matchExpressions[${i}]`, strict),
    );
  }
  return selector;
}

function decodeRequirement(value: unknown, where: string, strict: boolean): LabelSelectorRequirement {
  if (!isRecord(value)) throw new Error(`${where} must be an object`);
  if (strict) rejectUnknownKeys(value, ['key', 'operator', 'values'], where);
  const { key, operator } = value;
  if (typeof key !== 'string' || key === '') throw new Error(`${where}.key must be a non-empty string`);
  if (typeof operator !== 'string' || !isOperator(operator)) {
    throw new Error(`${where}.operator ${JSON.stringify(operator)} is not a valid label selector operator`);
  }
  const list = decodeValues(value.values, where);
  const needsValues = operator === 'In' || operator === 'NotIn';
  if (needsValues && list.length === 0) throw new Error(`${where}: operator ${operator} needs at least one value`);
  if (!needsValues && list.length > 0) throw new Error(`${where}: operator ${operator} takes no values`);
  return needsValues ? { key, operator, values: list } : { key, operator };
}

function decodeValues(values: unknown, where: string): string[] {
  const list = values === undefined || values === null ? [] : values;
  if (!Array.isArray(list) || !list.every((v): v is string => typeof v === 'string')) {
    throw new Error(`${where}.values must be a list of strings`);
  }
  return list;
}

function isOperator(value: string): value is SelectorOperator {
  return OPERATORS.includes(value);
}

export function decodeStringMap(value: unknown, where: string): Record<string, string> {
  if (!isRecord(value)) throw new Error(`${where} must be a map of strings`);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw new Error(`${where}.${k} must be a string`);
    out[k] = v;
  }
  return out;
}

export function rejectUnknownKeys(value: Record<string, unknown>, allowed: readonly string[], where: string): void {
  const unknown = Object.keys(value).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    throw new Error(`${where}: unknown field(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')}`);
  }
}

export function matchesSelector(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  return selectorTest(selector)(labels);
}

/**
 * The selector as a test of label maps, its pairs listed once: a related rule is tried on every
 * Pod of a long run on every sync of its plan.
 */
export function selectorTest(selector: LabelSelector): (labels: Record<string, string> | undefined) => boolean {
  const pairs = Object.entries(selector.matchLabels ?? {});
  const requirements = selector.matchExpressions ?? [];
  return (labels) => {
    const have = labels ?? {};
    for (const [k, v] of pairs) if (have[k] !== v) return false;
    return requirements.every((req) => matchesRequirement(req, have));
  };
}

function matchesRequirement(req: LabelSelectorRequirement, labels: Record<string, string>): boolean {
  const value = labels[req.key];
  switch (req.operator) {
    case 'In':
      return value !== undefined && (req.values ?? []).includes(value);
    case 'NotIn':
      // Kubernetes semantics: an absent key satisfies NotIn.
      return value === undefined || !(req.values ?? []).includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
  }
}
