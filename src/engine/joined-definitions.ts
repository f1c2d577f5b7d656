import type { KubeObject } from '../k8s/metacontroller.js';
import { isRecord } from '../k8s/json.js';
import type { Run, RunAction, RunStage, RunWorkflow } from '../api/run.js';
import { carriedListOf, deepFreeze, frozenLike } from '../shared/frozen.js';
import { mappedAlongLists, mappedInPlaceAlongLists } from '../shared/along-lists.js';
import { everyOf } from '../shared/frozen-lists.js';
import { isDone } from './steps.js';
import { mappedOrSame } from '../shared/mapped-or-same.js';
import { actionFacts, countWith, DONE, HAS_DEFINITION } from './action-facts.js';
import { definitionPosition, hasDefinition, parseDefinition } from './definitions.js';
import { freezeAround } from './step-copies.js';

/**
 * A run that keeps its definitions apart (docs/design.md, "Run definitions") is joined to them
 * when a sync reads its status, and stripped of them again when the sync writes it back. Both
 * keep every stage, workflow and action they leave alone as the same object: a long run's status
 * then holds the same objects from one sync to the next, and what later passes work out of them
 * is carried (docs/design.md, "Carried across syncs").
 */

/**
 * The run with the definitions its observed ConfigMaps hold, for the actions that have not
 * ended: only those can still start a Job (an ended action's Job is kept as observed), and a
 * long run reads its definitions back on every sync. An entry that is missing or cannot be read
 * leaves its action without one: that action cannot start its Job, and the plan says so.
 */
export function withDefinitions(run: Run, configMaps: readonly KubeObject[]): Run {
  if (run.definitions === undefined) return run;
  const texts = definitionTexts(run.definitions, configMaps);
  let position = 0;
  const stages = mappedOrSame(run.stages, (stage) => {
    const first = position;
    for (const workflow of stage.workflows) position += workflow.actions.length;
    return joinedOnce(stage, texts, first, joinedStage);
  });
  if (stages === run.stages) return run;
  const joinedRun: Run = { ...run, stages };
  // A frozen run's joined parts are frozen too: frozen all through, as `editSteps` needs it to carry.
  if (Object.isFrozen(run)) freezeAround(joinedRun);
  return joinedRun;
}

function joinedStage(stage: RunStage, texts: readonly unknown[], first: number): RunStage {
  let position = first;
  const workflows = mappedOrSame(stage.workflows, (workflow) => {
    const from = position;
    position += workflow.actions.length;
    return joinedOnce(workflow, texts, from, joinedWorkflow);
  });
  return workflows === stage.workflows ? stage : { ...stage, workflows };
}

/** The actions that have ended are passed over, without being read. */
function joinedWorkflow(workflow: RunWorkflow, texts: readonly unknown[], first: number): RunWorkflow {
  const { actions } = workflow;
  if (countWith(actionFacts(actions), DONE) === actions.length) return workflow;
  const joined = Object.isFrozen(actions) ? joinerOf(texts, first)(actions) : actions.map(joinedAt(texts, first));
  return everyOf(joined, (action, index) => action === actions[index])
    ? workflow
    : { ...workflow, actions: carriedListOf(actions, joined) };
}

/**
 * Per definitions read and place of a workflow's first action in the run, its actions joined to
 * their definitions, carried along its lists (docs/design.md, "Carried across syncs"): a long
 * run is joined on every sync with an action or two changed since the last.
 */
function joinerOf(texts: readonly unknown[], first: number): (actions: readonly RunAction[]) => readonly RunAction[] {
  const byFirst = joiners.get(texts) ?? new Map<number, (actions: readonly RunAction[]) => readonly RunAction[]>();
  joiners.set(texts, byFirst);
  let joiner = byFirst.get(first);
  if (joiner === undefined) {
    joiner = mappedInPlaceAlongLists(joinedAt(texts, first));
    byFirst.set(first, joiner);
  }
  return joiner;
}

const joiners = new WeakMap<readonly unknown[], Map<number, (actions: readonly RunAction[]) => readonly RunAction[]>>();

/** An action at `index` of a workflow whose first action is the run's `first`, joined to its definition unless it has ended. */
function joinedAt(texts: readonly unknown[], first: number): (action: RunAction, index: number) => RunAction {
  return (action, index) => (isDone(action) ? action : withDefinition(action, texts[first + index]));
}

/**
 * Per frozen stage or workflow of a status, what it was joined to, with the definitions and the
 * position of its first action it was joined with; `sourceParts` leads back from a joined part
 * to the status's own, when that held no definition (stripping the joined part makes it again).
 */
const joinedParts = new WeakMap<object, { texts: readonly unknown[]; first: number; part: object }>();
const sourceParts = new WeakMap<object, object>();

function joinedOnce<P extends RunStage | RunWorkflow>(
  part: P,
  texts: readonly unknown[],
  first: number,
  join: (part: P, texts: readonly unknown[], first: number) => P,
): P {
  if (!Object.isFrozen(part)) return join(part, texts, first);
  const known = joinedParts.get(part);
  if (known !== undefined && known.texts === texts && known.first === first) return known.part as P;
  const made = join(part, texts, first);
  joinedParts.set(part, { texts, first, part: made });
  if (made !== part && !holdsDefinitions(part)) sourceParts.set(made, part);
  return made;
}

function holdsDefinitions(part: RunStage | RunWorkflow): boolean {
  const workflows: readonly RunWorkflow[] = 'actions' in part ? [part] : part.workflows;
  return workflows.some((workflow) => countWith(actionFacts(workflow.actions), HAS_DEFINITION) > 0);
}

/** The stages without their actions' definitions: what the status holds of a run that keeps them apart. */
export function stagesWithoutDefinitions(stages: RunStage[]): RunStage[] {
  // Frozen all through when the run was, so that whoever freezes the status next finds it done.
  const stripped = mappedOrSame(stages, (stage) => sourceOf(stage) ?? strippedStage(stage));
  return Object.isFrozen(stages) ? deepFreeze(stripped) : stripped;
}

function strippedStage(stage: RunStage): RunStage {
  const workflows = mappedOrSame(stage.workflows, (workflow) => sourceOf(workflow) ?? strippedWorkflow(workflow));
  return workflows === stage.workflows ? stage : { ...stage, workflows };
}

/** A workflow whose facts say none of its actions holds a definition is kept as it is. */
function strippedWorkflow(workflow: RunWorkflow): RunWorkflow {
  if (countWith(actionFacts(workflow.actions), HAS_DEFINITION) === 0) return workflow;
  return { ...workflow, actions: carriedListOf(workflow.actions, strippedActions(workflow.actions)) };
}

/**
 * Carried along a workflow's lists (docs/design.md, "Carried across syncs"): a long run is
 * stripped on every sync with an action or two changed since the last. Frozen like the action.
 */
const strippedActions = mappedAlongLists((action: RunAction) =>
  hasDefinition(action) ? frozenLike(action, withoutDefinition(action)) : action,
);

function sourceOf<P extends RunStage | RunWorkflow>(part: P): P | undefined {
  return sourceParts.get(part) as P | undefined;
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
