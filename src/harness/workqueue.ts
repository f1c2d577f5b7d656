/**
 * client-go's workqueue semantics for one controller: a key is queued at most once, a key being
 * processed is never handed to a second worker, and a key added while it is processed is queued
 * again when its worker is done. Each entry keeps the first reason it was added for, and a
 * sequence number from a counter shared by all queues, so "oldest entry of any controller" is
 * well defined.
 */
export class WorkQueue<T> {
  readonly #order: { key: string; item: T; seq: number }[] = [];
  readonly #dirty = new Map<string, T>();
  readonly #processing = new Set<string>();
  readonly #sequence: { next: number };

  constructor(sequence: { next: number }) {
    this.#sequence = sequence;
  }

  add(key: string, item: T): void {
    if (this.#dirty.has(key)) return;
    this.#dirty.set(key, item);
    if (!this.#processing.has(key)) this.#push(key, item);
  }

  /** Sequence number of the oldest entry, if any. */
  head(): number | undefined {
    return this.#order[0]?.seq;
  }

  get busy(): number {
    return this.#processing.size;
  }

  get length(): number {
    return this.#order.length;
  }

  take(): { key: string; item: T } | undefined {
    const entry = this.#order.shift();
    if (entry === undefined) return undefined;
    this.#dirty.delete(entry.key);
    this.#processing.add(entry.key);
    return { key: entry.key, item: entry.item };
  }

  done(key: string): void {
    this.#processing.delete(key);
    const again = this.#dirty.get(key);
    if (again !== undefined) this.#push(key, again);
  }

  #push(key: string, item: T): void {
    this.#order.push({ key, item, seq: this.#sequence.next++ });
  }
}
