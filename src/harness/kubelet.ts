import { createHash } from 'node:crypto';
import { formatTime, type FakeClock } from './clock.js';
import type { EventLog } from './events.js';
import { strings } from './fields.js';
import type { RunnerExecutor, RunnerExit } from './runner-process.js';
import type { Store } from './store.js';
import { isRecord, refOf, type KubeObject } from './types.js';

/**
 * A stand-in for the Job controller and kubelet: Jobs start, then succeed, fail or stay running
 * as a policy decides, and fail on `spec.activeDeadlineSeconds`. Only `status` is written, with
 * the fields and conditions a real batch/v1 Job gets. Runner Jobs (a container running this
 * project's `run http` / `run resource`) are really run by `runner`, and leave a Pod with the
 * runner's termination message, as the real kubelet does.
 */

/** `hold` with `until` (epoch ms) asks to be asked again then, so time moves on to it. */
export type JobOutcome = { outcome: 'succeed' } | { outcome: 'fail'; message?: string } | { outcome: 'hold'; until?: number };
export type JobPolicy = (job: KubeObject, nowMs: number) => JobOutcome;

const JOB = { apiVersion: 'batch/v1', kind: 'Job' } as const;
const POD = { apiVersion: 'v1', kind: 'Pod' } as const;
const BACKOFF_MESSAGE = 'Job has reached the specified backoff limit';
const DEADLINE_MESSAGE = 'Job was active longer than specified deadline';

export class FakeKubelet {
  /** Asked once per settle round for every running Job; change it at any time. */
  policy: JobPolicy;
  readonly #store: Store;
  readonly #clock: FakeClock;
  readonly #log: EventLog;
  readonly #runner: RunnerExecutor;
  readonly #endAtOnce: boolean;
  /** When the policy wants to see a held Job again, by Job uid. */
  readonly #heldUntil = new Map<string, number>();
  /** The Jobs still to run or running: a long run keeps every finished one, not to be looked at again. */
  readonly #jobs: () => KubeObject[];

  constructor(store: Store, clock: FakeClock, log: EventLog, policy: JobPolicy, runner: RunnerExecutor, endAtOnce = false) {
    this.#store = store;
    this.#clock = clock;
    this.#log = log;
    this.policy = policy;
    this.#runner = runner;
    this.#endAtOnce = endAtOnce;
    const live = (job: Readonly<KubeObject>) => job.metadata.deletionTimestamp === undefined && !finished(job);
    this.#jobs = store.view(store.typeOf(JOB.apiVersion, JOB.kind), live);
  }

  complete(namespace: string, name: string): void {
    this.#finish(this.#unfinished(namespace, name), { outcome: 'succeed' });
  }

  fail(namespace: string, name: string, message?: string): void {
    this.#finish(this.#unfinished(namespace, name), message === undefined ? { outcome: 'fail' } : { outcome: 'fail', message });
  }

