import { Type } from '@sinclair/typebox';
import { actionsOf, RunAction, type Run, type RunStage } from '../api/run.js';
import { canonicalJson, isRecord } from '../k8s/json.js';
import type { KubeObject } from '../k8s/metacontroller.js';
import { hashedName, shortHash } from '../k8s/names.js';
import { checkObject } from '../k8s/validate.js';
import { actionFacts, DONE, HAS_DEFINITION } from './action-facts.js';
import { freezeAround } from './step-copies.js';
import { deepFreeze } from '../shared/frozen.js';

/**
 * An action's definition: what it starts (its Job template, or the runner's work), the bulk of
 * a run. A run too large for the plan's status keeps its definitions apart, in ConfigMaps
 * (docs/design.md, "Run definitions"); the status keeps the rest, and each sync reads them back.
 */

/**
 * A run too large for the status keeps what its actions start (Job templates, runner work) in
 * ConfigMaps of this size at most, docs/design.md "Run definitions". Metacontroller copies each
 * child it writes into an annotation, and a child's annotations must stay under 256 KiB.
 */
export const DEFINITIONS_CHUNK_BYTES = 200 * 1024;

const DefinitionSchema = Type.Pick(RunAction, ['job', 'runner']);
export type Definition = Pick<RunAction, 'job' | 'runner'>;

/** Whether the action holds what it starts (a run read back without its ConfigMaps may not). */
export function hasDefinition(action: Definition): boolean {
  return action.job !== undefined || action.runner !== undefined;
}

/** The action's definition, or undefined when it starts nothing of its own (a skipped hook, say). */
export function definitionOf(action: Definition): Definition | undefined {
  if (!hasDefinition(action)) return undefined;
  return { ...(action.job === undefined ? {} : { job: action.job }), ...(action.runner === undefined ? {} : { runner: action.runner }) };
}

/**
 * A definition as its ConfigMap holds it (JSON in a string value), and the bytes it takes there,
 * counted as quoted again in the annotation Metacontroller writes.
 */
export function definitionText(definition: Definition): { text: string; bytes: number } {
  const text = canonicalJson(definition);
  return { text, bytes: Buffer.byteLength(JSON.stringify(text)) };
}

/** ConfigMap keys allow `[-._a-zA-Z0-9]` only, and action ids are free text: an entry is keyed by the action's position in the run. */
export function definitionKey(position: number): string {
  return `action-${position}`;
}

/** The plan, as the names of a run's ConfigMaps need it. */
export interface PlanIdentity {
  namespace: string;
  name: string;
}

/** The run with the names of the ConfigMaps its definitions go to, packed in order, DEFINITIONS_CHUNK_BYTES at most each. */
export function withDefinitionsApart(run: Run, plan: PlanIdentity): Run {
  return { ...run, definitions: definitionChunks(run).map((chunk, index) => definitionsName(plan, run, index, chunk)) };
}

