import type { Run, RunAction, RunStage } from '../api/run.js';
import { capStepMessages } from './steps.js';
import { deepFreeze } from '../shared/frozen.js';
import { copyOf } from '../shared/frozen-lists.js';

/**
 * The action at `index` of a workflow's list, made safe to change: a copy, put in the list in its
 * place, the first time it is asked for. Whatever is read from the list after that is the copy.
 */
export type WritableAction = (actions: RunAction[], index: number) => RunAction;

/**
 * A new run made by `edit` from `previous`, which is not modified (docs/design.md, "Rehearsal").
 * The edit gets copies of the stages, workflows and lists of actions, but the actions themselves
 * as they were: one step of a long run changes a few actions, so each is copied only when the
 * edit asks to change it (`writable`). Actions, workflows and stages that come out as they were
 * are `previous`'s own objects again, and an edit that changed nothing returns `previous`: what
 * compares, mirrors or stores the run next can tell the unchanged parts by identity. Only the
 * stages `editable` names are copied; the edit must leave the others alone: a long run's edit
 * changes a stage or two, and its ended stages stay as they are.
 */
export function editSteps(
  previous: Run,
  edit: (run: Run, writable: WritableAction, given: GivenActions) => Run,
  editable: (stage: RunStage) => boolean = () => true,
): Run {
  const copies = new Map<RunAction, { actions: RunAction[]; index: number; original: RunAction }>();
  const untouched = new Map<RunAction[], readonly RunAction[]>();
  const writable: WritableAction = (actions, index) => {
    const action = actions[index] as RunAction;
    if (copies.has(action)) return action;
    untouched.delete(actions);
    const copy = { ...action };
    copies.set(copy, { actions, index, original: action });
    actions[index] = copy;
    return copy;
  };
  const given: GivenActions = (actions) => untouched.get(actions) ?? actions;
  const copied = copyContainers(previous, untouched, editable);
  const next = capStepMessages(edit(copied.run, writable, given), copies.keys(), copied.stages);
  for (const [copy, { actions, index, original }] of copies)
    if (actions[index] === copy && sameFields(copy, original)) actions[index] = original;
  const edited = sharedWhereUnchanged(next, previous);
  if (edited !== previous) freezeMade(edited, previous, copies.keys());
  return edited;
}

/**
 * The list of actions `previous` held where the edit's copy of it is, while the edit has changed
 * none of its actions (else the copy itself): that list may be frozen, and what was worked out of
 * it carried from an earlier sync (docs/design.md, "Carried across syncs").
 */
export type GivenActions = (actions: RunAction[]) => readonly RunAction[];

function copyContainers(
  run: Run,
  untouched: Map<RunAction[], readonly RunAction[]>,
  editable: (stage: RunStage) => boolean,
): { run: Run; stages: RunStage[] } {
  const copies: RunStage[] = [];
  const stages = run.stages.map((stage) => {
    if (!editable(stage)) return stage;
    const copy = {
      ...stage,
      workflows: stage.workflows.map((workflow) => {
        const actions = copyOf(workflow.actions);
        untouched.set(actions, workflow.actions);
        return { ...workflow, actions };
      }),
    };
    copies.push(copy);
    return copy;
  });
  return { run: { ...run, stages }, stages: copies };
}

/**
 * Freezes the run an edit of a frozen run made: each action it copied, whole, then its lists of
 * actions, then the rest. A frozen run is frozen all through (its actions too), so every action
 * the edit did not copy is, and the new run is frozen all through as well: what later passes work
 * out of its lists is then carried from one sync to the next. A run that was not frozen (one
 * parsed from a request) is left as it is.
 */
function freezeMade(run: Run, previous: Run, copied: Iterable<RunAction>): void {
  if (!Object.isFrozen(previous)) return;
  for (const action of copied) deepFreeze(action);
  freezeAround(run);
}

/**
 * Freezes a run whose actions are all frozen already: its lists of actions, then the rest, which
 * then does not walk the actions again.
 */
export function freezeAround(run: Run): void {
  for (const stage of run.stages) for (const workflow of stage.workflows) Object.freeze(workflow.actions);
  deepFreeze(run);
}

function sharedWhereUnchanged(next: Run, previous: Run): Run {
  const stages = sameItems(next.stages, previous.stages, (stage, before) => {
    if (stage === before) return before;
    const workflows = sameItems(stage.workflows, before.workflows, (workflow, earlier) => {
      const actions = sameItems(workflow.actions, earlier.actions, (action) => action);
      return keptIfSame({ ...workflow, actions }, earlier);
    });
    return keptIfSame({ ...stage, workflows }, before);
  });
  return keptIfSame({ ...next, stages }, previous);
}

/**
 * `items` (a list of the edit's own), each replaced in place by what `share` makes of it and its
 * counterpart; `before` itself when every item is.
 */
function sameItems<T>(items: T[], before: readonly T[], share: (item: T, old: T) => T): T[] {
  let same = items.length === before.length;
  for (let index = 0; index < items.length; index += 1) {
    const old = before[index];
    if (old === undefined) {
      same = false;
      continue;
    }
    const kept = share(items[index] as T, old);
    items[index] = kept;
    if (kept !== old) same = false;
  }
  return same ? (before as T[]) : items;
}

function keptIfSame<T extends object>(step: T, before: T): T {
  return sameFields(step, before) ? before : step;
}

/** The same keys holding the same values (by identity): a step copied and left alone. */
function sameFields(a: object, b: object): boolean {
  const left = Object.keys(a);
  if (left.length !== Object.keys(b).length) return false;
  const right = b as Record<string, unknown>;
  const values = a as Record<string, unknown>;
  for (const key of left) if (!Object.hasOwn(right, key) || values[key] !== right[key]) return false;
  return true;
}
