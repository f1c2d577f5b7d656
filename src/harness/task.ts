/**
 * A worker's sync as a cooperative task: it runs only when the scheduler resumes it, up to its
 * next `pause()` (an API call or a hook call on its way), so the order in which concurrent
 * syncs make progress is the scheduler's choice, not the network's. A hook request is sent
 * before the pause and awaited after it: requests really overlap on the hook server, while
 * their answers are taken in the scheduled order.
 */
export class Task<T> {
  readonly item: T;
  #wake: (() => void) | undefined;
  #parked: (() => void) | undefined;
  #finished = false;
  #failure: { error: unknown } | undefined;

  private constructor(item: T) {
    this.item = item;
  }

  /** Starts `body` and returns once it has paused or finished. */
  static async start<T>(item: T, body: (pause: () => Promise<void>) => Promise<void>): Promise<Task<T>> {
    const task = new Task(item);
    await task.#untilParked(() => {
      body(() => task.#pause()).then(
        () => task.#finish(undefined),
        (error: unknown) => task.#finish({ error }),
      );
    });
    return task;
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** Lets the task run to its next pause or its end; rethrows what the task threw. */
  async resume(): Promise<void> {
    const wake = this.#wake;
    this.#wake = undefined;
    if (wake === undefined) throw new Error('resume(): the task is not paused');
    await this.#untilParked(wake);
  }

  /** The task's own error, once finished. */
  rethrow(): void {
    if (this.#failure !== undefined) throw this.#failure.error;
  }

  #pause(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = resolve;
      this.#parked?.();
    });
  }

  #finish(failure: { error: unknown } | undefined): void {
    this.#finished = true;
    this.#failure = failure;
    this.#parked?.();
  }

  #untilParked(kick: () => void): Promise<void> {
    return new Promise((resolve) => {
      this.#parked = resolve;
      kick();
    });
  }
}