/** Each action's definition under its position in the run, packed in order into ConfigMaps of at most DEFINITIONS_CHUNK_BYTES. */
export function definitionChunks(run: Run): Record<string, string>[] {
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

/** The content is part of the name: a run rendered again (elected anew) never reads another rendering's ConfigMaps. */
export function definitionsName(plan: PlanIdentity, run: Run, index: number, chunk: Record<string, string>): string {
  const content = shortHash(JSON.stringify(chunk), 16);
  return hashedName(
    ['drplan', plan.name, run.execution.name, 'definitions', String(index)],
    `${plan.namespace}/${plan.name}/${run.execution.uid}/${index}/${content}`,
  );
}

/** The stages without their actions' definitions: what the status holds of a run that keeps them apart. */
export function stagesWithoutDefinitions(stages: readonly RunStage[]): RunStage[] {
  // Frozen all through when the run was, so that whoever freezes the status next finds it done.
  const frozen = Object.isFrozen(stages);
  // Only the actions whose facts say they hold a definition are read: the others are kept as they are.
  const withoutDefinitions = (actions: readonly RunAction[]): RunAction[] => {
    const facts = actionFacts(actions);
    const stripped = actions.map((action, index) => {
      if (((facts[index] ?? 0) & HAS_DEFINITION) === 0) return action;
      return frozen ? deepFreeze(withoutDefinition(action)) : withoutDefinition(action);
    });
    if (frozen) Object.freeze(stripped);
    return stripped;
  };
  const made = stages.map((stage) => ({
    ...stage,
    workflows: stage.workflows.map((workflow) => ({ ...workflow, actions: withoutDefinitions(workflow.actions) })),
  }));
  return frozen ? deepFreeze(made) : made;
}

/** An action joined to its definition by this sync and left unchanged goes back to the status's own object. */
function withoutDefinition(action: RunAction): RunAction {
  if (!hasDefinition(action)) return action;
  const source = sources.get(action);
  if (source !== undefined && !hasDefinition(source)) return source;
  const { job: _job, runner: _runner, ...progress } = action;
  return progress;
}

/**
 * The run with the definitions its observed ConfigMaps hold, for the actions that have not
 * ended: only those can still start a Job (an ended action's Job is kept as observed), and a
 * long run reads its definitions back on every sync. An entry that is missing or cannot be read
 * leaves its action without one: that action cannot start its Job, and the plan says so.
 */
export function withDefinitions(run: Run, configMaps: readonly KubeObject[]): Run {
  if (run.definitions === undefined) return run;
  const texts = definitionTexts(run.definitions, configMaps);
  let offset = 0;
  // The actions that have ended are passed over by their facts, without being read.
  const joinedList = (actions: readonly RunAction[]): RunAction[] => {
    const facts = actionFacts(actions);
    const first = offset;
    offset += actions.length;
    return actions.map((action, index) => (((facts[index] ?? 0) & DONE) !== 0 ? action : withDefinition(action, texts[first + index])));
  };
  const joinedRun: Run = {
    ...run,
    stages: run.stages.map((stage) => ({
      ...stage,
      workflows: stage.workflows.map((workflow) => ({ ...workflow, actions: joinedList(workflow.actions) })),
    })),
  };
  // A frozen run's joined actions are frozen too (`withDefinition`): frozen all through, as `editSteps` needs it to carry.
  if (Object.isFrozen(run)) freezeAround(joinedRun);
  return joinedRun;
}

/**
 * Each position's entry in the named ConfigMaps. Worked out once for a frozen list of names
 * read with the same ConfigMaps: a rehearsal's plan reads the same definitions back on every
 * sync of a long run.
 */
function definitionTexts(names: readonly string[], configMaps: readonly KubeObject[]): readonly unknown[] {
  const named = configMaps.filter((configMap) => names.includes(configMap.metadata.name));
  const remembered = Object.isFrozen(names) && named.every((configMap) => isFrozenData(configMap));
  const known = remembered ? textsRead.get(names) : undefined;
  if (known !== undefined && known.from.length === named.length && known.from.every((configMap, index) => configMap === named[index]))
    return known.texts;
  const texts: unknown[] = [];
  for (const configMap of named) {
    const data = (configMap as { data?: unknown }).data;
    if (!isRecord(data)) continue;
    for (const [key, value] of Object.entries(data)) {
      const position = definitionPosition(key);
      if (position !== undefined) texts[position] = value;
    }
  }
  if (remembered) textsRead.set(names, { from: named, texts });
  return texts;
}

/** A ConfigMap whose entries cannot change: it and its data are frozen (a rehearsal's). */
function isFrozenData(configMap: KubeObject): boolean {
  const data = (configMap as { data?: unknown }).data;
  return Object.isFrozen(configMap) && (typeof data !== 'object' || data === null || Object.isFrozen(data));
}

const textsRead = new WeakMap<readonly string[], { from: readonly KubeObject[]; texts: readonly unknown[] }>();

/** The position `definitionKey` wrote into a key; undefined for any other key. */
function definitionPosition(key: string): number | undefined {
  const match = /^action-(0|[1-9][0-9]{0,8})$/.exec(key);
  return match === null ? undefined : Number(match[1]);
}

/**
 * Per frozen action of a status (a rehearsal's), the action joined to its definition, made once
 * per definition text: every sync of a long run reads its definitions back, and a joined action
 * that stays the same object lets what is remembered of it hold (docs/design.md, "Rehearsal").
 * `sources` leads back from a joined action to the status's own.
 */
const joined = new WeakMap<RunAction, { text: unknown; action: RunAction }>();
const sources = new WeakMap<RunAction, RunAction>();

function withDefinition(action: RunAction, text: unknown): RunAction {
  if (!Object.isFrozen(action)) return joinDefinition(action, text);
  const known = joined.get(action);
  if (known !== undefined && known.text === text) return known.action;
  const made = deepFreeze(joinDefinition(action, text));
  joined.set(action, { text, action: made });
  sources.set(made, action);
  return made;
}

function joinDefinition(action: RunAction, text: unknown): RunAction {
  const definition = parseDefinition(text);
  return definition === undefined ? action : { ...action, ...definition };
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
  // Only what a definition holds: a key a hand-edited entry adds must not override the action's own fields.
  return checked.ok ? definitionOf(checked.value) : undefined;
}
