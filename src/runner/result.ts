import { writeFileSync } from 'node:fs';

/** What a runner reports: its result on success, `{message}` on failure; one JSON line. */
export interface HttpResult {
  statusCode: number;
  body: string;
}

export interface ObjectReference {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  uid?: string;
}

export interface ClusterStatus {
  cluster: string;
  clusterID?: string;
  phase: 'Succeeded' | 'Running' | 'Failed';
  message?: string;
}

export interface ResourceResult extends ObjectReference {
  clusterStatuses?: ClusterStatus[];
}

export interface Failure {
  message: string;
}

export type RunnerReport = HttpResult | ResourceResult | Failure;

/** Kubernetes keeps at most 4096 bytes of a termination message; the rest would be cut blindly. */
const MAX_MESSAGE_CHARS = 3000;

export const DEFAULT_TERMINATION_LOG = '/dev/termination-log';

/** An expected failure of the action, reported to the plan; anything else is a runner bug. */
export class ActionFailure extends Error {
  override name = 'ActionFailure';
}

export function failure(message: string): Failure {
  return { message: message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}…` : message };
}

export function writeReport(path: string, report: RunnerReport): void {
  writeFileSync(path, `${JSON.stringify(report)}\n`);
}
