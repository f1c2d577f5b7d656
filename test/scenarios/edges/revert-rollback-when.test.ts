import { describe, expect, it } from 'vitest';
import { advanceRun } from '../../../src/engine/advance.js';
import { snapshotRevert } from '../../../src/engine/revert.js';
import { executedTarget, execution, jobAction, NAMESPACE, plan, T0 } from '../../fixtures/objects.js';
import { validateWorkflowSpec } from '../../../src/workflow/validate.js';

/**
 * "a Revert forces mode=rollback"; "`when` follows the upstream grammar: a
 * non-matching action is Skipped". A custom rollback is itself an Action (§6.5) and workflow
 * validation parses its `when` (validateRollback → validateAction). Under a Revert
 * (mode=rollback) a rollback whose `when` does not match must be Skipped, not run.
 */
describe('`when` on a custom rollback under a Revert', () => {
  const undo = jobAction('undo-a');
  const rollback = { type: 'Job', when: 'mode == "install"', job: undo.job };

  it('the rollback is Skipped because mode=rollback does not match', () => {
    // Validation accepts (and parses) the rollback's when, so the workflow is Ready.
    expect(validateWorkflowSpec({ actions: [jobAction('a', { rollback })] }).errors).toEqual([]);
    const target = executedTarget('exec', [
      {
        name: 'a',
        phase: 'Succeeded',
        type: 'Job',
        rollback,
        outputs: { jobRef: { kind: 'Job', apiVersion: 'batch/v1', namespace: NAMESPACE, name: 'exec-a-1' } },
      },
    ]);
    const revert = execution('undo', { operationType: 'Revert', revertExecutionRef: 'exec' });
    const run = advanceRun(
      snapshotRevert({ plan: plan('plan'), execution: revert, target, at: T0 }),
      { jobs: new Map(), namespace: NAMESPACE },
      new Date(T0),
    );
    const action = run.stages[0]?.workflows[0]?.actions[0];
    expect(action?.phase).toBe('Skipped');
  });
});
