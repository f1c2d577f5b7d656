import { setTimeout as sleep } from 'node:timers/promises';
import type { Env } from './client.js';

/** Where the views write: a terminal gets the live tree, anything else one line per change. */
export interface Output {
  write(text: string): void;
  isTTY: boolean;
  columns?: number | undefined;
  rows?: number | undefined;
}

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or at once when `signal` aborts; never rejects. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

/** Everything a command reads of its surroundings, so tests can run commands in-process. */
export interface PluginIO {
  stdout: Output;
  stderr: (text: string) => void;
  env: Env;
  clock: Clock;
  /** Aborted on Ctrl-C: following stops, the execution goes on. */
  signal?: AbortSignal | undefined;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }).catch(() => undefined),
};
