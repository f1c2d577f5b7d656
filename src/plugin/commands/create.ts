import { admit } from '../../execution/admission.js';
import type { DRPlanExecution, DRPlanExecutionSpec } from '../../api/execution.js';
import { API_VERSION } from '../../k8s/schema.js';
import { formatTime } from '../../k8s/time.js';
import type { DRPlan } from '../../api/plan.js';
import { InputError } from '../../cli/input-error.js';
import { EXIT, type ExitCode } from '../exit.js';
import { formatObject } from '../views/objects.js';
import type { CommandContext } from './context.js';
import { followExecution } from './wait.js';

/** `execute PLAN`: an Execute with the given params and mode. */
export function runExecute(context: CommandContext): Promise<ExitCode> {
  const { names, params, mode } = context.invocation;
  const planRef = names[0] ?? '';
  return createAndFollow(context, {
    planRef,
    operationType: 'Execute',
    ...(mode !== undefined ? { mode } : {}),
    ...(params.length > 0 ? { params } : {}),
  });
}

/**
 * `revert PLAN [EXECUTION]`: the target is chosen here, by the same admission the hooks run,
 * shown, and written into the new execution, so what runs is what was shown even if another
 * Execute ends meanwhile.
 */
export async function runRevert(context: CommandContext): Promise<ExitCode> {
  const [planRef = '', target] = context.invocation.names;
  const spec: DRPlanExecutionSpec = { planRef, operationType: 'Revert', ...(target !== undefined ? { revertExecutionRef: target } : {}) };
  return createAndFollow(context, spec);
}

async function createAndFollow(context: CommandContext, spec: DRPlanExecutionSpec): Promise<ExitCode> {
  const { client, io, invocation } = context;
  const plan = await client.getPlan(spec.planRef);
  if (plan === undefined) throw new InputError(`refused: plan ${client.namespace}/${spec.planRef} not found`);
  const revertTarget = checkAdmission(plan, spec, io.clock.now());
  const request = revertTarget === undefined ? spec : { ...spec, revertExecutionRef: revertTarget };
  if (request.operationType === 'Revert') {
    io.stderr(
      `reverting ${client.namespace}/${request.revertExecutionRef ?? '?'}${revertTarget !== undefined ? `, the newest finished Execute of plan ${spec.planRef} not reverted yet` : ''}\n`,
    );
  }
  const created = await client.createExecution(request);
  if (invocation.output !== undefined && !invocation.wait) {
    io.stdout.write(formatObject(created, invocation.output));
    return EXIT.succeeded;
  }
  if (invocation.output === undefined) io.stdout.write(`${created.metadata.name}\n`);
  return invocation.wait ? followExecution(context, created.metadata.name) : EXIT.succeeded;
}

/**
 * Refuses what admission would reject, before anything is created; returns the target the
 * hooks would pick for a Revert without one.
 */
function checkAdmission(plan: DRPlan, spec: DRPlanExecutionSpec, now: number): string | undefined {
  const namespace = plan.metadata.namespace ?? '';
  // What admission reads of a new execution: no uid and a creation time of now.
  const candidate: DRPlanExecution = {
    apiVersion: API_VERSION,
    kind: 'DRPlanExecution',
    metadata: { name: '', namespace, creationTimestamp: formatTime(new Date(now)) },
    spec,
  };
  const decision = admit(candidate, plan, new Date(now));
  if (decision.decision === 'reject') throw new InputError(`refused (${decision.reason}): ${decision.message}`);
  return decision.decision === 'admit' ? decision.revertTarget : undefined;
}
