import { findCondition } from '../../k8s/conditions.js';
import type { DRPlan } from '../../api/plan.js';
import { InputError } from '../../cli/input-error.js';
import { EXIT, type ExitCode } from '../exit.js';
import { historyLines } from '../views/history.js';
import { formatObject } from '../views/objects.js';
import { treeLines } from '../views/tree-text.js';
import type { CommandContext } from './context.js';

/**
 * `status NAME`: an execution's tree; for a plan, its phase and ledger pointers, then the tree of
 * its current run, or else of its last successful one.
 */
export async function runStatus({ client, io, invocation }: CommandContext): Promise<ExitCode> {
  const [name = ''] = invocation.names;
  const execution = await client.getExecution(name);
  const plan = execution === undefined ? await client.getPlan(name) : undefined;
  if (execution === undefined && plan === undefined)
    throw new InputError(`no execution or plan named ${name} in namespace ${client.namespace}`);
  if (invocation.output !== undefined) {
    io.stdout.write(formatObject(execution ?? plan, invocation.output));
    return EXIT.succeeded;
  }
  const write = (lines: readonly string[]) => io.stdout.write(lines.map((line) => `${line}\n`).join(''));
  if (plan !== undefined) {
    write(planLines(plan));
    const shown = plan.status?.currentExecution?.name ?? plan.status?.lastExecutionRef;
    const run = shown === undefined ? undefined : await client.getExecution(shown);
    if (run !== undefined) write(['', ...treeLines(run, io.clock.now()).map((line) => line.text)]);
    return EXIT.succeeded;
  }
  if (execution !== undefined) write(treeLines(execution, io.clock.now()).map((line) => line.text));
  return EXIT.succeeded;
}

function planLines(plan: DRPlan): string[] {
  const status = plan.status;
  const ready = findCondition(status?.conditions, 'Ready');
  const current = status?.currentExecution;
  return [
    `Plan ${plan.metadata.namespace ?? ''}/${plan.metadata.name}: ${status?.phase ?? 'not validated yet'}${status?.phase === 'Invalid' && ready?.message ? ` — ${ready.message}` : ''}`,
    `Current ${current === undefined ? 'none' : current.name}   Last ${status?.lastExecutionRef ?? 'none'}${status?.lastExecutionTime ? ` at ${status.lastExecutionTime}` : ''}`,
  ];
}

/** `history PLAN`: the ledger as a table. */
export async function runHistory({ client, io, invocation }: CommandContext): Promise<ExitCode> {
  const [name = ''] = invocation.names;
  const plan = await client.getPlan(name);
  if (plan === undefined) throw new InputError(`plan ${client.namespace}/${name} not found`);
  if (invocation.output !== undefined) io.stdout.write(formatObject(plan.status?.executionHistory ?? [], invocation.output));
  else
    io.stdout.write(
      historyLines(plan)
        .map((line) => `${line}\n`)
        .join(''),
    );
  return EXIT.succeeded;
}
