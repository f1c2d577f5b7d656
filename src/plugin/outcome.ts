import type { DRPlanExecution } from '../api/execution.js';
import { formatDuration } from '../k8s/time.js';
import { EXIT, type ExitCode } from './exit.js';
import type { Outcome } from './follow.js';
import { failedAction, treeOf } from './tree.js';

/** The exit code of a followed execution, with the line on stderr that says what to do next. */
export function reportOutcome(
  outcome: Outcome,
  name: string,
  namespace: string,
  timeoutMs: number | undefined,
  stderr: (text: string) => void,
): ExitCode {
  const ref = `${name} -n ${namespace}`;
  switch (outcome.kind) {
    case 'ended': {
      const phase = outcome.execution.status?.phase;
      if (phase === 'Succeeded') return EXIT.succeeded;
      stderr(`kubectl drplan: ${namespace}/${name} ${phase ?? 'ended'}: ${whyEnded(outcome.execution)}\n`);
      return EXIT.failed;
    }
    case 'deleted':
      stderr(`kubectl drplan: ${namespace}/${name} was deleted while it was being followed\n`);
      return EXIT.failed;
    case 'timeout':
      stderr(
        `kubectl drplan: timed out after ${formatDuration(timeoutMs ?? 0)} waiting for ${namespace}/${name} (${phaseOf(outcome.execution)}); it keeps running: ` +
          `follow it with kubectl drplan watch ${ref}, stop it with kubectl drplan cancel ${ref}\n`,
      );
      return EXIT.timeout;
    case 'interrupted':
      stderr(
        `kubectl drplan: stopped following ${namespace}/${name} (${phaseOf(outcome.execution)}); it keeps running. To cancel it: kubectl drplan cancel ${ref}\n`,
      );
      return EXIT.interrupted;
  }
}

function phaseOf(execution: DRPlanExecution | undefined): string {
  return execution?.status?.phase ?? 'not started';
}

/** The failing action's own message first: it is what names the Job or endpoint to look at. */
function whyEnded(execution: DRPlanExecution): string {
  const action = failedAction(treeOf(execution));
  if (action !== undefined) return `action ${action.path} failed: ${action.message ?? 'no message'}`;
  return execution.status?.message ?? 'no message';
}
