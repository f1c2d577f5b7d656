import { isRecord } from './json.js';
import { UPSTREAM_CANCELLED } from './schema.js';

/**
 * Reading what the Go `bcs-drplan-controller` wrote. Since March 2026 it spells the cancelled
 * phase `Canceled`, on executions, history records, stages, workflows and actions alike; this
 * project documents and writes `Cancelled`. The CRDs admit both, and every object is read
 * through here, so no other code ever sees the other spelling.
 *
 * Takes a whole object or a bare status and returns it with the phases renamed, or the very same
 * value when there is nothing to rename (it is called on every read that fails the schema, so it
 * copies only what it changes). The walk follows the known status lists, never recursing into
 * user data.
 */
export function readUpstream(value: unknown): unknown {
  if (!isRecord(value)) return value;
  if (isRecord(value['status'])) return withField(value, 'status', readStatus(value['status']));
  return readStatus(value);
}

function readStatus(status: Record<string, unknown>): Record<string, unknown> {
  let out = renamePhase(status);
  out = withField(out, 'executionHistory', mapList(out['executionHistory'], renamePhase));
  out = withField(out, 'stageStatuses', mapList(out['stageStatuses'], readStage));
  return out;
}

function readStage(stage: Record<string, unknown>): Record<string, unknown> {
  return withField(renamePhase(stage), 'workflowExecutions', mapList(stage['workflowExecutions'], readWorkflow));
}

function readWorkflow(workflow: Record<string, unknown>): Record<string, unknown> {
  return withField(renamePhase(workflow), 'actionStatuses', mapList(workflow['actionStatuses'], renamePhase));
}

function renamePhase(step: Record<string, unknown>): Record<string, unknown> {
  return step['phase'] === UPSTREAM_CANCELLED ? { ...step, phase: 'Cancelled' } : step;
}

/** `list` with `read` applied to its objects; the same array when nothing changed. */
function mapList(input: unknown, read: (item: Record<string, unknown>) => Record<string, unknown>): unknown {
  if (!Array.isArray(input)) return input;
  const list: readonly unknown[] = input;
  let out: unknown[] | undefined;
  list.forEach((item: unknown, index) => {
    const next = isRecord(item) ? read(item) : item;
    if (next === item) return;
    out ??= [...list];
    out[index] = next;
  });
  return out ?? list;
}

function withField(object: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  return object[key] === value ? object : { ...object, [key]: value };
}
