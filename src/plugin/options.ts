import type { DRPlanExecutionSpec } from '../api/execution.js';
import { parseDuration } from '../k8s/time.js';
import { parseFlags } from '../cli/flags.js';
import { InputError } from '../cli/input-error.js';

export const USAGE = `usage: kubectl drplan <command> [flags]

Commands:
  execute PLAN [--param k=v]... [--mode Install|Upgrade|Delete|Rollback] [--wait] [--timeout D]
                 create an Execute of PLAN and print its name; --wait follows it to the end
  revert PLAN [EXECUTION] [--wait] [--timeout D]
                 undo EXECUTION, or the Execute the plan would revert (shown before anything
                 is created)
  cancel EXECUTION
                 ask the plan to cancel a pending or running execution
  status PLAN|EXECUTION
                 the run as a tree: stages, workflows, actions with phase, duration, message
  history PLAN   the plan's execution history; * marks its lastExecutionRef
  watch EXECUTION [--timeout D]
                 follow an execution to its end

Flags:
  -n, --namespace NS     namespace (default: the context's, else "default")
      --context NAME     kubeconfig context
      --kubeconfig FILE  kubeconfig file (default: $KUBECONFIG, else ~/.kube/config)
  -o, --output json|yaml print objects for scripts instead of the views
  -h, --help             this help

While following, a terminal shows the tree redrawn in place; without one, one line per change.
Ctrl-C stops following and never cancels the run.
Exit codes: 0 Succeeded, 1 Failed or Cancelled, 2 usage error or refused request,
3 timeout while waiting, 130 interrupted while waiting.`;

export const COMMANDS = ['execute', 'revert', 'cancel', 'status', 'history', 'watch'] as const;
export type Command = (typeof COMMANDS)[number];

const MODES = ['Install', 'Upgrade', 'Delete', 'Rollback'] as const;

export interface Connection {
  kubeconfig?: string | undefined;
  context?: string | undefined;
  namespace?: string | undefined;
}

export interface Invocation {
  command: Command;
  /** PLAN, EXECUTION, or both for `revert PLAN EXECUTION`. */
  names: string[];
  connection: Connection;
  output: 'json' | 'yaml' | undefined;
  params: NonNullable<DRPlanExecutionSpec['params']>;
  mode: DRPlanExecutionSpec['mode'];
  wait: boolean;
  timeoutMs: number | undefined;
}

export type Parsed = { help: true } | ({ help: false } & Invocation);

const FLAGS = {
  namespace: { type: 'string', short: 'n' },
  context: { type: 'string' },
  kubeconfig: { type: 'string' },
  output: { type: 'string', short: 'o' },
  param: { type: 'string', multiple: true },
  mode: { type: 'string' },
  wait: { type: 'boolean' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Names taken by each command: [fewest, most]. */
const ARITY: Record<Command, [number, number]> = {
  execute: [1, 1],
  revert: [1, 2],
  cancel: [1, 1],
  status: [1, 1],
  history: [1, 1],
  watch: [1, 1],
};

/** Flags that only some commands take; the rest take the connection flags and --output. */
const ONLY: Record<string, readonly Command[]> = {
  param: ['execute'],
  mode: ['execute'],
  wait: ['execute', 'revert'],
  timeout: ['execute', 'revert', 'watch'],
};

export function parseCommandLine(args: readonly string[]): Parsed {
  const { values, positionals } = parseFlags(args, FLAGS, 'kubectl drplan');
  if (values.help === true) return { help: true };
  const [word, ...names] = positionals;
  if (word === undefined) throw new InputError('no command given (see kubectl drplan --help)');
  const command = COMMANDS.find((known) => known === word);
  if (command === undefined) throw new InputError(`unknown command "${word}" (see kubectl drplan --help)`);
  const [fewest, most] = ARITY[command];
  if (names.length < fewest || names.length > most)
    throw new InputError(`${command} takes ${fewest === most ? fewest : `${fewest} or ${most}`} name(s), got ${names.length}`);
  for (const [flag, commands] of Object.entries(ONLY)) {
    if (values[flag as keyof typeof values] !== undefined && !commands.includes(command))
      throw new InputError(`--${flag} does not apply to ${command}`);
  }
  return {
    help: false,
    command,
    names,
    connection: { kubeconfig: values.kubeconfig, context: values.context, namespace: values.namespace },
    output: outputOf(values.output),
    params: (values.param ?? []).map(paramOf),
    mode: modeOf(values.mode),
    wait: values.wait === true,
    timeoutMs: timeoutOf(values.timeout),
  };
}

function outputOf(value: string | undefined): Invocation['output'] {
  if (value === undefined || value === 'json' || value === 'yaml') return value;
  throw new InputError(`--output must be json or yaml, not ${value}`);
}

function paramOf(text: string): { name: string; value: string } {
  const equals = text.indexOf('=');
  if (equals <= 0) throw new InputError(`--param takes name=value, not ${text}`);
  return { name: text.slice(0, equals), value: text.slice(equals + 1) };
}

function modeOf(value: string | undefined): Invocation['mode'] {
  if (value === undefined) return undefined;
  const mode = MODES.find((known) => known === value);
  if (mode === undefined) throw new InputError(`--mode must be one of ${MODES.join(', ')}, not ${value}`);
  return mode;
}

function timeoutOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) throw new InputError(`--timeout takes a duration such as 90s, 10m or 1h30m, not ${value}`);
  return ms;
}
