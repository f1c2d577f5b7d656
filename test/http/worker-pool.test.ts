import { afterEach, describe, expect, it } from 'vitest';
import { TaskAbandoned, WorkerPool } from '../../src/http/worker-pool.js';

interface Task {
  id: number;
  op: 'echo' | 'wait' | 'throw' | 'exit';
  ms?: number;
  bytes?: Uint8Array;
}
interface Answer {
  id: number;
  bytes?: number;
}

const ENTRY = new URL('../fixtures/pool-worker.mjs', import.meta.url);
let pool: WorkerPool<Task, Answer> | undefined;
const open = (size: number, queueLimit: number, entry = ENTRY) => (pool = new WorkerPool<Task, Answer>({ size, queueLimit, entry }));
/** A pool of one worker that has answered once, so it is up and idle. */
const warm = async (queueLimit: number) => {
  const workers = open(1, queueLimit);
  await workers.run({ id: 0, op: 'echo' }, []);
  return workers;
};
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('worker pool', () => {
  it('lets tasks wait for workers that are still starting', async () => {
    const workers = open(2, 0);
    expect(await Promise.all([workers.run({ id: 1, op: 'echo' }, []), workers.run({ id: 2, op: 'echo' }, [])])).toEqual([
      { id: 1 },
      { id: 2 },
    ]);
  });

  it('runs each task on a worker and moves, not copies, the memory it is given', async () => {
    const workers = open(2, 0);
    const bytes = new Uint8Array(1024 * 1024);
    const answer = await workers.run({ id: 1, op: 'echo', bytes }, [bytes.buffer]);
    expect(answer).toEqual({ id: 1, bytes: 1024 * 1024 });
    expect(bytes.byteLength).toBe(0);
  });

  it('queues up to its limit behind busy workers, refuses beyond it, and serves the queue in order', async () => {
    const workers = await warm(2);
    const first = workers.run({ id: 1, op: 'wait', ms: 200 }, []);
    const second = workers.run({ id: 2, op: 'echo' }, []);
    const third = workers.run({ id: 3, op: 'echo' }, []);
    expect(workers.queued).toBe(2);
    expect(workers.run({ id: 4, op: 'echo' }, [])).toBeUndefined();
    expect(await Promise.all([first, second, third])).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(workers.queued).toBe(0);
    expect(await workers.run({ id: 5, op: 'echo' }, [])).toEqual({ id: 5 });
  });

  it('drops a waiting task whose caller went away, and keeps the running one', async () => {
    const workers = await warm(1);
    const running = workers.run({ id: 1, op: 'wait', ms: 100 }, []);
    const gone = new AbortController();
    const waiting = workers.run({ id: 2, op: 'echo' }, [], gone.signal);
    gone.abort();
    await expect(waiting).rejects.toBeInstanceOf(TaskAbandoned);
    expect(workers.queued).toBe(0);
    expect(await running).toEqual({ id: 1 });
  });

  it.each(['throw', 'exit'] as const)('fails only the task whose worker dies (%s), and replaces the worker', async (op) => {
    const workers = open(1, 4);
    const dying = workers.run({ id: 1, op }, []);
    const next = workers.run({ id: 2, op: 'echo' }, []);
    await expect(dying).rejects.toThrow(op === 'throw' ? 'worker failed on purpose' : 'worker thread exited with code 3');
    expect(await next).toEqual({ id: 2 });
    expect(await workers.run({ id: 3, op: 'echo' }, [])).toEqual({ id: 3 });
  });

  it('refuses what waits when it closes', async () => {
    const workers = await warm(1);
    void workers.run({ id: 1, op: 'wait', ms: 1000 }, [])?.catch(() => undefined);
    const refused = expect(workers.run({ id: 2, op: 'echo' }, [])).rejects.toThrow('the worker pool is closing');
    await workers.close();
    await refused;
  });

  it('stops every worker when it closes, a replacement still starting included', async () => {
    const workers = await warm(1);
    await expect(workers.run({ id: 1, op: 'exit' }, [])).rejects.toThrow('worker thread exited with code 3');
    await workers.close();
    await expect(workers.run({ id: 2, op: 'echo' }, [])).rejects.toThrow('no worker thread is running');
  });

  it('fails tasks rather than hanging them when its workers cannot start', async () => {
    const workers = open(1, 4, new URL('../fixtures/no-such-worker.mjs', import.meta.url));
    await expect(workers.run({ id: 1, op: 'echo' }, [])).rejects.toThrow();
    await expect(workers.run({ id: 2, op: 'echo' }, [])).rejects.toThrow('no worker thread is running');
  });
});
