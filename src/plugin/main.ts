import { InputError } from '../cli/input-error.js';
import type { DrClient } from './client.js';
import { runCancel } from './commands/cancel.js';
import type { CommandContext } from './commands/context.js';
import { runExecute, runRevert } from './commands/create.js';
import { runHistory, runStatus } from './commands/status.js';
import { runWatch } from './commands/watch.js';
import { EXIT, type ExitCode } from './exit.js';
import type { PluginIO } from './io.js';
import { parseCommandLine, USAGE, type Command, type Connection } from './options.js';

const COMMANDS: Record<Command, (context: CommandContext) => Promise<ExitCode>> = {
  execute: runExecute,
  revert: runRevert,
  cancel: runCancel,
  status: runStatus,
  history: runHistory,
  watch: runWatch,
};

/**
 * `kubectl drplan …`: parses, connects and runs one command. Mistakes on the user's side (bad
 * arguments, a refused request, an API error) are one line on stderr and exit 2; anything else
 * is a bug and is thrown.
 */
export async function runPlugin(
  args: readonly string[],
  io: PluginIO,
  makeClient: (connection: Connection) => Promise<DrClient> = (connection) => connectLazily(connection, io),
): Promise<ExitCode> {
  try {
    const parsed = parseCommandLine(args);
    if (parsed.help) {
      io.stdout.write(`${USAGE}\n`);
      return EXIT.succeeded;
    }
    const client = await makeClient(parsed.connection);
    return await COMMANDS[parsed.command]({ invocation: parsed, client, io });
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    io.stderr(`kubectl drplan: ${error.message}\n`);
    return EXIT.usage;
  }
}

/** Loaded only once a command needs it: the Kubernetes client takes most of the start-up time. */
async function connectLazily(connection: Connection, io: PluginIO): Promise<DrClient> {
  const { connect } = await import('./client.js');
  return connect(connection, io.env);
}
