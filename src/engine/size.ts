import { canonicalJson } from '../k8s/json.js';
import type { RunStage } from '../api/run.js';

/**
 * How much of the plan's status one run may take. The status must stay under 1 MiB (etcd
 * refuses objects over about 1.5 MiB, and a refused status stops the ledger); what is left
 * holds the history (records with messages of at most 1 KiB) and the conditions (32 KiB each).
 */
export const RUN_BUDGET_BYTES = 880 * 1024;

/**
 * What running adds to a stage, workflow or action once it has been snapshotted: start and
 * completion times, a Job name and reference, a reason, and a message at its cap.
 */
const STEP_GROWTH_BYTES = 720;

/** Steps (stages, workflows and actions) a run may have at all, however small each one is. */
export const MAX_RUN_STEPS = Math.floor(RUN_BUDGET_BYTES / STEP_GROWTH_BYTES);

/** The bytes a value takes as JSON. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(canonicalJson(value));
}

/**
 * Why a run of `steps` steps whose snapshot takes about `bytes` cannot be recorded in the plan's
 * status, counting what each step will add while it runs; undefined when it fits.
 */
export function runTooLarge(steps: number, bytes: number): string | undefined {
  if (steps > MAX_RUN_STEPS) {
    return `the run would have ${steps} stages, workflows and actions; at most ${MAX_RUN_STEPS} fit in the plan's status`;
  }
  const total = bytes + steps * STEP_GROWTH_BYTES;
  if (total <= RUN_BUDGET_BYTES) return undefined;
  return `the run would take about ${Math.ceil(total / 1024)} KiB of the plan's status, more than the ${RUN_BUDGET_BYTES / 1024} KiB it may use: use fewer actions, smaller Job templates or shorter parameter values`;
}

/** `runTooLarge` of the snapshot itself, once it has been rendered. */
export function tooLargeToRecord(stages: readonly RunStage[]): string | undefined {
  const steps = stages.reduce(
    (sum, stage) => sum + 1 + stage.workflows.reduce((inner, workflow) => inner + 1 + workflow.actions.length, 0),
    0,
  );
  return runTooLarge(steps, jsonBytes(stages));
}
