/** Fake time: the harness only moves it forward, through `advance()`. */
export class FakeClock {
  #ms: number;

  constructor(start: Date) {
    this.#ms = start.getTime();
  }

  now(): Date {
    return new Date(this.#ms);
  }

  nowMs(): number {
    return this.#ms;
  }

  set(ms: number): void {
    if (ms < this.#ms) throw new Error(`fake clock cannot go back from ${formatTime(this.#ms)} to ${formatTime(ms)}`);
    this.#ms = ms;
  }
}

/** RFC 3339 with whole seconds in UTC, as the API server writes metav1.Time. */
export function formatTime(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

/**
 * The wall clock, for a harness that serves people instead of tests: objects created between
 * two settles get the real time and ages keep growing while nothing happens. It never goes back,
 * and moving it forward (a driver catching up) is allowed as on the fake clock.
 */
export class WallClock extends FakeClock {
  override now(): Date {
    return new Date(this.nowMs());
  }

  override nowMs(): number {
    return Math.max(Date.now(), super.nowMs());
  }

  override set(ms: number): void {
    super.set(Math.max(ms, super.nowMs()));
  }
}
