import { describe, expect, it } from 'vitest';
import { jobAction, plan, readyWorkflow } from '../../fixtures/objects.js';
import { startRun } from '../../fixtures/runs.js';
import { validateWorkflowSpec } from '../../../src/workflow/validate.js';

/**
 * Workflow validation vs the run snapshot: a timeout the run engine refuses
 * ("0s" is not a positive duration) is accepted by workflow validation, so the workflow and the
 * plan are Ready and the problem only shows when the failover is started (the run fails at once).
 */
describe('timeout "0s"', () => {
  it('is rejected by the same check in validation and in the snapshot', () => {
    const spec = { actions: [jobAction('a', { timeout: '0s' })] };
    const run = startRun(plan('plan'), [readyWorkflow('wf', spec)]);
    expect(run.phase).toBe('Failed');
    expect(run.message).toContain('is not a positive duration');
    expect(validateWorkflowSpec(spec).errors).not.toEqual([]);
  });
});
