import type { DRPlanExecution } from '../../api/execution.js';
import { detailsOf, durationOf, progressOf, treeOf, type TreeNode } from '../tree.js';
import { table } from './table.js';

const ICONS: Readonly<Record<string, string>> = {
  Succeeded: '✔',
  Failed: '✖',
  Running: '●',
  Pending: '○',
  Skipped: '-',
  Cancelled: '⊘',
};

export interface TreeLine {
  text: string;
  /** A running action: the live view highlights it, so the eye finds what the run waits on. */
  running: boolean;
}

/** The header and the tree of an execution, like `argo get`: one line per stage, workflow and action. */
export function treeLines(execution: DRPlanExecution, now: number): TreeLine[] {
  const tree = treeOf(execution);
  const progress = progressOf(tree);
  const elapsed = durationOf(tree, now);
  const header = [
    `Execution ${execution.metadata.namespace ?? ''}/${execution.metadata.name}: ${execution.spec.operationType} of plan ${execution.spec.planRef}`,
    `Phase ${tree.phase}   Progress ${progress.done}/${progress.total} actions${elapsed === '' ? '' : `   Elapsed ${elapsed}`}`,
    ...(tree.message ? [`Message ${tree.message}`] : []),
  ];
  const lines: TreeLine[] = header.map((text) => ({ text, running: false }));
  if (tree.children.length === 0) return lines;
  const steps = rowsOf(tree.children, '', now);
  const text = table([['STEP', 'PHASE', 'DURATION', 'DETAILS'], ...steps.map((step) => step.cells)]);
  lines.push({ text: '', running: false });
  text.forEach((line, index) => lines.push({ text: line, running: steps[index - 1]?.running ?? false }));
  return lines;
}

interface Row {
  cells: string[];
  running: boolean;
}

function rowsOf(nodes: readonly TreeNode[], indent: string, now: number): Row[] {
  return nodes.flatMap((node, index) => {
    const last = index === nodes.length - 1;
    const row: Row = {
      cells: [`${indent}${last ? '└─' : '├─'}${ICONS[node.phase] ?? '?'} ${node.name}`, node.phase, durationOf(node, now), detailsOf(node)],
      running: node.kind === 'action' && node.phase === 'Running',
    };
    return [row, ...rowsOf(node.children, `${indent}${last ? '  ' : '│ '}`, now)];
  });
}
