import { controllerRef, DECORATOR_ANNOTATION } from './children.js';
import { HookError, ThrottledError } from './errors.js';
import type { HookCalls } from './hook-calls.js';
import type { Delivery, ObjectReader } from './informers.js';
import type { ControllerDef } from './controllers.js';
import { ruleMatches, type RelatedScope } from './related.js';
import type { RelatedRule } from './responses.js';
import { immediately } from './sync-steps.js';
import { manages, sameType, targetRule } from './targets.js';
import type { Cause } from './traffic.js';
import { deepEqual, refOf, type KubeObject, type ObjectRef } from './types.js';

/** What the event handlers read and where they put the work they find. */
export interface WatchDeps {
  controllers: readonly ControllerDef[];
  view: ObjectReader;
  hooks: HookCalls;
  enqueue: (c: ControllerDef, ref: ObjectRef, cause: Cause) => void;
  /**
   * Metacontroller asks for the rules of every parent its informer holds and drops the parents
   * it ignores only when enqueuing; the default schedule skips those up front.
   */
  everyParent: boolean;
}

/**
 * The event handlers of every controller for one change: the object itself when it is a
 * parent or target, the owner of a child (old and new version), and related parents.
 */
export async function dispatch(deps: WatchDeps, { change: { before, after }, cause }: Delivery<Cause>): Promise<void> {
  const obj = after ?? before;
  if (obj === undefined) return;
  for (const c of deps.controllers) {
    const target = targetRule(c, obj);
    if (target !== undefined && !(target.ignoreStatusChanges && before && after && onlyStatusChanged(before, after))) {
      deps.enqueue(c, refOf(obj), cause);
    }
    if (c.children.some((r) => sameType(r.type, obj))) {
      for (const version of [before, after]) {
        const owner = version === undefined ? undefined : ownerOf(deps, c, version);
        if (owner !== undefined) deps.enqueue(c, refOf(owner), cause);
      }
    }
    if (c.hooks.customize !== undefined) await enqueueRelatedParents(deps, c, before, after, cause);
  }
}

function ownerOf(deps: WatchDeps, c: ControllerDef, child: KubeObject): KubeObject | undefined {
  const ref = controllerRef(child);
  if (ref === undefined) return undefined;
  if (c.type === 'DecoratorController' && child.metadata.annotations?.[DECORATOR_ANNOTATION] !== c.name) return undefined;
  const owner = deps.view.getByUid(ref.uid);
  return owner !== undefined && targetRule(c, owner) !== undefined ? owner : undefined;
}

/** Metacontroller's findRelatedParents: every parent whose rules match the old or new object. */
async function enqueueRelatedParents(
  deps: WatchDeps,
  c: ControllerDef,
  before: KubeObject | undefined,
  after: KubeObject | undefined,
  cause: Cause,
): Promise<void> {
  for (const { type } of c.targets) {
    // Read in place, not copied: with thousands of parents a copy of each costs more than the match.
    for (const parent of deps.view.peek(type)) {
      const managed = manages(c, parent);
      if (!managed && !deps.everyParent) continue;
      const rules = deps.hooks.knownRules(c, parent) ?? (await rulesOf(deps.hooks, c, parent, cause));
      if (rules === undefined) continue;
      const scope = deps.hooks.scope(c, parent, type);
      if (managed && (matchesAny(rules, before, scope) || matchesAny(rules, after, scope))) deps.enqueue(c, refOf(parent), cause);
    }
  }
}

/** The parent's customize rules; undefined when the hook did not give them. */
async function rulesOf(hooks: HookCalls, c: ControllerDef, parent: KubeObject, cause: Cause): Promise<RelatedRule[] | undefined> {
  try {
    return await hooks.customize(c, parent, { hook: 'customize', statusCode: 0, body: '' }, { cause, pause: immediately });
  } catch (err) {
    // Throttled: the parent's own sync retries customize later, after Retry-After.
    if (err instanceof ThrottledError) return undefined;
    if (!(err instanceof HookError)) throw err;
    hooks.recordFailure(c, parent, { hook: 'customize', statusCode: err.statusCode, body: err.body }, err);
    return undefined;
  }
}

function matchesAny(rules: RelatedRule[], obj: KubeObject | undefined, scope: RelatedScope): boolean {
  if (obj === undefined) return false;
  try {
    return rules.some((rule) => ruleMatches(rule, obj, scope));
  } catch {
    // An invalid rule matches nothing here; the parent's own sync reports it.
    return false;
  }
}

/** `ignoreStatusChanges` drops updates that touch neither generation, labels, annotations nor deletion. */
function onlyStatusChanged(before: KubeObject, after: KubeObject): boolean {
  const b = before.metadata;
  const a = after.metadata;
  return (
    b.generation === a.generation &&
    deepEqual(b.labels, a.labels) &&
    deepEqual(b.annotations, a.annotations) &&
    b.deletionTimestamp === a.deletionTimestamp
  );
}
