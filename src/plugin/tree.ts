import type { ActionOutputs, ActionStatus, DRPlanExecution, StageStatus, WorkflowExecutionStatus } from '../api/execution.js';
import { formatDuration, parseTime } from '../k8s/time.js';

/** One line of the run: the execution, a stage, a workflow or an action. */
export interface TreeNode {
  kind: 'execution' | 'stage' | 'workflow' | 'action';
  /** Unique within the execution: `stage`, `stage/workflow`, `stage/workflow/action`. */
  path: string;
  name: string;
  phase: string;
  startTime?: string | undefined;
  completionTime?: string | undefined;
  message?: string | undefined;
  /** What the action touched: its Job, HTTP status or object. */
  outputs?: string | undefined;
  children: TreeNode[];
}

export interface Progress {
  done: number;
  total: number;
}

/** The execution's status as a tree: stages → workflows → actions, in the order the run lists them. */
export function treeOf(execution: DRPlanExecution): TreeNode {
  const status = execution.status;
  const op = execution.spec.operationType;
  return {
    kind: 'execution',
    path: '',
    name: `${execution.metadata.name} (${op} of ${execution.spec.planRef})`,
    phase: status?.phase ?? 'Pending',
    startTime: status?.startTime,
    completionTime: status?.completionTime,
    message: status?.message,
    children: (status?.stageStatuses ?? []).map(stageNode),
  };
}

function stageNode(stage: StageStatus): TreeNode {
  return {
    kind: 'stage',
    path: stage.name,
    name: stage.name,
    ...timing(stage),
    children: (stage.workflowExecutions ?? []).map((workflow) => workflowNode(stage.name, workflow)),
  };
}

function workflowNode(stage: string, workflow: WorkflowExecutionStatus): TreeNode {
  const path = `${stage}/${workflow.workflowRef.name}`;
  return {
    kind: 'workflow',
    path,
    name: workflow.workflowRef.name,
    ...timing(workflow),
    children: (workflow.actionStatuses ?? []).map((action) => actionNode(path, action)),
  };
}

function actionNode(workflow: string, action: ActionStatus): TreeNode {
  return {
    kind: 'action',
    path: `${workflow}/${action.name}`,
    name: action.name,
    ...timing(action),
    outputs: outputsText(action.outputs),
    children: [],
  };
}

function timing(step: {
  phase: string;
  startTime?: string;
  completionTime?: string;
  message?: string;
}): Pick<TreeNode, 'phase' | 'startTime' | 'completionTime' | 'message'> {
  return { phase: step.phase, startTime: step.startTime, completionTime: step.completionTime, message: step.message };
}

/** The one thing an SRE looks for first: which Job to `kubectl logs`, what an HTTP call answered, which object changed. */
export function outputsText(outputs: ActionOutputs | undefined): string | undefined {
  if (outputs === undefined) return undefined;
  if (outputs.httpResponse?.statusCode !== undefined) return `HTTP ${outputs.httpResponse.statusCode}`;
  const ref = changedObjectOf(outputs) ?? outputs.jobRef;
  if (ref === undefined) return undefined;
  const kind = ref === outputs.jobRef ? 'Job' : (ref.kind ?? 'object');
  return `${kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name ?? '?'}`;
}

function changedObjectOf(outputs: ActionOutputs): ActionOutputs['resourceRef'] {
  const refs = [
    outputs.resourceRef,
    outputs.localizationRef,
    outputs.subscriptionRef,
    outputs.globalizationRef,
    outputs.helmChartRef,
    outputs.subscriptionRefs?.[0],
  ];
  return refs.find((ref) => ref !== undefined);
}

/** What the outputs and the message say, on one line; the outputs only when the message does not name them already. */
export function detailsOf(node: Pick<TreeNode, 'outputs' | 'message'>): string {
  const message = node.message?.replace(/\s+/g, ' ') ?? '';
  if (node.outputs === undefined || message.includes(node.outputs)) return message;
  return message === '' ? node.outputs : `${node.outputs} — ${message}`;
}

/** Every node, depth first, the root included. */
export function nodesOf(tree: TreeNode): TreeNode[] {
  return [tree, ...tree.children.flatMap(nodesOf)];
}

const FINISHED: ReadonlySet<string> = new Set(['Succeeded', 'Failed', 'Skipped', 'Cancelled']);

export function isFinished(phase: string): boolean {
  return FINISHED.has(phase);
}

/** Actions finished (whatever their outcome) out of all the run's actions. */
export function progressOf(tree: TreeNode): Progress {
  const actions = nodesOf(tree).filter((node) => node.kind === 'action');
  return { done: actions.filter((action) => isFinished(action.phase)).length, total: actions.length };
}

/** How long a step took, or has been running at `now`; empty before it started. */
export function durationOf(node: Pick<TreeNode, 'startTime' | 'completionTime' | 'phase'>, now: number): string {
  const start = parseTime(node.startTime);
  if (start === undefined) return '';
  const end = parseTime(node.completionTime) ?? (isFinished(node.phase) ? undefined : now);
  return end === undefined ? '' : formatDuration(end - start);
}

/** The first failed action, for the one line on stderr that says what to look at. */
export function failedAction(tree: TreeNode): TreeNode | undefined {
  return nodesOf(tree).find((node) => node.kind === 'action' && node.phase === 'Failed');
}
