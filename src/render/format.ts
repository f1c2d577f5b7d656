import { stringify } from 'yaml';
import type { KubeObject } from '../harness/index.js';
import type { RenderInput, Sourced } from './load.js';
import { RENDER_START, type ExecutionOutcome, type Rehearsal } from './rehearse.js';
import type { TimelineEntry } from './timeline.js';

export interface Report {
  input: RenderInput;
  fail: readonly string[];
  rehearsal: Rehearsal;
}

export function failedExecutions(rehearsal: Rehearsal): ExecutionOutcome[] {
  return rehearsal.executions.filter((execution) => execution.phase !== 'Succeeded');
}

/** For people: a header, the timeline, the verdict, then the final statuses as YAML documents. */
export function formatText({ input, fail, rehearsal }: Report): string {
  const lines = [
    'drplan-hooks render: a rehearsal with the real hooks in the contract harness (no cluster)',
    `input:   ${input.files.join(', ')}`,
    `objects: ${count(input.workflows, 'DRWorkflow')}, ${count(input.plans, 'DRPlan')}, ${count(input.executions, 'DRPlanExecution')}`,
  ];
  if (input.ignored.length > 0)
    lines.push(`ignored: ${input.ignored.map(({ object }) => ignoredName(object)).join(', ')} (not DR objects)`);
  lines.push(
    `jobs:    ${fail.length === 0 ? 'every Job succeeds' : `the Jobs of ${fail.join(', ')} fail, every other Job succeeds`}`,
    `clock:   fake, +0s = ${startTime()}`,
    '',
  );
  const width = Math.max(...rehearsal.timeline.map((entry) => offset(entry).length), 3);
  for (const entry of rehearsal.timeline) lines.push(`${offset(entry).padStart(width)}  ${'  '.repeat(depth(entry))}${describe(entry)}`);
  lines.push('', ...verdict(rehearsal));
  const documents = rehearsal.statuses.map((status) => stringify(status, { lineWidth: 0 }));
  return `${lines.join('\n')}\n---\n${documents.join('---\n')}`;
}

/** For machines: the same content, with the timeline as data. */
export function formatJson({ input, fail, rehearsal }: Report): string {
  const report = {
    start: startTime(),
    input: input.files,
    fail,
    timeline: rehearsal.timeline,
    succeeded: failedExecutions(rehearsal).length === 0,
    executions: rehearsal.executions,
    statuses: rehearsal.statuses,
  };
  return `${JSON.stringify(report, null, 2)}\n`;
}

function verdict(rehearsal: Rehearsal): string[] {
  const failed = failedExecutions(rehearsal);
  const total = rehearsal.executions.length;
  if (failed.length === 0) return [`result: every execution Succeeded (${total} of ${total})`];
  return [
    `result: ${failed.length} of ${total} execution${total === 1 ? '' : 's'} did not succeed`,
    ...failed.map((execution) => `  ${execution.name} ${execution.phase}: ${execution.message}`),
  ];
}

function describe(entry: TimelineEntry): string {
  const why = entry.message === undefined ? '' : ` — ${entry.message}`;
  switch (entry.kind) {
    case 'plan':
      return `plan ${entry.name}: ${entry.event}${why}`;
    case 'execution':
      return entry.event === 'created'
        ? `execution ${entry.name} created: ${entry.message ?? ''}`
        : `execution ${entry.name}: ${entry.event}${why}`;
    case 'stage':
      return `stage ${entry.name}: ${entry.event}${why}`;
    case 'action':
      return `action ${entry.name}: ${entry.event}${why}`;
    case 'job': {
      // The action is worth naming where the Job comes and goes; its name is hashed when long.
      const action = entry.action !== undefined && entry.event !== 'succeeded' && entry.event !== 'failed' ? ` (${entry.action})` : '';
      return `Job ${entry.name} ${entry.event}${action}${entry.message === undefined ? '' : `: ${entry.message}`}`;
    }
    case 'hook-error':
      return `hook error: ${entry.event} ${entry.name}${why}`;
  }
}

/** Steps inside a run are indented under it; Jobs under their stage. */
function depth(entry: TimelineEntry): number {
  if (entry.kind === 'stage') return 1;
  return entry.kind === 'action' || entry.kind === 'job' ? 2 : 0;
}

/** As the API server writes times, like every timestamp in the statuses below it. */
function startTime(): string {
  return `${RENDER_START.toISOString().slice(0, 19)}Z`;
}

function offset(entry: TimelineEntry): string {
  return `+${entry.at}s`;
}

function count(items: readonly Sourced[], kind: string): string {
  return `${items.length} ${kind}${items.length === 1 ? '' : 's'}`;
}

function ignoredName({ kind, metadata }: KubeObject): string {
  const what = kind || 'object';
  if (metadata.name === '') return what;
  return `${what} ${metadata.namespace === undefined ? '' : `${metadata.namespace}/`}${metadata.name}`;
}
