import { FormatRegistry, Type, type Static } from '@sinclair/typebox';
import { capText, MAX_MESSAGE_CHARS } from './bounds.js';
import { StringEnum } from './schema.js';

// TypeBox rejects values of formats it does not know; teach it the one the CRDs use.
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (value) => !Number.isNaN(Date.parse(value)));

export const Condition = Type.Object({
  type: Type.String(),
  status: StringEnum(['True', 'False', 'Unknown']),
  observedGeneration: Type.Optional(Type.Integer()),
  lastTransitionTime: Type.String({ format: 'date-time' }),
  reason: Type.String(),
  message: Type.String(),
});
export type Condition = Static<typeof Condition>;

/** `metav1.Condition` lists are list-maps keyed by type, as kubebuilder declares them. */
export const Conditions = Type.Array(Condition, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] });

export type ConditionInput = Omit<Condition, 'lastTransitionTime'>;

/**
 * Builds the condition list from the desired conditions, keeping each previous
 * `lastTransitionTime` while its status is unchanged so that repeated syncs are byte-identical.
 * The result is ordered by type for a stable output, and every message fits a condition.
 * `previous` is read as found, since it may come from a status that failed its schema: a
 * value that is not a list, or entries that are not conditions, only lose their times.
 */
export function mergeConditions(previous: unknown, desired: readonly ConditionInput[], at: string): Condition[] {
  const before = new Map<string, { status: unknown; lastTransitionTime: string }>();
  if (Array.isArray(previous)) {
    for (const entry of previous as unknown[]) {
      if (!isConditionLike(entry) || before.has(entry.type)) continue;
      before.set(entry.type, entry);
    }
  }
  return desired
    .map((condition) => {
      const earlier = before.get(condition.type);
      const lastTransitionTime = earlier !== undefined && earlier.status === condition.status ? earlier.lastTransitionTime : at;
      return { ...condition, message: capText(condition.message, MAX_MESSAGE_CHARS), lastTransitionTime };
    })
    .sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}

function isConditionLike(value: unknown): value is { type: string; status: unknown; lastTransitionTime: string } {
  if (value === null || typeof value !== 'object') return false;
  const { type, lastTransitionTime } = value as { type?: unknown; lastTransitionTime?: unknown };
  return typeof type === 'string' && typeof lastTransitionTime === 'string';
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((condition) => condition.type === type);
}
