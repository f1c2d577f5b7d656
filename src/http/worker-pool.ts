import { Worker, type Transferable } from 'node:worker_threads';

export interface WorkerPoolOptions {
  /** Worker threads, each running one task at a time. */
  size: number;
  /** Tasks that may wait for a worker; past it `run` refuses. */
  queueLimit: number;
  /** The worker's module: posts WORKER_READY once loaded, then answers each message `T` with one message `R`. */
  entry: URL;
  workerData?: unknown;
}

/** A worker's first message: it has loaded and takes tasks. */
export const WORKER_READY = 'ready';

/** The task's caller went away before a worker took it up; it was never run. */
export class TaskAbandoned extends Error {}

interface Task<T, R> {
  input: T;
  transfer: Transferable[];
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/**
 * A fixed set of worker threads in front of a bounded queue. A worker that dies (out of
 * memory, a crash) fails only its own task and is replaced, so one poisonous request costs
 * one answer, never the process.
 */
export class WorkerPool<T, R> {
  private readonly all = new Set<Worker>();
  private readonly idle: Worker[] = [];
  private readonly running = new Map<Worker, Task<T, R>>();
  private readonly waiting: Task<T, R>[] = [];
  private starting = 0;
  private closing = false;

  constructor(private readonly options: WorkerPoolOptions) {
    for (let index = 0; index < options.size; index++) this.spawn();
  }

  /** Workers running a task. */
  get busy(): number {
    return this.running.size;
  }

  /** Tasks waiting for a worker. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Whether `run` would refuse a task now: every worker busy and the queue full. */
  get full(): boolean {
    return this.idle.length === 0 && this.waiting.length >= this.options.queueLimit + this.starting;
  }

  /**
   * Runs `input` on the next free worker, moving `transfer` to it. Undefined when every worker
   * is busy and the queue is full. When `abandoned` fires while the task still waits, it is
   * dropped and its promise rejects with TaskAbandoned.
   */
  run(input: T, transfer: Transferable[], abandoned?: AbortSignal): Promise<R> | undefined {
    if (this.idle.length + this.running.size + this.starting === 0) return Promise.reject(new Error('no worker thread is running'));
    // A worker still starting up counts as free: it takes the first task waiting once ready.
    if (this.full) return undefined;
    const worker = this.idle.pop();
    return new Promise<R>((resolve, reject) => {
      const task: Task<T, R> = { input, transfer, resolve, reject };
      if (worker !== undefined) return this.start(worker, task);
      this.waiting.push(task);
      abandoned?.addEventListener(
        'abort',
        () => {
          const position = this.waiting.indexOf(task);
          if (position === -1) return;
          this.waiting.splice(position, 1);
          reject(new TaskAbandoned('the caller went away before a worker was free'));
        },
        { once: true },
      );
    });
  }

  /** Refuses what waits, stops every worker (a task in progress fails). */
  async close(): Promise<void> {
    this.closing = true;
    for (const task of this.waiting.splice(0)) task.reject(new Error('the worker pool is closing'));
    await Promise.all([...this.all].map((worker) => worker.terminate()));
  }

  private start(worker: Worker, task: Task<T, R>): void {
    this.running.set(worker, task);
    worker.postMessage(task.input, task.transfer);
  }

  private next(worker: Worker): void {
    const task = this.waiting.shift();
    if (task === undefined) this.idle.push(worker);
    else this.start(worker, task);
  }

  private spawn(): void {
    const worker = new Worker(this.options.entry, { workerData: this.options.workerData });
    let ready = false;
    let failure: unknown;
    this.all.add(worker);
    this.starting++;
    worker.on('message', (message: R) => {
      if (!ready) {
        ready = true;
        this.starting--;
        return this.next(worker);
      }
      const task = this.running.get(worker);
      this.running.delete(worker);
      task?.resolve(message);
      this.next(worker);
    });
    worker.on('error', (error) => (failure = error));
    worker.once('exit', (code) => this.exited(worker, ready, failure ?? new Error(`worker thread exited with code ${code}`)));
  }

  private exited(worker: Worker, ready: boolean, failure: unknown): void {
    this.all.delete(worker);
    const task = this.running.get(worker);
    this.running.delete(worker);
    const position = this.idle.indexOf(worker);
    if (position !== -1) this.idle.splice(position, 1);
    task?.reject(failure);
    if (!ready) this.starting--;
    // A worker that never got ready cannot load its module: another would fail the same way.
    if (ready && !this.closing) return this.spawn();
    if (this.idle.length + this.running.size + this.starting > 0) return;
    for (const waiting of this.waiting.splice(0)) waiting.reject(failure);
  }
}
