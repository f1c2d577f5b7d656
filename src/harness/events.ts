import type { HookName } from './hookclient.js';
import { qualifiedName, type ObjectRef } from './types.js';

/**
 * What one effective store write did to an object. A single write can do several of these at
 * once (labels and status, say); each gets its own event, in this order.
 */
export type ChangeVerb =
  'create' | 'update' | 'labels' | 'annotations' | 'finalizer-added' | 'finalizer-removed' | 'deleting' | 'status' | 'delete';

/** A hook call, a refused or throttled one: about one controller's parent or target. */
interface HookSubject {
  hook: HookName;
  controller: string;
  object: ObjectRef;
}

/** One entry of the harness's timeline, in the order things happened. */
export type HarnessEvent =
  | { type: 'change'; verb: ChangeVerb; object: ObjectRef }
  | ({ type: 'hook' } & HookSubject)
  | ({ type: 'hook-error'; message: string } & HookSubject)
  | ({ type: 'throttled' } & HookSubject)
  | { type: 'job-finished'; outcome: 'succeeded' | 'failed'; object: ObjectRef }
  /** A write of Metacontroller's own that lost a race: the target's update, or a parent's status. */
  | { type: 'conflict'; write: 'update' | 'status'; object: ObjectRef };

/**
 * The event as one line: `sync drplan default/p1`, `create Job default/x`,
 * `status DRPlan default/p1`, `job-succeeded default/x`, `hook-error sync drplan default/p1`, …
 */
export function formatEvent(event: HarnessEvent): string {
  const { object } = event;
  const where = qualifiedName(object.namespace, object.name);
  switch (event.type) {
    case 'change':
      return `${event.verb} ${object.kind} ${where}`;
    case 'hook':
      return `${event.hook} ${event.controller} ${where}`;
    case 'hook-error':
    case 'throttled':
      return `${event.type} ${event.hook} ${event.controller} ${where}`;
    case 'job-finished':
      return `job-${event.outcome} ${where}`;
    case 'conflict':
      return `conflict ${event.write === 'status' ? 'status ' : ''}${object.kind} ${where}`;
  }
}

/** The timeline as typed events and, kept in step, as the lines `formatEvent` makes of them. */
export class EventLog {
  readonly #events: HarnessEvent[] = [];
  readonly #lines: string[] = [];

  push(event: HarnessEvent): void {
    this.#events.push(event);
    this.#lines.push(formatEvent(event));
  }

  get events(): readonly HarnessEvent[] {
    return this.#events;
  }

  get lines(): readonly string[] {
    return this.#lines;
  }

  /** The last `count` lines joined, for error messages that show what led up to them. */
  recent(count: number): string {
    return this.#lines.slice(-count).join(' | ');
  }
}
