import type { ExecutionRecord } from '../plan/schema.js';

/**
 * The fields each side of the plan/execution handshake reads of the other, written once.
 * The plan's ledger is the source of truth; an execution finds itself in it by uid, or by
 * name in a record an older controller wrote without uid.
 */

interface Identity {
  metadata: { name: string; uid?: string | undefined };
}

export function recordOf(history: readonly ExecutionRecord[] | undefined, execution: Identity): ExecutionRecord | undefined {
  if (history === undefined) return undefined;
  const uid = execution.metadata.uid;
  return history.find((record) => (record.uid ? record.uid === uid : record.name === execution.metadata.name));
}
