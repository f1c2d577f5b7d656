/**
 * Indices taken smallest first: "the first step in list order that may go next" without
 * scanning the list again after every step (which is quadratic in the steps of a run).
 */
export class IndexQueue {
  readonly #heap: number[] = [];
  readonly #queued = new Set<number>();

  push(index: number): void {
    if (this.#queued.has(index)) return;
    this.#queued.add(index);
    const heap = this.#heap;
    heap.push(index);
    for (let child = heap.length - 1; child > 0;) {
      const parent = (child - 1) >> 1;
      if ((heap[parent] as number) <= index) break;
      heap[child] = heap[parent] as number;
      heap[parent] = index;
      child = parent;
    }
  }

  pop(): number | undefined {
    const heap = this.#heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    this.#queued.delete(top);
    const last = heap.pop() as number;
    if (heap.length === 0) return top;
    heap[0] = last;
    for (let parent = 0; ;) {
      const left = parent * 2 + 1;
      const right = left + 1;
      let smallest = parent;
      if (left < heap.length && (heap[left] as number) < (heap[smallest] as number)) smallest = left;
      if (right < heap.length && (heap[right] as number) < (heap[smallest] as number)) smallest = right;
      if (smallest === parent) break;
      heap[parent] = heap[smallest] as number;
      heap[smallest] = last;
      parent = smallest;
    }
    return top;
  }
}
