import type { RunnerDefaults } from '../engine/runner.js';
import type { Run } from '../api/run.js';
import type { DRPlanExecution } from '../api/execution.js';
import type { KubeObject } from '../k8s/metacontroller.js';
import type { DRWorkflow } from '../api/workflow.js';
import type { DRPlan, ExecutionRecord, ExecutionReference } from '../api/plan.js';
import type { Unreadable } from './unreadable.js';

/** What one plan sync observed: the plan and the objects related to it or owned by it. */
export interface Observed {
  plan: DRPlan;
  executions: DRPlanExecution[];
  workflows: Map<string, DRWorkflow>;
  jobs: Map<string, KubeObject>;
  pods: Map<string, KubeObject[]>;
  runner: RunnerDefaults;
  /** Executions of the plan that fail their schema: alive, but not readable. */
  unreadable: Unreadable;
}

/** The working copy of the ledger that one sync moves forward. */
export interface Ledger {
  history: ExecutionRecord[];
  current?: ExecutionReference | undefined;
  run?: Run | undefined;
  lastExecutionRef?: string | undefined;
  lastExecutionTime?: string | undefined;
  executed: boolean;
  /** The revision of the lock the status was written with. */
  lockRevision: number;
  notes: string[];
}
