import type { DRPlanExecution } from '../../api/execution.js';
import { formatTime } from '../../k8s/time.js';
import { detailsOf, durationOf, nodesOf, progressOf, treeOf, type TreeNode } from '../tree.js';
import type { View } from './view.js';

/**
 * One line per change of any step's phase, never rewritten: readable in CI logs and through
 * `| tee`. Each line says when (the local clock, UTC), how far the run is, and what changed.
 */
export class PlainView implements View {
  readonly #write: (text: string) => void;
  readonly #seen = new Map<string, string>();

  constructor(write: (text: string) => void) {
    this.#write = write;
  }

  update(execution: DRPlanExecution, now: number): void {
    const tree = treeOf(execution);
    const progress = progressOf(tree);
    const namespace = execution.metadata.namespace ?? '';
    for (const node of nodesOf(tree)) {
      const key = `${node.kind}:${node.path}`;
      if (this.#seen.get(key) === node.phase) continue;
      this.#seen.set(key, node.phase);
      const time = formatTime(new Date(now)).slice(11, 19);
      this.#write(
        `${time} [${progress.done}/${progress.total}] ${subject(node, namespace, execution.metadata.name)} ${node.phase}${tail(node, now)}\n`,
      );
    }
  }

  tick(): void {}

  close(): void {}
}

function subject(node: TreeNode, namespace: string, name: string): string {
  return node.kind === 'execution' ? `execution ${namespace}/${name}` : `${node.kind} ${node.path}`;
}

function tail(node: TreeNode, now: number): string {
  const ended = node.phase !== 'Running' && node.phase !== 'Pending';
  const duration = ended ? durationOf(node, now) : '';
  const details = detailsOf(node);
  return `${duration === '' ? '' : ` after ${duration}`}${details === '' ? '' : `: ${details}`}`;
}
