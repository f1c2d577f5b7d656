import { Type } from '@sinclair/typebox';
import { actionsOf, RunAction, type Run } from '../api/run.js';
import { LABEL_EXECUTION, LABEL_PLAN } from '../k8s/labels.js';
import { isRecord } from '../k8s/json.js';
import { keptConfigMap, objectsOfKind, type KubeObject, type ObjectMap } from '../k8s/metacontroller.js';
import { checkObject } from '../k8s/validate.js';
import { hashedName, labelValue } from '../k8s/names.js';
import {
  DEFINITIONS_CHUNK_BYTES,
  definitionOf,
  definitionText,
  footprintOf,
  keepsDefinitionsApart,
  type Definition,
} from '../engine/size.js';

/**
 * A run's definitions apart from the status (docs/design.md, "Run definitions"): when the Job
 * templates and runner work of a run would not fit in the plan's status, they go to ConfigMaps
 * owned by the plan, written once when the run starts, and every sync reads them back. The
 * status keeps the run's progress and names the ConfigMaps in `run.definitions`.
 */

const DefinitionSchema = Type.Pick(RunAction, ['job', 'runner']);

/** The plan, as the names and labels of its ConfigMaps need it. */
export interface PlanIdentity {
  namespace: string;
  name: string;
}

/** Marks the run's definitions for ConfigMaps, named after the plan and the run, when the status cannot hold them. */
export function placeDefinitions(run: Run, plan: PlanIdentity): Run {
  if (run.phase !== 'Running' || !keepsDefinitionsApart(footprintOf(run.stages))) return run;
  const chunks = chunksOf(run).length;
  return { ...run, definitions: Array.from({ length: chunks }, (_, index) => definitionsName(plan, run, index)) };
}

/** The run as the status keeps it: without the definitions that its ConfigMaps hold. */
export function withoutDefinitions(run: Run): Run {
  if (run.definitions === undefined) return run;
  return {
    ...run,
    stages: run.stages.map((stage) => ({
      ...stage,
      workflows: stage.workflows.map((workflow) => ({
        ...workflow,
        actions: workflow.actions.map(({ job: _job, runner: _runner, ...progress }) => progress),
      })),
    })),
  };
}

/** The run with its definitions read back from the observed ConfigMaps, or the names of those it could not read. */
export function withDefinitions(run: Run, observed: readonly KubeObject[]): { run: Run; missing: string[] } {
  if (run.definitions === undefined) return { run, missing: [] };
  const wanted = new Set(run.definitions);
  const data = new Map<string, unknown>();
  for (const configMap of observed) {
    if (!wanted.has(configMap.metadata.name)) continue;
    const entries = (configMap as { data?: unknown }).data;
    if (!isRecord(entries)) continue;
    wanted.delete(configMap.metadata.name);
    for (const [key, value] of Object.entries(entries)) data.set(key, value);
  }
  if (wanted.size > 0) return { run, missing: [...wanted] };
  let index = 0;
  const unreadable: string[] = [];
  const read = (action: RunAction): RunAction => {
    const key = keyOf(index++);
    const text = data.get(key);
    if (text === undefined) return action;
    const definition = parseDefinition(text);
    if (definition === undefined) unreadable.push(key);
    return { ...action, ...definition };
  };
  const hydrated: Run = {
    ...run,
    stages: run.stages.map((stage) => ({
      ...stage,
      workflows: stage.workflows.map((workflow) => ({ ...workflow, actions: workflow.actions.map(read) })),
    })),
  };
  return unreadable.length === 0 ? { run: hydrated, missing: [] } : { run, missing: run.definitions };
}

/**
 * The ConfigMaps the plan keeps for its run: as observed when they are (they never change),
 * built from the run when it has just started.
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
    return chunk === undefined ? [] : [definitionsConfigMap(plan, run, name, chunk)];
  });
}

/** The observed ConfigMaps a run names, so an answer that moves nothing keeps them. */
export function observedDefinitions(run: Run | undefined, children: ObjectMap | undefined): KubeObject[] {
  const names = new Set(run?.definitions ?? []);
  return objectsOfKind(children, 'ConfigMap', 'v1').filter((configMap) => names.has(configMap.metadata.name));
}

/** Each action's definition under its position in the run, packed in order into ConfigMaps of at most DEFINITIONS_CHUNK_BYTES. */
function chunksOf(run: Run): Record<string, string>[] {
  const chunks: Record<string, string>[] = [];
  let current: Record<string, string> = {};
  let bytes = 0;
  actionsOf(run).forEach((action, index) => {
    const definition = definitionOf(action);
    if (definition === undefined) return;
    const { text, bytes: size } = definitionText(definition);
    if (bytes > 0 && bytes + size > DEFINITIONS_CHUNK_BYTES) {
      chunks.push(current);
      current = {};
      bytes = 0;
    }
    current[keyOf(index)] = text;
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

function definitionsName(plan: PlanIdentity, run: Run, index: number): string {
  return hashedName(
    ['drplan', plan.name, run.execution.name, 'definitions', String(index)],
    `${plan.namespace}/${plan.name}/${run.execution.uid}/${index}`,
  );
}

/** ConfigMap keys allow `[-._a-zA-Z0-9]` only, and action ids are free text: keys are positions. */
function keyOf(index: number): string {
  return `action-${index}`;
}

function parseDefinition(text: unknown): Definition | undefined {
  if (typeof text !== 'string') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const checked = checkObject(DefinitionSchema, value);
  return checked.ok ? checked.value : undefined;
}
