import { createHash } from 'node:crypto';
import type { EventLog } from './events.js';
import type { ControllerDef } from './controllers.js';
import { rememberedWhenFrozen } from '../shared/frozen.js';

/** How often one settle may send the very same request to one hook before it is a hot loop. */
const REPEATS_ALLOWED = 3;
/**
 * Calls of one subject in one settle whose requests are all fingerprinted; after these, one in
 * SAMPLE_EVERY is. A long runbook syncs its plan thousands of times in one settle, each request
 * with the whole run; a cycle repeats forever, so a sample of its requests repeats too. SAMPLE_EVERY
 * is prime, so the sample walks through every state of a cycle whose length it does not divide.
 */
const CALLS_ALWAYS_FINGERPRINTED = 64;
const SAMPLE_EVERY = 61;
/** Events a hot-loop error shows of what led up to it. */
const RECENT_EVENTS = 12;

/**
 * resourceVersion changes on every write, whatever was written: it is not part of the state.
 * In JSON.stringify's output every quote inside a string is escaped, so this only matches keys.
 */
const RESOURCE_VERSION = /"resourceVersion":"(?:[^"\\]|\\.)*"/g;

/**
 * Counts hook calls, and tells a hot loop from a long run with two guards: the same request
 * to the same hook seen again more than REPEATS_ALLOWED times in one settle means the world is
 * cycling (a converging controller sends a request once it has answered it, and no change
 * comes back); and a cap on all calls of one settle catches answers that change on every
 * call without repeating.
 */
export class CycleGuard {
  hookCalls = 0;
  readonly callsPerController: Record<string, number> = {};
  readonly #maxCallsPerSettle: number;
  readonly #watchRepeats: boolean;
  readonly #log: EventLog;
  #settleCalls = new Map<string, number>();
  #settleRequests = new Map<string, number>();
  #settleTotal = 0;

  /**
   * `watchRepeats` false under a realistic schedule: there a lagging cache legitimately repeats
   * a request until it catches up.
   */
  constructor(controllers: readonly ControllerDef[], maxCallsPerSettle: number, watchRepeats: boolean, log: EventLog) {
    for (const c of controllers) this.callsPerController[c.name] = 0;
    this.#maxCallsPerSettle = maxCallsPerSettle;
    this.#watchRepeats = watchRepeats;
    this.#log = log;
  }

  beginSettle(): void {
    this.#settleCalls = new Map();
    this.#settleRequests = new Map();
    this.#settleTotal = 0;
  }

  /** One call of `subject` (`sync drplan default/p1`) sending `request`; throws on a hot loop. */
  count(c: ControllerDef, subject: string, request: unknown): void {
    this.hookCalls += 1;
    this.callsPerController[c.name] = (this.callsPerController[c.name] ?? 0) + 1;
    this.#settleTotal += 1;
    const calls = (this.#settleCalls.get(subject) ?? 0) + 1;
    this.#settleCalls.set(subject, calls);
    const sampled = calls <= CALLS_ALWAYS_FINGERPRINTED || calls % SAMPLE_EVERY === 0;
    if (this.#watchRepeats && sampled) this.#checkRepeats(subject, request);
    if (this.#settleTotal > this.#maxCallsPerSettle) this.#tooMany();
  }

  #checkRepeats(subject: string, request: unknown): void {
    const fingerprint = `${subject}|${digest(JSON.stringify(request, digestFrozen))}`;
    const seen = (this.#settleRequests.get(fingerprint) ?? 0) + 1;
    this.#settleRequests.set(fingerprint, seen);
    if (seen > REPEATS_ALLOWED) {
      throw new Error(
        `settle(): hot loop — ${subject} was sent the same request ${seen} times in one settle: its answers make the cluster go round in a cycle. Last events: ${this.#log.recent(RECENT_EVENTS)}`,
      );
    }
  }

  #tooMany(): never {
    const top = [...this.#settleCalls]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([s, n]) => `${s} ×${n}`)
      .join(', ');
    throw new Error(
      `settle(): more than ${this.#maxCallsPerSettle} hook calls without reaching a steady state — a hook answer probably changes on every call (hot loop). Most called: ${top}. Last events: ${this.#log.recent(RECENT_EVENTS)}`,
    );
  }
}

/** The fingerprint is taken of the request as sent, with every resourceVersion blanked. */
function digest(json: string): string {
  return createHash('sha256').update(json.replace(RESOURCE_VERSION, '"resourceVersion":""')).digest('base64');
}

/**
 * JSON.stringify replacer: a frozen object of the request (a stored object), a frozen long list
 * and each item of one stand for themselves by their digests, each taken with the digests of such
 * parts inside it: a plan's status shares most of its run with the last one, and its children
 * are the same objects from one request to the next, so only what changed is serialised again.
 * Smaller parts (metadata, a Job's template and conditions) are serialised with what holds them:
 * a digest of each would cost more than it saves.
 */
function digestFrozen(this: unknown, _key: string, value: unknown): unknown {
  return digestedPart(this, value);
}

function digestedPart(holder: unknown, value: unknown): unknown {
  if (typeof value !== 'object' || value === null || !Object.isFrozen(value)) return value;
  return isLongList(value) || isLongList(holder) || isStoredObject(value) ? `#${digestOf(value)}` : value;
}

/** Lists longer than this are digested apart, item by item: a run's actions, a plan's history. */
const SHORT_LIST = 8;

function isLongList(value: unknown): boolean {
  return Array.isArray(value) && value.length > SHORT_LIST;
}

function isStoredObject(value: object): boolean {
  return 'metadata' in value && 'kind' in value;
}

/**
 * The digests of stored objects. They are frozen, so an object's digest is taken once, not on
 * every request that carries it: a long run's plan sync carries every Job of the run.
 */
const digestOf = rememberedWhenFrozen((value: object) =>
  digest(
    JSON.stringify(value, function (this: unknown, _key: string, inner: unknown) {
      return inner === value ? inner : digestedPart(this, inner);
    }),
  ),
);
