import type { ContractHarness, KubeObject } from '../../src/harness/index.js';
import { isTerminal } from '../../src/api/execution.js';
import { LABEL_EXECUTION } from '../../src/k8s/labels.js';
import type { ExecutionRecord } from '../../src/api/plan.js';
import { getPlan } from '../fixtures/dr.js';
import { NAMESPACE } from '../fixtures/objects.js';
import { executions, isFinished } from './drive.js';

/** The invariants the harness-level properties check, shared by every schedule they run under. */

/**
 * Failed syncs. Under a realistic schedule Metacontroller's own writes may be refused when its
 * cache is behind (a finalizer added to an object that is already gone, say): that is the
 * control plane at work, not a hook failing, so `races` lets those through.
 */
export function hookErrors(harness: ContractHarness, races: 'forbidden' | 'allowed' = 'forbidden'): string[] {
  const failures = harness.errors.filter((failure) => races === 'forbidden' || failure.origin !== 'api');
  return failures.length === 0 ? [] : [`hook errors: ${JSON.stringify(failures)}`];
}

/**
 * The lock, once settled: at most one Running execution, it is the plan's current
 * one, and only its Jobs are active.
 */
export function lockProblems(harness: ContractHarness): string[] {
  const problems: string[] = [];
  const current = getPlan(harness).status?.currentExecution;
  const running = executions(harness).filter((e) => (e.status as { phase?: string } | undefined)?.phase === 'Running');
  if (running.length > 1) problems.push(`${running.length} executions Running: ${running.map((e) => e.metadata.name).join(', ')}`);
  for (const execution of running) {
    if (execution.metadata.uid !== current?.uid) {
      problems.push(`execution ${execution.metadata.name} is Running but the plan's current execution is ${current?.name ?? 'none'}`);
    }
  }
  for (const job of harness.list('Job', NAMESPACE)) {
    if (isFinished(job)) continue;
    const owner = job.metadata.labels?.[LABEL_EXECUTION];
    if (current === undefined || owner !== current.name) {
      problems.push(`Job ${job.metadata.name} of ${owner ?? '?'} is active but the current execution is ${current?.name ?? 'none'}`);
    }
  }
  return problems;
}

interface Final {
  phase: string;
  completionTime: string | undefined;
  message: string | undefined;
}

/**
 * The history ledger, checked after every settled step: the ledger is bounded, keyed by uid,
 * newest first, its terminal records are final, a trimmed record never returns, no record stays
 * open without its execution, and no queued or running execution is missing from the ledger.
 * Remembers what it saw between steps.
 */
export class Ledger {
  /** Order in which each uid first showed up in the history: higher is newer. */
  readonly #firstSeen = new Map<string, number>();
  readonly #final = new Map<string, Final>();
  readonly #present = new Set<string>();
  readonly #trimmed = new Set<string>();
  #counter = 0;

  constructor(readonly historyLimit: number) {}

