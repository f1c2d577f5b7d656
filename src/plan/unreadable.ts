import { DRPlanExecution } from '../api/execution.js';
import { listed } from '../k8s/bounds.js';
import { mergeConditions, type ConditionInput } from '../k8s/conditions.js';
import { objectsOfKind, type ObjectMap } from '../k8s/metacontroller.js';
import { API_VERSION } from '../k8s/schema.js';
import { checkObject } from '../k8s/validate.js';
import { MAX_HISTORY_LIMIT } from '../api/plan.js';

/**
 * What the plan does with objects it cannot fully read (docs/design.md, "Budgets: time, size,
 * names"): they are never taken for absent. An execution of the plan that fails its schema (an
 * older or newer version wrote it, a hand edit) still counts as alive, so its run is not
 * cancelled and its record not trimmed; the plan's status says which ones it could not read.
 */
export interface Unreadable {
  uids: ReadonlySet<string>;
  condition?: ConditionInput;
}

export function unreadableExecutions(related: ObjectMap | undefined, plan: { namespace: string; name: string }): Unreadable {
  const uids = new Set<string>();
  const problems: string[] = [];
  for (const object of objectsOfKind(related, 'DRPlanExecution', API_VERSION)) {
    const checked = checkObject(DRPlanExecution, object);
    if (checked.ok) continue;
    const spec = (object as { spec?: { planRef?: unknown } }).spec;
    const mine = (object.metadata.namespace ?? '') === plan.namespace && (typeof spec?.planRef !== 'string' || spec.planRef === plan.name);
    if (!mine) continue;
    if (object.metadata.uid !== undefined) uids.add(object.metadata.uid);
    problems.push(`${object.metadata.name}: ${listed(checked.problems)}`);
  }
  if (problems.length === 0) return { uids };
  return {
    uids,
    condition: {
      type: 'ExecutionsReadable',
      status: 'False',
      reason: 'SchemaMismatch',
      message: `execution(s) that fail the schema are kept as they are, their records and runs untouched: ${listed(problems)}`,
    },
  };
}

/**
 * The history limit of a spec that fails its schema, when that one field is still readable;
 * otherwise no limit at all, rather than a default that could drop records the user keeps.
 */
export function historyLimitOfUnreadable(spec: unknown): number {
  const limit = (spec as { historyLimit?: unknown } | undefined)?.historyLimit;
  return typeof limit === 'number' && Number.isInteger(limit) && limit >= 1 && limit <= MAX_HISTORY_LIMIT
    ? limit
    : Number.POSITIVE_INFINITY;
}

/**
 * A status that fails its schema is kept as it is (rewriting it could lose records), with one
 * condition added that names what could not be read; where even its conditions are not a
 * list, nothing is touched at all.
 */
export function withUnreadableStatusCondition(status: unknown, problems: readonly string[], at: string): Record<string, unknown> {
  const kept = status as Record<string, unknown>;
  const conditions = kept['conditions'];
  if (conditions !== undefined && !Array.isArray(conditions)) return kept;
  const entries = (conditions ?? []) as unknown[];
  const others = entries.filter(
    (entry): entry is ConditionInput =>
      entry !== null &&
      typeof entry === 'object' &&
      typeof (entry as { type?: unknown }).type === 'string' &&
      (entry as { type: string }).type !== 'StatusReadable',
  );
  const unreadable: ConditionInput = {
    type: 'StatusReadable',
    status: 'False',
    reason: 'SchemaMismatch',
    message: `the plan's status fails the schema, so the plan is left as it is until it is fixed: ${listed([...problems])}`,
  };
  return { ...kept, conditions: mergeConditions(conditions, [...others, unreadable], at) };
}
