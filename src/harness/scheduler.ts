import { Informers, type Delivery } from './informers.js';
import type { ControllerDef } from './controllers.js';
import { DEFAULT_INFORMER_LAG, DEFAULT_WORKERS, Prng, resyncPeriodSeconds, type Schedule } from './schedule.js';
import { Task } from './task.js';
import type { Cause } from './traffic.js';
import type { ObjectRef } from './types.js';
import type { WorkQueue } from './workqueue.js';

/** One work item: the parent or target to sync, and the first reason it was queued for. */
export interface QueueEntry {
  ref: ObjectRef;
  cause: Cause;
}

/** The moving parts of a realistic schedule. */
export interface Concurrency {
  schedule: Schedule;
  prng: Prng;
  informers: Informers<Cause>;
  workers: number;
  /** Syncs in flight, each paused at an API or hook call. */
  tasks: Task<string>[];
  /** Next periodic resync of every parent, per controller, in fake epoch ms. */
  periodic: Map<ControllerDef, number>;
}

/** What the schedule runs: the queues, the event handlers, and one sync of a work item. */
export interface Work {
  queues: ReadonlyMap<ControllerDef, WorkQueue<QueueEntry>>;
  dispatch: (delivery: Delivery<Cause>) => Promise<void>;
  reconcile: (c: ControllerDef, entry: QueueEntry, pause: () => Promise<void>) => Promise<void>;
}

export function startConcurrency(schedule: Schedule, controllers: readonly ControllerDef[], nowMs: number): Concurrency {
  const prng = new Prng(schedule.seed);
  return {
    schedule,
    prng,
    informers: new Informers<Cause>(prng, schedule.informerLag ?? DEFAULT_INFORMER_LAG),
    workers: Math.max(1, Math.floor(schedule.workers ?? DEFAULT_WORKERS)),
    tasks: [],
    periodic: new Map(controllers.map((c) => [c, nowMs + resyncPeriodSeconds(c, schedule) * 1000])),
  };
}

/**
 * The realistic schedule. Each step the PRNG picks one of: an informer applies its oldest
 * change that has waited long enough (and its event handlers run); a worker takes the next
 * item of its controller's queue and runs it to its first API or hook call; a paused sync
 * runs to its next one. Returns the number of steps taken, fewer when everything is done.
 */
export async function runSchedule(concurrency: Concurrency, work: Work, maxSteps: number): Promise<number> {
  const { informers, prng } = concurrency;
  let taken = 0;
  while (taken < maxSteps) {
    const actions = possibleSteps(concurrency, work);
    if (actions.length === 0) {
      if (informers.fastForward()) continue;
      return taken;
    }
    const action = actions[prng.below(actions.length)];
    informers.tick();
    if (action !== undefined) await action();
    taken += 1;
  }
  return taken;
}

function possibleSteps(concurrency: Concurrency, work: Work): (() => Promise<void>)[] {
  const { informers, workers } = concurrency;
  const actions: (() => Promise<void>)[] = [];
  for (const key of informers.ready()) actions.push(() => deliver(informers, work, key));
  for (const task of concurrency.tasks) actions.push(() => resume(concurrency, task));
  for (const [c, queue] of work.queues) {
    if (queue.length > 0 && queue.busy < workers) actions.push(() => start(concurrency, work, c, queue));
  }
  return actions;
}

async function deliver(informers: Informers<Cause>, work: Work, key: string): Promise<void> {
  const delivery = informers.apply(key);
  if (delivery !== undefined) await work.dispatch(delivery);
}

async function start(concurrency: Concurrency, work: Work, c: ControllerDef, queue: WorkQueue<QueueEntry>): Promise<void> {
  const taken = queue.take();
  if (taken === undefined) return;
  const task = await Task.start(taken.key, async (pause) => {
    try {
      await work.reconcile(c, taken.item, pause);
    } finally {
      queue.done(taken.key);
    }
  });
  track(concurrency, task);
}

async function resume(concurrency: Concurrency, task: Task<string>): Promise<void> {
  await task.resume();
  track(concurrency, task);
}

function track(concurrency: Concurrency, task: Task<string>): void {
  const index = concurrency.tasks.indexOf(task);
  if (!task.finished) {
    if (index < 0) concurrency.tasks.push(task);
    return;
  }
  if (index >= 0) concurrency.tasks.splice(index, 1);
  task.rethrow();
}
