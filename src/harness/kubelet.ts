import { formatTime, type FakeClock } from './clock.js';
import type { Store } from './store.js';
import { isRecord, qualifiedName, type KubeObject } from './types.js';

/**
 * A stand-in for the Job controller and kubelet: Jobs start, then succeed, fail or stay running
 * as a policy decides, and fail on `spec.activeDeadlineSeconds`. Only `status` is written, with
 * the fields and conditions a real batch/v1 Job gets.
 */

export type JobOutcome = { outcome: 'succeed' } | { outcome: 'fail'; message?: string } | { outcome: 'hold' };
export type JobPolicy = (job: KubeObject) => JobOutcome;

const JOB = { apiVersion: 'batch/v1', kind: 'Job' } as const;
const BACKOFF_MESSAGE = 'Job has reached the specified backoff limit';

export class FakeKubelet {
  /** Asked once per settle round for every running Job; change it at any time. */
  policy: JobPolicy;
  readonly #store: Store;
  readonly #clock: FakeClock;
  readonly #events: string[];

  constructor(store: Store, clock: FakeClock, events: string[], policy: JobPolicy) {
    this.#store = store;
    this.#clock = clock;
    this.#events = events;
    this.policy = policy;
  }

  complete(namespace: string, name: string): void {
    this.#finish(this.#unfinished(namespace, name), { outcome: 'succeed' });
  }

  fail(namespace: string, name: string, message?: string): void {
    this.#finish(this.#unfinished(namespace, name), message === undefined ? { outcome: 'fail' } : { outcome: 'fail', message });
  }

  /**
   * One round: new Jobs become active (the policy is asked only in a later round, so hooks see
   * them running first), overdue Jobs fail, running ones follow the policy. Returns whether
   * anything was written.
   */
  step(): boolean {
    let changed = false;
    for (const job of this.#jobs()) {
      if (job.metadata.deletionTimestamp !== undefined || finished(job)) continue;
      const status = statusOf(job);
      if (status.startTime === undefined) {
        if (isRecord(job.spec) && job.spec.suspend === true) continue;
        this.#write(job, { ...status, active: 1, startTime: this.#now() });
      } else {
        const deadline = deadlineOf(job);
        if (deadline !== undefined && this.#clock.nowMs() >= deadline) {
          this.#failed(job, 'DeadlineExceeded', 'Job was active longer than specified deadline');
        } else {
          const outcome = this.policy(job);
          if (outcome.outcome === 'hold') continue;
          this.#finish(job, outcome);
        }
      }
      changed = true;
    }
    return changed;
  }

  /** The earliest `activeDeadlineSeconds` expiry among running Jobs, in epoch ms. */
  nextDeadline(): number | undefined {
    const deadlines = this.#jobs()
      .filter((job) => job.metadata.deletionTimestamp === undefined && !finished(job))
      .map(deadlineOf)
      .filter((d): d is number => d !== undefined);
    return deadlines.length === 0 ? undefined : Math.min(...deadlines);
  }

  #jobs(): KubeObject[] {
    return this.#store.list(this.#store.typeOf(JOB.apiVersion, JOB.kind));
  }

  #unfinished(namespace: string, name: string): KubeObject {
    const job = this.#store.get({ ...JOB, namespace, name });
    if (job === undefined) throw new Error(`Job ${namespace}/${name} not found`);
    if (finished(job)) throw new Error(`Job ${namespace}/${name} has already finished`);
    return job;
  }

  #finish(job: KubeObject, outcome: Exclude<JobOutcome, { outcome: 'hold' }>): void {
    if (outcome.outcome === 'fail') {
      this.#failed(job, 'BackoffLimitExceeded', outcome.message ?? BACKOFF_MESSAGE);
      return;
    }
    const now = this.#now();
    const rest = statusOf(job);
    delete rest.active;
    const done = { status: 'True', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods', lastProbeTime: now, lastTransitionTime: now };
    this.#write(job, {
      ...rest,
      startTime: rest.startTime ?? now,
      completionTime: now,
      succeeded: 1,
      conditions: [{ type: 'SuccessCriteriaMet', ...done }, { type: 'Complete', ...done }],
    });
    this.#events.push(`job-succeeded ${name(job)}`);
  }

  #failed(job: KubeObject, reason: string, message: string): void {
    const now = this.#now();
    const rest = statusOf(job);
    delete rest.active;
    this.#write(job, {
      ...rest,
      startTime: rest.startTime ?? now,
      failed: 1,
      conditions: [{ type: 'Failed', status: 'True', reason, message, lastProbeTime: now, lastTransitionTime: now }],
    });
    this.#events.push(`job-failed ${name(job)}`);
  }

  #write(job: KubeObject, status: Record<string, unknown>): void {
    this.#store.updateStatus({ ...JOB, namespace: job.metadata.namespace ?? '', name: job.metadata.name }, status);
  }

  #now(): string {
    return formatTime(this.#clock.nowMs());
  }
}

function statusOf(job: KubeObject): Record<string, unknown> & { startTime?: string } {
  if (!isRecord(job.status)) return {};
  const { startTime, ...rest } = job.status;
  return typeof startTime === 'string' ? { ...rest, startTime } : rest;
}

function finished(job: KubeObject): boolean {
  const conditions = isRecord(job.status) ? job.status.conditions : undefined;
  return (
    Array.isArray(conditions) &&
    conditions.some((c) => isRecord(c) && (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True')
  );
}

function deadlineOf(job: KubeObject): number | undefined {
  const seconds = isRecord(job.spec) ? job.spec.activeDeadlineSeconds : undefined;
  const start = statusOf(job).startTime;
  if (typeof seconds !== 'number' || start === undefined) return undefined;
  return Date.parse(start) + seconds * 1000;
}

function name(job: KubeObject): string {
  return qualifiedName(job.metadata.namespace ?? '', job.metadata.name);
}
