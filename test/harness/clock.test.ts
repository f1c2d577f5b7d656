import { afterEach, describe, expect, it, vi } from 'vitest';
import { WallClock } from '../../src/harness/clock.js';

const T0 = Date.parse('2026-03-01T10:00:00Z');

describe('wall clock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('follows the wall clock, never goes back, and may be set ahead of it', () => {
    vi.useFakeTimers({ now: T0 });
    const clock = new WallClock(new Date(T0));
    vi.setSystemTime(T0 + 1234);
    expect(clock.nowMs()).toBe(T0 + 1234);
    expect(clock.now()).toEqual(new Date(T0 + 1234));
    clock.set(T0 + 5000);
    expect(clock.nowMs()).toBe(T0 + 5000);
    // Setting it to a moment already past is no error: a driver may lag the clock it follows.
    clock.set(T0);
    expect(clock.nowMs()).toBe(T0 + 5000);
    vi.setSystemTime(T0 + 9000);
    expect(clock.nowMs()).toBe(T0 + 9000);
  });
});
