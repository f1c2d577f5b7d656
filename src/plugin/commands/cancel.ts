import { isTerminal } from '../../api/execution.js';
import { ANNOTATION_CANCEL } from '../../k8s/labels.js';
import { InputError } from '../../cli/input-error.js';
import { EXIT, type ExitCode } from '../exit.js';
import { formatObject } from '../views/objects.js';
import type { CommandContext } from './context.js';

/** `cancel EXECUTION`: the cancel annotation; the plan stops the run at its next sync. */
export async function runCancel({ client, io, invocation }: CommandContext): Promise<ExitCode> {
  const [name = ''] = invocation.names;
  const execution = await client.getExecution(name);
  if (execution === undefined) throw new InputError(`execution ${client.namespace}/${name} not found`);
  const phase = execution.status?.phase;
  if (isTerminal(phase)) throw new InputError(`execution ${client.namespace}/${name} already ended ${phase}: nothing to cancel`);
  const patched = await client.requestCancel(name);
  if (invocation.output !== undefined) io.stdout.write(formatObject(patched, invocation.output));
  else io.stdout.write(`${name}: cancel requested (${ANNOTATION_CANCEL}=true); running Jobs are deleted, finished actions stay\n`);
  return EXIT.succeeded;
}
