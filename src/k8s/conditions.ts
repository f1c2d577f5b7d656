import { FormatRegistry, Type, type Static } from '@sinclair/typebox';
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
 * The result is ordered by type for a stable output.
 */
export function mergeConditions(
  previous: readonly Condition[] | undefined,
  desired: readonly ConditionInput[],
  now: string,
): Condition[] {
  return desired
    .map((condition) => {
      const before = previous?.find((candidate) => candidate.type === condition.type);
      const lastTransitionTime =
        before !== undefined && before.status === condition.status ? before.lastTransitionTime : now;
      return { ...condition, lastTransitionTime };
    })
    .sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}

export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((condition) => condition.type === type);
}