  /** Returns the broken invariants, empty when all hold. */
  check(harness: ContractHarness): string[] {
    const problems: string[] = [];
    const status = getPlan(harness).status;
    const history: ExecutionRecord[] = status?.executionHistory ?? [];
    const show = history.map((r) => `${r.name}:${r.phase}`).join(' ');
    const uidOf = (record: ExecutionRecord) => record.uid ?? `(no uid ${record.name})`;

    // Open records, the targets of open Reverts (their outcome is still to be read), and the
    // current run's record until the lock goes (it waits for every Job of the run to be seen at
    // rest) may hold the history over its limit for a while.
    const openRecords = history.filter((record) => !isTerminal(record.phase));
    const targets = new Set(
      openRecords.flatMap((record) => (record.operationType === 'Revert' && record.revertExecutionRef ? [record.revertExecutionRef] : [])),
    );
    const current = status?.currentExecution?.uid;
    const held =
      openRecords.length +
      history.filter(
        (record) =>
          isTerminal(record.phase) && ((record.operationType === 'Execute' && targets.has(record.name)) || record.uid === current),
      ).length;
    if (history.length > Math.max(this.historyLimit, held)) {
      problems.push(`history has ${history.length} records, limit ${this.historyLimit}, ${held} held: ${show}`);
    }

    const uids = history.map(uidOf);
    if (new Set(uids).size !== uids.length) problems.push(`duplicate uids: ${show}`);

    for (const uid of uids) if (this.#trimmed.has(uid)) problems.push(`record ${uid} came back after it was trimmed: ${show}`);

    // New records, in list order, are newer than every record seen before (and than the ones after them).
    for (const record of [...history].reverse()) {
      if (!this.#firstSeen.has(uidOf(record))) this.#firstSeen.set(uidOf(record), ++this.#counter);
    }
    const ranks = history.map((record) => this.#firstSeen.get(uidOf(record)) ?? 0);
    if (ranks.some((rank, index) => index > 0 && rank >= (ranks[index - 1] ?? 0))) {
      problems.push(`not newest first (first-seen order ${ranks.join(',')}): ${show}`);
    }

    for (const record of history) {
      const before = this.#final.get(uidOf(record));
      const now: Final = { phase: record.phase, completionTime: record.completionTime, message: record.message };
      if (before !== undefined && JSON.stringify(before) !== JSON.stringify(now)) {
        problems.push(`terminal record ${record.name} changed from ${JSON.stringify(before)} to ${JSON.stringify(now)}`);
      }
      if (before === undefined && isTerminal(record.phase)) this.#final.set(uidOf(record), now);
    }

    const live = new Map(executions(harness).map((e) => [e.metadata.uid ?? '', e]));
    for (const record of history) {
      if (!isTerminal(record.phase) && !live.has(uidOf(record))) {
        problems.push(`record ${record.name} is ${record.phase} but its execution is gone: ${show}`);
      }
    }

    // The other direction: once settled, a queued or running execution is in the
    // ledger, and an execution whose record is terminal shows that same phase.
    for (const [uid, execution] of live) {
      const phase = (execution.status as { phase?: string } | undefined)?.phase;
      const record = history.find((candidate) => candidate.uid === uid);
      if ((phase === 'Pending' || phase === 'Running') && uid !== current && (record === undefined || isTerminal(record.phase))) {
        problems.push(
          `execution ${execution.metadata.name} is ${phase} but the plan has ${record ? `a ${record.phase} record` : 'no record'} for it: ${show}`,
        );
      }
      if (record !== undefined && isTerminal(record.phase) && phase !== record.phase) {
        problems.push(`execution ${execution.metadata.name} is ${phase ?? 'without phase'} but its record is ${record.phase}: ${show}`);
      }
    }

    for (const uid of this.#present) if (!uids.includes(uid)) this.#trimmed.add(uid);
    this.#present.clear();
    for (const uid of uids) this.#present.add(uid);
    return problems;
  }
}

/**
 * The lock's guarantee at every instant, not only once settled: no store state in which Jobs
 * of two executions are both unfinished (a Job exists from its creation until it finishes or
 * is deleted, and may run any time in between). Watches the store from now on.
 */
export class RunOverlap {
  readonly problems: string[] = [];
  readonly #owners = new Map<string, string>();
  readonly #stop: () => void;

  constructor(harness: ContractHarness, describeMoment: () => string) {
    for (const job of harness.list('Job', NAMESPACE)) this.#see(job.metadata.name, job);
    this.#stop = harness.watch(({ before, after }) => {
      const job = after ?? before;
      if (job?.kind !== 'Job') return;
      this.#see(job.metadata.name, after);
      const runs = new Set(this.#owners.values());
      if (runs.size > 1 && this.problems.length < 3) {
        const jobs = [...this.#owners].map(([name, owner]) => `${name} (${owner})`).join(', ');
        this.problems.push(`Jobs of ${runs.size} executions active at once: ${jobs}, ${describeMoment()}`);
      }
    });
  }

  stop(): void {
    this.#stop();
  }

  #see(name: string, job: KubeObject | undefined): void {
    if (job === undefined || isFinished(job) || job.metadata.deletionTimestamp !== undefined) this.#owners.delete(name);
    else this.#owners.set(name, job.metadata.labels?.[LABEL_EXECUTION] ?? '?');
  }
}

const STATE_KINDS = ['DRWorkflow', 'DRPlan', 'DRPlanExecution', 'Job', 'ConfigMap'];

/** Every object the hooks decide about, as JSON, to tell whether a round of syncs changed any. */
export function snapshot(harness: ContractHarness): string {
  return JSON.stringify(STATE_KINDS.map((kind) => harness.list(kind)));
}
