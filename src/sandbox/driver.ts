import type { ContractHarness } from '../harness/index.js';

/** The part of the harness a driver needs. */
export type Drivable = Pick<ContractHarness, 'watch' | 'settleAt' | 'nextWakeup'>;

/** setTimeout's longest delay; a later wake-up is re-aimed when this one fires. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Keeps the harness in step with a real clock: after every write (a client's or the
 * controllers' own) and whenever something falls due — a Job's end, a deadline, a resync, a
 * retry — the harness clock is set to now and the controllers settle. One settle at a time;
 * writes made meanwhile ask for one more.
 */
export class RealTimeDriver {
  readonly #harness: Drivable;
  readonly #now: () => number;
  readonly #onError: (error: unknown) => void;
  #unwatch: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = false;

  constructor(harness: Drivable, onError: (error: unknown) => void, now: () => number = Date.now) {
    this.#harness = harness;
    this.#onError = onError;
    this.#now = now;
  }

  start(): void {
    this.#unwatch = this.#harness.watch(() => this.poke());
    this.poke();
  }

  /** Asks for a settle now: at once when idle, right after the current one otherwise. */
  poke(): void {
    if (this.#stopped) return;
    if (this.#running !== undefined) {
      this.#again = true;
      return;
    }
    this.#again = false;
    this.#running = this.#settle().finally(() => {
      this.#running = undefined;
      if (this.#again) this.poke();
      else this.#schedule();
    });
  }

  /** Resolves once the driver is idle: nothing running, nothing asked for. */
  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unwatch?.();
    clearTimeout(this.#timer);
    await this.idle();
  }

  async #settle(): Promise<void> {
    try {
      await this.#harness.settleAt(this.#now());
    } catch (error) {
      // A hook that never converges must not stop the playground: report it, go on.
      this.#onError(error);
    }
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const next = this.#harness.nextWakeup();
    if (this.#stopped || next === undefined) return;
    this.#timer = setTimeout(() => this.poke(), Math.min(MAX_DELAY_MS, Math.max(0, next - this.#now())));
  }
}
