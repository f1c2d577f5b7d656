import type { IndexQueue } from './queue.js';
import { isBlocking, isDone, type Step } from './steps.js';

interface Named extends Step {
  name: string;
  dependsOn?: string[] | undefined;
}

/**
 * Which steps of a list may go next by their `dependsOn` (names of other steps of the list;
 * a name that several steps share stands for all of them, unknown names for none), kept
 * up to date as steps finish: every step and every dependency edge is looked at a bounded
 * number of times, however the list is ordered.
 */
export class Dependencies<S extends Named> {
  readonly #steps: readonly S[];
  /** Per name: how many steps of that name are not done. */
  readonly #notDone = new Map<string, number>();
  /** Per name: the first step (list index) of that name that finished blocking. */
  readonly #firstBlocking = new Map<string, number>();
  /** Per name: the steps that depend on it. */
  readonly #dependants = new Map<string, number[]>();
  /** Per step: its distinct known dependency names, and how many of them are not done. */
  readonly #names: string[][];
  readonly #waiting: number[];
  readonly #blocked: boolean[];
  readonly #counted: boolean[];

  constructor(steps: readonly S[]) {
    this.#steps = steps;
    for (const step of steps) this.#notDone.set(step.name, (this.#notDone.get(step.name) ?? 0) + (isDone(step) ? 0 : 1));
    steps.forEach((step, index) => {
      if (isBlocking(step) && !this.#firstBlocking.has(step.name)) this.#firstBlocking.set(step.name, index);
    });
    this.#counted = steps.map(isDone);
    this.#names = steps.map((step) => [...new Set(step.dependsOn ?? [])].filter((name) => this.#notDone.has(name)));
    this.#waiting = this.#names.map((names) => names.filter((name) => (this.#notDone.get(name) ?? 0) > 0).length);
    this.#blocked = this.#names.map((names) => names.some((name) => this.#firstBlocking.has(name)));
    this.#names.forEach((names, index) => {
      for (const name of names) {
        const dependants = this.#dependants.get(name);
        if (dependants === undefined) this.#dependants.set(name, [index]);
        else dependants.push(index);
      }
    });
  }

  /** Every step it depends on is done (and, unless blocked, satisfied). */
  isReady(index: number): boolean {
    return this.#waiting[index] === 0;
  }

  /** The first step in list order among its dependencies that finished blocking. */
  blocker(index: number): S | undefined {
    if (!this.#blocked[index]) return undefined;
    let first: number | undefined;
    for (const name of this.#names[index] ?? []) {
      const candidate = this.#firstBlocking.get(name);
      if (candidate !== undefined && (first === undefined || candidate < first)) first = candidate;
    }
    return first === undefined ? undefined : this.#steps[first];
  }

  /** The steps that may go next or must be skipped, as they stand now. */
  decidable(): number[] {
    return this.#steps.flatMap((step, index) => (step.phase === 'Pending' && (this.isReady(index) || this.#blocked[index]) ? [index] : []));
  }

  /**
   * Records that step `index` may have finished; `changed` hears of every dependant that
   * became ready or blocked because of it.
   */
  update(index: number, changed: (dependant: number) => void): void {
    const step = this.#steps[index];
    if (step === undefined || this.#counted[index] || !isDone(step)) return;
    this.#counted[index] = true;
    const left = (this.#notDone.get(step.name) ?? 1) - 1;
    this.#notDone.set(step.name, left);
    const dependants = this.#dependants.get(step.name) ?? [];
    const newlyBlocking = this.#noteBlocking(step, index);
    for (const dependant of dependants) {
      if (left === 0) this.#waiting[dependant] = (this.#waiting[dependant] ?? 1) - 1;
      if (newlyBlocking) this.#blocked[dependant] = true;
      if (left === 0 || newlyBlocking) changed(dependant);
    }
  }

  /** Remembers the first blocking step of each name; returns whether this one is the first. */
  #noteBlocking(step: S, index: number): boolean {
    if (!isBlocking(step)) return false;
    const first = this.#firstBlocking.get(step.name);
    if (first === undefined || first > index) this.#firstBlocking.set(step.name, index);
    return first === undefined;
  }

  /**
   * One pass over the queued steps, front to back, as the scheduling rule reads a list once:
   * `blocked` hears of a Pending step a failed dependency blocks, `ready` of one that may go
   * (and ends the pass by returning false). Steps queued behind the pass's position are what it
   * returns, for the next pass.
   */
  pass(queue: IndexQueue, visit: { blocked: (index: number, blocker: S) => void; ready: (index: number) => boolean }): number[] {
    const deferred: number[] = [];
    let position = -1;
    for (let index = queue.pop(); index !== undefined; index = queue.pop()) {
      if ((this.#steps[index] as S).phase !== 'Pending') continue;
      if (index < position) {
        deferred.push(index);
        continue;
      }
      position = index;
      const blocker = this.blocker(index);
      if (blocker !== undefined) visit.blocked(index, blocker);
      else if (this.isReady(index) && !visit.ready(index)) break;
    }
    return deferred;
  }
}
