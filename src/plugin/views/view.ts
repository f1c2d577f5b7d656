import type { DRPlanExecution } from '../../api/execution.js';

/** How a followed execution is shown: each state as it arrives, and a tick each second while waiting. */
export interface View {
  update(execution: DRPlanExecution, now: number): void;
  tick(now: number): void;
  close(): void;
}

/** For -o json|yaml: nothing while following; the command prints the last state at the end. */
export const silentView: View = { update: () => undefined, tick: () => undefined, close: () => undefined };
