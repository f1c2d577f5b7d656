import fc from 'fast-check';
import { describe, it } from 'vitest';
import type { ContractHarness } from '../../src/harness/index.js';
import { isTerminal } from '../../src/execution/schema.js';
import type { ExecutionRecord } from '../../src/plan/schema.js';
import { getPlan } from '../fixtures/dr.js';
import { Driver, executions, opArb, setupArb, startPlan, type Op, type Setup } from './drive.js';
import { runs, timeout } from './model.js';

/**
 * SPEC §5 "History", under random sequences of user and kubelet events through the contract
 * harness: after every settled step the ledger is bounded, keyed by uid, newest first, its
 * terminal records are final, a trimmed record never returns, no record stays open without
 * its execution, and no queued or running execution is missing from the ledger.
 */

interface Final {
  phase: string;
  completionTime: string | undefined;
  message: string | undefined;
}

/** What the checker remembers between steps. */
class Ledger {
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

    if (harness.errors.length > 0) problems.push(`hook errors: ${JSON.stringify(harness.errors)}`);

    // Open records, and the targets of open Reverts (their outcome is still to be read), may
    // hold the history over its limit for a while.
    const openRecords = history.filter((record) => !isTerminal(record.phase));
    const targets = new Set(openRecords.flatMap((record) => (record.operationType === 'Revert' && record.revertExecutionRef ? [record.revertExecutionRef] : [])));
    const held = openRecords.length + history.filter((record) => record.operationType === 'Execute' && isTerminal(record.phase) && targets.has(record.name)).length;
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

    // The other direction (SPEC §4.3, §5): once settled, a queued or running execution is in the
    // ledger, and an execution whose record is terminal shows that same phase.
    const current = status?.currentExecution?.uid;
    for (const [uid, execution] of live) {
      const phase = (execution.status as { phase?: string } | undefined)?.phase;
      const record = history.find((candidate) => candidate.uid === uid);
      if ((phase === 'Pending' || phase === 'Running') && uid !== current && (record === undefined || isTerminal(record.phase))) {
        problems.push(`execution ${execution.metadata.name} is ${phase} but the plan has ${record ? `a ${record.phase} record` : 'no record'} for it: ${show}`);
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
 * Found by this property, kept as a fixed example: with historyLimit 1, the queued one of two
 * Executes created together is cancelled; its Cancelled record is trimmed in the same sync, the
 * execution never sees it and stays Pending; when the running one ends, the cancelled record
 * comes back (new completionTime) and the just-finished current record is trimmed instead.
 */
const regressions: [Setup, Op[]][] = [
  [{ stages: [1], historyLimit: 1 }, [{ op: 'execute', count: 2 }, { op: 'cancel', pick: 1 }, { op: 'complete', pick: 0 }]],
];

describe('the plan history ledger (SPEC §5)', () => {
  it('stays bounded, unique, newest first, final once terminal, never resurrected, never orphaned, complete', async () => {
    await fc.assert(
      fc.asyncProperty(setupArb, fc.array(opArb, { minLength: 1, maxLength: 12 }), async (setup, ops) => {
        const cluster = await startPlan(setup);
        try {
          const driver = new Driver(cluster.harness);
          const ledger = new Ledger(setup.historyLimit);
          const done: string[] = [];
          for (const op of ops) {
            done.push(await driver.perform(op));
            await cluster.harness.settle();
            const problems = ledger.check(cluster.harness);
            if (problems.length > 0) throw new Error(`after [${done.join('; ')}]:\n  ${problems.join('\n  ')}`);
          }
        } finally {
          await cluster.close();
        }
      }),
      { numRuns: runs(50), examples: regressions },
    );
  }, timeout(120_000));
});
