import { InputError } from '../../cli/input-error.js';
import type { ExitCode } from '../exit.js';
import type { CommandContext } from './context.js';
import { followExecution } from './wait.js';

/** `watch EXECUTION`: follows it to its end; the exit code tells how it ended. */
export async function runWatch(context: CommandContext): Promise<ExitCode> {
  const [name = ''] = context.invocation.names;
  if ((await context.client.getExecution(name)) === undefined)
    throw new InputError(`execution ${context.client.namespace}/${name} not found`);
  return followExecution(context, name);
}
