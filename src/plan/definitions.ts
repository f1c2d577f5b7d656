import { actionsOf, type Run } from '../api/run.js';
import { LABEL_EXECUTION, LABEL_PLAN } from '../k8s/labels.js';
import { keptConfigMap, type KubeObject } from '../k8s/metacontroller.js';
import { hashedName, labelValue, shortHash } from '../k8s/names.js';
import { definitionKey, definitionOf, definitionText, stagesWithoutDefinitions } from '../engine/definitions.js';
import { DEFINITIONS_CHUNK_BYTES, footprintOf, keepsDefinitionsApart } from '../engine/size.js';

/**
 * The ConfigMaps of a run's definitions (docs/design.md, "Run definitions"): children of the
 * plan, written when the run starts, named after the plan, the run and what they hold, and
 * listed in `status.run.definitions`.
 */

/** The plan, as the names and labels of its ConfigMaps need it. */
export interface PlanIdentity {
  namespace: string;
  name: string;
}

/** Names the ConfigMaps of the run's definitions, when the status cannot hold them. */
export function placeDefinitions(run: Run, plan: PlanIdentity): Run {
  if (run.phase !== 'Running' || !keepsDefinitionsApart(footprintOf(run))) return run;
  return { ...run, definitions: chunksOf(run).map((chunk, index) => definitionsName(plan, run, index, chunk)) };
}

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
  const built = names.every((name) => seen.has(name)) ? [] : chunksOf(run);
  return names.flatMap((name, index) => {
    const kept = seen.get(name);
    if (kept !== undefined) return [keptConfigMap(kept)];
    const chunk = built[index];
    // Built from a run read back without this ConfigMap, the chunk would be empty or another one.
    return chunk === undefined || definitionsName(plan, run, index, chunk) !== name ? [] : [definitionsConfigMap(plan, run, name, chunk)];
  });
}

/** Each action's definition under its position in the run, packed in order into ConfigMaps of at most DEFINITIONS_CHUNK_BYTES. */
function chunksOf(run: Run): Record<string, string>[] {
  const chunks: Record<string, string>[] = [];
  let current: Record<string, string> = {};
  let bytes = 0;
  actionsOf(run).forEach((action, position) => {
    const definition = definitionOf(action);
    if (definition === undefined) return;
    const { text, bytes: size } = definitionText(definition);
    if (bytes > 0 && bytes + size > DEFINITIONS_CHUNK_BYTES) {
      chunks.push(current);
      current = {};
      bytes = 0;
    }
    current[definitionKey(position)] = text;
    bytes += size;
  });
  if (bytes > 0) chunks.push(current);
  return chunks;
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

/** The content is part of the name: a run rendered again (elected anew) never reads another rendering's ConfigMaps. */
function definitionsName(plan: PlanIdentity, run: Run, index: number, chunk: Record<string, string>): string {
  const content = shortHash(JSON.stringify(chunk), 16);
  return hashedName(
    ['drplan', plan.name, run.execution.name, 'definitions', String(index)],
    `${plan.namespace}/${plan.name}/${run.execution.uid}/${index}/${content}`,
  );
}
