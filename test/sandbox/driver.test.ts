import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StoreChange } from '../../src/harness/index.js';
import { RealTimeDriver, type Drivable } from '../../src/sandbox/driver.js';

/** A harness that records when it was settled and can write during a settle. */
class Recorder implements Drivable {
  readonly settles: number[] = [];
  wakeup: number | undefined;
  writesOnNextSettle = 0;
  failNextSettle = false;
  readonly #listeners = new Set<(change: StoreChange) => void>();

  watch(listener: (change: StoreChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async settleAt(ms: number): Promise<void> {
    this.settles.push(ms);
    await Promise.resolve();
    for (; this.writesOnNextSettle > 0; this.writesOnNextSettle -= 1) this.write();
    if (this.failNextSettle) {
      this.failNextSettle = false;
      throw new Error('hot loop');
    }
  }

  nextWakeup(): number | undefined {
    return this.wakeup;
  }

  write(): void {
    for (const listener of this.#listeners) listener({});
  }
}

const T0 = Date.parse('2026-03-01T10:00:00Z');

describe('real-time driver', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: T0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('settles at the wall-clock time on start and after each write', async () => {
    const harness = new Recorder();
    const driver = new RealTimeDriver(harness, () => undefined);
    driver.start();
    await driver.idle();
    expect(harness.settles).toEqual([T0]);
    vi.setSystemTime(T0 + 1500);
    harness.write();
    await driver.idle();
    expect(harness.settles).toEqual([T0, T0 + 1500]);
    await driver.stop();
  });

  it('folds the writes made during a settle into one more settle', async () => {
    const harness = new Recorder();
    harness.writesOnNextSettle = 5;
    const driver = new RealTimeDriver(harness, () => undefined);
    driver.start();
    await driver.idle();
    expect(harness.settles).toEqual([T0, T0]);
    await driver.stop();
  });

  it('wakes up when the harness says something falls due, not before', async () => {
    const harness = new Recorder();
    harness.wakeup = T0 + 5000;
    const driver = new RealTimeDriver(harness, () => undefined);
    driver.start();
    await driver.idle();
    harness.wakeup = undefined;
    await vi.advanceTimersByTimeAsync(4999);
    expect(harness.settles).toEqual([T0]);
    await vi.advanceTimersByTimeAsync(1);
    await driver.idle();
    expect(harness.settles).toEqual([T0, T0 + 5000]);
    await driver.stop();
  });

  it('reports a failed settle and keeps going; after stop, nothing', async () => {
    const harness = new Recorder();
    harness.failNextSettle = true;
    const errors: unknown[] = [];
    const driver = new RealTimeDriver(harness, (error) => errors.push(error));
    driver.start();
    await driver.idle();
    expect(errors).toEqual([new Error('hot loop')]);
    harness.write();
    await driver.idle();
    expect(harness.settles).toHaveLength(2);
    harness.wakeup = T0 + 10;
    await driver.stop();
    harness.write();
    await vi.advanceTimersByTimeAsync(100);
    expect(harness.settles).toHaveLength(2);
  });
});
