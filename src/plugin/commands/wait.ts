import type { ExitCode } from '../exit.js';
import { follow } from '../follow.js';
import { reportOutcome } from '../outcome.js';
import { LiveView } from '../views/live.js';
import { formatObject } from '../views/objects.js';
import { PlainView } from '../views/plain.js';
import { silentView, type View } from '../views/view.js';
import type { CommandContext } from './context.js';

/** Follows an execution in the view that suits the output, and turns how it ended into the exit code. */
export async function followExecution(context: CommandContext, name: string): Promise<ExitCode> {
  const { io, client, invocation } = context;
  const view = viewFor(context);
  const outcome = await follow(client, name, view, { clock: io.clock, signal: io.signal, timeoutMs: invocation.timeoutMs });
  if (invocation.output !== undefined && outcome.execution !== undefined)
    io.stdout.write(formatObject(outcome.execution, invocation.output));
  return reportOutcome(outcome, name, client.namespace, invocation.timeoutMs, io.stderr);
}

function viewFor({ io, invocation }: CommandContext): View {
  if (invocation.output !== undefined) return silentView;
  if (io.stdout.isTTY) return new LiveView(io.stdout);
  return new PlainView((text) => io.stdout.write(text));
}
