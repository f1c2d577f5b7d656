import { jobOutcome } from '../engine/jobs.js';
import { isTerminal } from '../api/execution.js';
import { LABEL_EXECUTION, LABEL_PLAN } from '../k8s/labels.js';
import { objectsOfKind, type KubeObject, type ObjectMap } from '../k8s/metacontroller.js';
import { hashedName, labelValue } from '../k8s/names.js';
import { formatTime, parseTime } from '../k8s/time.js';
import type { Ledger, Observed } from './state.js';

/**
 * The plan's lock as a child ConfigMap (docs/design.md, "Release"). Metacontroller writes the
 * plan's status without a version precondition, but updates a child with the resourceVersion it
 * observed: a lock change computed from an old view of the lock fails, so the lock moves one
 * step at a time. The status repeats the highest revision its answers asked for (it never goes
 * back); a run's Jobs start only once a sync has observed the lock naming that run.
 */

export interface PlanLock {
  /** The uid of the execution holding the lock; empty when free. */
  holder: string;
  holderName: string;
  revision: number;
  /** When this revision was written. */
  since: string;
}

/** How long the lock and the status may disagree before the status write is taken as lost. */
export const LOCK_GRACE_SECONDS = 30;

export function lockName(planNamespace: string, planName: string): string {
  return hashedName(['drplan', planName, 'lock'], `${planNamespace}/${planName}`);
}

export function lockConfigMap(plan: { namespace: string; name: string }, lock: PlanLock): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: lockName(plan.namespace, plan.name), namespace: plan.namespace, labels: { [LABEL_PLAN]: labelValue(plan.name) } },
    data: { holder: lock.holder, holderName: lock.holderName, revision: String(lock.revision), since: lock.since },
  };
}

/** The lock as the children show it; undefined when absent or not readable (it is then written anew). */
export function observedLock(children: ObjectMap | undefined, plan: { namespace: string; name: string }): PlanLock | undefined {
  const name = lockName(plan.namespace, plan.name);
  const found = objectsOfKind(children, 'ConfigMap', 'v1').find((configMap) => configMap.metadata.name === name);
  const data = (found as { data?: Record<string, unknown> } | undefined)?.data;
  if (data === undefined) return undefined;
  const { holder, holderName, revision, since } = data;
  const number = Number(revision);
  if (typeof holder !== 'string' || typeof holderName !== 'string' || typeof since !== 'string' || !Number.isSafeInteger(number)) {
    return undefined;
  }
  return { holder, holderName, revision: number, since };
}

/** Past the grace, a disagreement between the lock and the status is no longer a cache that lags. */
export function lockSettled(lock: PlanLock, now: Date): boolean {
  const since = parseTime(lock.since);
  return since === undefined || now.getTime() >= since + LOCK_GRACE_SECONDS * 1000;
}

/**
 * The status's view of who runs against the lock's. A status overwritten by an answer computed
 * from an older view may name another execution than the lock, or none: the lock wins. Its
 * holder becomes current again while it is open (its Jobs have deterministic names, so they are
 * adopted); a holder that has ended or is gone keeps the lock until none of its observed Jobs is
 * active and the grace has passed. Returns the holder that keeps the lock, if any.
 */
export function reconcileHolder(ledger: Ledger, lock: PlanLock | undefined, observed: Observed, now: Date): string | undefined {
  // A lock the status has a revision of but the children do not show yet: elect nobody until it is seen.
  if (lock === undefined) return ledger.lockRevision > 0 && ledger.current === undefined ? '' : undefined;
  if (lock.holder === '' || lock.holder === ledger.current?.uid) return undefined;
  if (stillQueued(ledger, observed, lock.holder)) {
    const displaced = ledger.history.find((candidate) => candidate.uid === ledger.current?.uid);
    if (displaced !== undefined && displaced.phase === 'Running') displaced.phase = 'Pending';
    ledger.notes.push(`${lock.holderName} holds the lock: current again`);
    ledger.current = undefined;
    ledger.run = undefined;
    return lock.holder;
  }
  const active = [...observed.jobs.values()].some(
    (job) => job.metadata.labels?.[LABEL_EXECUTION] === labelValue(lock.holderName) && jobOutcome(job).state === 'active',
  );
  if (active || !lockSettled(lock, now)) {
    ledger.notes.push(`lock still held by ${lock.holderName}`);
    return lock.holder;
  }
  return undefined;
}

/** The holder's execution is alive and unfinished, and its record waits: it can be current again. */
function stillQueued(ledger: Ledger, observed: Observed, uid: string): boolean {
  const execution = observed.executions.find((candidate) => candidate.metadata.uid === uid);
  const record = ledger.history.find((candidate) => candidate.uid === uid);
  return execution !== undefined && !isTerminal(execution.status?.phase) && record?.phase === 'Pending';
}

/**
 * The lock this sync asks for: the same one while its holder stays, else the next revision. A
 * lock not observed yet is asked for at the revision the status has: it is either being
 * created (the create is then refused and swallowed) or gone, and written again as it was.
 */
export function nextLock(lock: PlanLock | undefined, statusRevision: number, holder: { uid: string; name: string }, now: Date): PlanLock {
  if (lock !== undefined && lock.holder === holder.uid) return lock;
  const revision = lock === undefined ? Math.max(statusRevision, 1) : Math.max(lock.revision, statusRevision) + 1;
  return { holder: holder.uid, holderName: holder.name, revision, since: formatTime(now) };
}