  /**
   * One round: new Jobs become active (the policy is asked only in a later round, so hooks see
   * them running first, unless Jobs end at once), overdue Jobs fail, running ones follow the
   * policy. Returns whether anything was written.
   */
  async step(): Promise<boolean> {
    let changed = false;
    const runners: Promise<void>[] = [];
    for (const job of this.#jobs()) if (this.#stepJob(job, runners)) changed = true;
    // Runner Jobs started together run together, as parallel actions do on a cluster.
    await Promise.all(runners);
    return changed;
  }

  /** One Job's part of a round; a runner Job's run joins `runners`. Returns whether anything was written or started. */
  #stepJob(job: KubeObject, runners: Promise<void>[]): boolean {
    const status = jobStatusOf(job);
    const started = status.startTime !== undefined;
    const start = () => this.#write(job, { ...status, active: 1, startTime: this.#now() });
    if (!started && isRecord(job.spec) && job.spec.suspend === true) return false;
    const deadline = deadlineOf(job);
    if (!started && !this.#endAtOnce) {
      start();
    } else if (deadline !== undefined && this.#clock.nowMs() >= deadline) {
      this.#failed(job, 'DeadlineExceeded', DEADLINE_MESSAGE);
    } else if (runnerOf(job) !== undefined) {
      runners.push(this.#runPod(job));
    } else {
      const outcome = this.policy(job, this.#clock.nowMs());
      if (outcome.outcome !== 'hold') {
        this.#finish(job, outcome);
        return true;
      }
      // Started before the hold is noted: a write forgets the hold.
      if (!started) start();
      if (outcome.until === undefined) this.#heldUntil.delete(job.metadata.uid ?? '');
      else this.#heldUntil.set(job.metadata.uid ?? '', outcome.until);
      return !started;
    }
    return true;
  }

  /** Runs the runner container, records its Pod, then completes or fails the Job. */
  async #runPod(job: KubeObject): Promise<void> {
    const runner = runnerOf(job);
    if (runner === undefined) return;
    const namespace = job.metadata.namespace ?? '';
    const seconds = isRecord(job.spec) && typeof job.spec.activeDeadlineSeconds === 'number' ? job.spec.activeDeadlineSeconds : 3600;
    const exit = await this.#runner({ job, kind: runner.kind, namespace, env: runner.env, deadlineMs: seconds * 1000 });
    this.#recordPod(job, runner.container, exit);
    if (exit.deadlineExceeded) this.#failed(job, 'DeadlineExceeded', DEADLINE_MESSAGE);
    else if (exit.exitCode === 0) this.#finish(job, { outcome: 'succeed' });
    else this.#failed(job, 'BackoffLimitExceeded', BACKOFF_MESSAGE);
  }

  #recordPod(job: KubeObject, container: string, exit: RunnerExit): void {
    const now = this.#now();
    const namespace = job.metadata.namespace ?? '';
    const uid = job.metadata.uid ?? '';
    const template = isRecord(job.spec) && isRecord(job.spec.template) ? job.spec.template : {};
    const templateMetadata = isRecord(template.metadata) ? template.metadata : {};
    const labels: Record<string, string> = {
      ...(isRecord(templateMetadata.labels) ? (templateMetadata.labels as Record<string, string>) : {}),
      'batch.kubernetes.io/controller-uid': uid,
      'batch.kubernetes.io/job-name': job.metadata.name,
      'controller-uid': uid,
      'job-name': job.metadata.name,
    };
    const suffix = createHash('sha256').update(`${uid}/pod`).digest('hex').slice(0, 5);
    const name = `${job.metadata.name.slice(0, 57)}-${suffix}`;
    this.#store.create({
      ...POD,
      metadata: {
        name,
        namespace,
        labels,
        ownerReferences: [
          { apiVersion: 'batch/v1', kind: 'Job', name: job.metadata.name, uid, controller: true, blockOwnerDeletion: true },
        ],
      },
      spec: isRecord(template.spec) ? template.spec : {},
    });
    const terminated = {
      exitCode: exit.exitCode,
      reason: exit.exitCode === 0 ? 'Completed' : 'Error',
      ...(exit.message === '' ? {} : { message: exit.message }),
      startedAt: now,
      finishedAt: now,
    };
    this.#store.updateStatus(
      { ...POD, namespace, name },
      {
        phase: exit.exitCode === 0 ? 'Succeeded' : 'Failed',
        startTime: now,
        containerStatuses: [{ name: container, ready: false, restartCount: 0, started: false, state: { terminated } }],
      },
    );
  }

  /** The earliest `activeDeadlineSeconds` expiry or end of a hold among running Jobs, in epoch ms. */
  nextDeadline(): number | undefined {
    const deadlines = this.#jobs()
      .flatMap((job) => [deadlineOf(job), this.#heldUntil.get(job.metadata.uid ?? '')])
      .filter((d): d is number => d !== undefined);
    return deadlines.length === 0 ? undefined : Math.min(...deadlines);
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
    const rest = jobStatusOf(job);
    delete rest.active;
    const done = {
      status: 'True',
      reason: 'CompletionsReached',
      message: 'Reached expected number of succeeded pods',
      lastProbeTime: now,
      lastTransitionTime: now,
    };
    this.#write(job, {
      ...rest,
      startTime: rest.startTime ?? now,
      completionTime: now,
      succeeded: 1,
      conditions: [
        { type: 'SuccessCriteriaMet', ...done },
        { type: 'Complete', ...done },
      ],
    });
    this.#log.push({ type: 'job-finished', outcome: 'succeeded', object: refOf(job) });
  }

  #failed(job: KubeObject, reason: string, message: string): void {
    const now = this.#now();
    const rest = jobStatusOf(job);
    delete rest.active;
    this.#write(job, {
      ...rest,
      startTime: rest.startTime ?? now,
      failed: 1,
      conditions: [{ type: 'Failed', status: 'True', reason, message, lastProbeTime: now, lastTransitionTime: now }],
    });
    this.#log.push({ type: 'job-finished', outcome: 'failed', object: refOf(job) });
  }

  #write(job: KubeObject, status: Record<string, unknown>): void {
    this.#heldUntil.delete(job.metadata.uid ?? '');
    this.#store.updateStatus({ ...JOB, namespace: job.metadata.namespace ?? '', name: job.metadata.name }, status);
  }

  #now(): string {
    return formatTime(this.#clock.nowMs());
  }
}

interface RunnerContainer {
  kind: 'http' | 'resource';
  container: string;
  env: Record<string, string>;
}

/** A Job whose first container runs `… cli.js run http|resource`: the project's runner. */
function runnerOf(job: KubeObject): RunnerContainer | undefined {
  const container = firstContainer(job);
  if (container === undefined) return undefined;
  const words = [...strings(container.command), ...strings(container.args)];
  const kind = words[words.length - 1];
  if (words[words.length - 2] !== 'run' || (kind !== 'http' && kind !== 'resource')) return undefined;
  if (!words.some((word) => word.endsWith('cli.js'))) return undefined;
  return { kind, container: typeof container.name === 'string' ? container.name : 'runner', env: literalEnv(container.env) };
}

function firstContainer(job: KubeObject): Record<string, unknown> | undefined {
  const template = isRecord(job.spec) && isRecord(job.spec.template) ? job.spec.template : {};
  const containers = isRecord(template.spec) && Array.isArray(template.spec.containers) ? template.spec.containers : [];
  const container: unknown = containers[0];
  return isRecord(container) ? container : undefined;
}

/** The `env` entries with a literal `value`. */
function literalEnv(entries: unknown): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of Array.isArray(entries) ? entries : []) {
    if (isRecord(entry) && typeof entry.name === 'string' && typeof entry.value === 'string') env[entry.name] = entry.value;
  }
  return env;
}

function jobStatusOf(job: KubeObject): Record<string, unknown> & { startTime?: string } {
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
  const start = jobStatusOf(job).startTime;
  if (typeof seconds !== 'number' || start === undefined) return undefined;
  return Date.parse(start) + seconds * 1000;
}
