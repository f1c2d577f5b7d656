import type { Run } from '../api/run.js';
import { LABEL_EXECUTION, LABEL_PLAN } from '../k8s/labels.js';
import { keptConfigMap, type KubeObject } from '../k8s/metacontroller.js';
import { labelValue } from '../k8s/names.js';
import { definitionChunks, definitionsName, type PlanIdentity } from '../engine/definitions.js';
import { stagesWithoutDefinitions } from '../engine/joined-definitions.js';

/**
 * The ConfigMaps of a run's definitions (docs/design.md, "Run definitions"): children of the
 * plan, written when the run starts, under the names `status.run.definitions` lists.
 */

/** The run as the status keeps it: without the definitions that its ConfigMaps hold. */
export function withoutDefinitions(run: Run): Run {
  return run.definitions === undefined ? run : { ...run, stages: stagesWithoutDefinitions(run.stages) };
}

/**
 * The ConfigMaps the plan keeps for its run: as observed when they are (they never change),
 * built from the run when it has just started. One that is gone cannot be built again from a
 * run read back without it: it is left out, and the run's actions that need it say so.
 */
export function definitionConfigMaps(run: Run | undefined, observed: readonly KubeObject[], plan: PlanIdentity): KubeObject[] {
  const names = run?.definitions;
  if (run === undefined || names === undefined) return [];
  const seen = new Map(observed.map((configMap) => [configMap.metadata.name, configMap]));
  const built = names.every((name) => seen.has(name)) ? [] : definitionChunks(run);
  return names.flatMap((name, index) => {
    const kept = seen.get(name);
    if (kept !== undefined) return [keptConfigMap(kept)];
    const chunk = built[index];
    // Built from a run read back without this ConfigMap, the chunk would be empty or another one.
    return chunk === undefined || definitionsName(plan, run, index, chunk) !== name ? [] : [definitionsConfigMap(plan, run, name, chunk)];
  });
}

function definitionsConfigMap(plan: PlanIdentity, run: Run, name: string, data: Record<string, string>): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      namespace: plan.namespace,
      labels: { [LABEL_PLAN]: labelValue(plan.name), [LABEL_EXECUTION]: labelValue(run.execution.name) },
    },
    data: { ...data },
  };
}
