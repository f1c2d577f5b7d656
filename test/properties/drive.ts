import fc from 'fast-check';
import type { ContractHarness, KubeObject, Schedule } from '../../src/harness/index.js';
import { ANNOTATION_CANCEL } from '../../src/k8s/labels.js';
import { startCluster, type Cluster } from '../fixtures/cluster.js';
import { apply } from '../fixtures/dr.js';
import { execution, jobAction, NAMESPACE, plan, stage, workflow } from '../fixtures/objects.js';

/**
 * Random user and kubelet events for the harness-level properties. Indices are resolved
 * modulo what exists at the time, so every generated sequence is valid and shrinks well.
 */

export type Op =
  | { op: 'execute'; count: 1 | 2 }
  | { op: 'revert' }
  | { op: 'delete'; pick: number }
  | { op: 'forceDelete'; pick: number }
  | { op: 'cancel'; pick: number }
  | { op: 'complete'; pick: number }
  | { op: 'fail'; pick: number }
  | { op: 'advance'; seconds: number };

const pick = fc.nat({ max: 11 });

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  // Two at once: created in the same instant, before any hook ran.
  { arbitrary: fc.record({ op: fc.constant('execute' as const), count: fc.constantFrom(1 as const, 2 as const, 2 as const) }), weight: 3 },
  { arbitrary: fc.constant({ op: 'revert' as const }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('delete' as const), pick }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('forceDelete' as const), pick }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('cancel' as const), pick }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('complete' as const), pick }), weight: 3 },
  { arbitrary: fc.record({ op: fc.constant('fail' as const), pick }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('advance' as const), seconds: fc.integer({ min: 1, max: 400 }) }), weight: 2 },
);

export interface Setup {
  /** Actions per stage; one workflow per stage. */
  stages: number[];
  historyLimit: number;
}

export const setupArb: fc.Arbitrary<Setup> = fc.record({
  stages: fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 1, maxLength: 3 }),
  // Small limits trim more often, where the ledger's corner cases are.
  historyLimit: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 2 }), weight: 2 }, fc.integer({ min: 1, max: 5 })),
});

/**
 * A cluster where every Job runs until an op completes or fails it (or its deadline passes);
 * with a schedule, Metacontroller runs as it really does.
 */
export async function startPlan(setup: Setup, schedule?: Schedule): Promise<Cluster> {
  const cluster = await startCluster({ kubelet: () => ({ outcome: 'hold' }), ...(schedule ? { schedule } : {}) });
  const { harness } = cluster;
  setup.stages.forEach((actions, index) => {
    apply(harness, workflow(`wf-${index}`, { actions: Array.from({ length: actions }, (_, n) => jobAction(`s${index}-a${n}`)) }));
  });
  apply(
    harness,
    plan('plan', {
      stages: setup.stages.map((_, index) => stage(`stage-${index}`, [`wf-${index}`])),
      historyLimit: setup.historyLimit,
    }),
  );
  await harness.settle();
  return cluster;
}

export function isFinished(job: KubeObject): boolean {
  const conditions = (job.status as { conditions?: { type?: string; status?: string }[] } | undefined)?.conditions ?? [];
  return conditions.some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

export function executions(harness: ContractHarness): KubeObject[] {
  return harness.list('DRPlanExecution', NAMESPACE);
}

function runningJobs(harness: ContractHarness): KubeObject[] {
  return harness.list('Job', NAMESPACE).filter((job) => !isFinished(job) && job.metadata.deletionTimestamp === undefined);
}

function choose<T>(items: readonly T[], index: number): T | undefined {
  return items.length === 0 ? undefined : items[index % items.length];
}

/** Drives one event without settling; returns what it did, for failure messages. */
export class Driver {
  #created = 0;
  constructor(readonly harness: ContractHarness) {}

  async perform(op: Op): Promise<string> {
    const h = this.harness;
    switch (op.op) {
      case 'execute':
      case 'revert': {
        const names: string[] = [];
        for (let n = 0; n < (op.op === 'execute' ? op.count : 1); n++) {
          this.#created += 1;
          const name = `e${String(this.#created).padStart(2, '0')}`;
          apply(h, execution(name, op.op === 'revert' ? { operationType: 'Revert' } : {}));
          names.push(name);
        }
        return `${op.op} ${names.join(',')}`;
      }
      case 'delete':
      case 'forceDelete':
      case 'cancel': {
        const target = choose(executions(h), op.pick);
        if (target === undefined) return `${op.op}: no execution`;
        const name = target.metadata.name;
        if (op.op === 'delete') h.delete('DRPlanExecution', NAMESPACE, name);
        else if (op.op === 'forceDelete') h.forceDelete('DRPlanExecution', NAMESPACE, name);
        else h.annotate('DRPlanExecution', NAMESPACE, name, { [ANNOTATION_CANCEL]: 'true' });
        return `${op.op} ${name}`;
      }
      case 'complete':
      case 'fail': {
        const job = choose(runningJobs(h), op.pick);
        if (job === undefined) return `${op.op}: no running Job`;
        if (op.op === 'complete') h.kubelet.complete(NAMESPACE, job.metadata.name);
        else h.kubelet.fail(NAMESPACE, job.metadata.name, 'boom');
        return `${op.op} Job ${job.metadata.name}`;
      }
      case 'advance':
        await h.advance(op.seconds);
        return `advance ${op.seconds}s`;
    }
  }
}
