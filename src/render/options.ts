import { parseFlags } from '../cli/flags.js';
import { InputError } from '../cli/input-error.js';

export const RENDER_USAGE = `render [--fail ACTION]... [--output text|json] FILE|DIR...
                     rehearse a runbook without a cluster: run the workflows, plans and
                     executions in the YAML files (a DIR means its *.yaml and *.yml files)
                     through the real hooks, every Job succeeding except those of each
                     --fail ACTION; print the timeline and the final statuses. Exit 0 when
                     every execution Succeeded, 1 when one did not, 2 on bad input`;

const FLAGS = {
  fail: { type: 'string', multiple: true },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type OutputFormat = 'text' | 'json';

export interface RenderOptions {
  paths: string[];
  /** Action names whose Jobs the fake kubelet fails. */
  fail: string[];
  output: OutputFormat;
}

export type ParsedArgs = { help: true } | ({ help: false } & RenderOptions);

/** Accepts `--flag value` and `--flag=value`, as kubectl users type both. */
export function parseRenderArgs(args: readonly string[]): ParsedArgs {
  const { values, positionals } = parseFlags(args, FLAGS, 'drplan-hooks render');
  if (values.help === true) return { help: true };
  const output = values.output ?? 'text';
  if (output !== 'text' && output !== 'json') throw new InputError(`--output must be text or json, not ${output}`);
  if (positionals.length === 0) throw new InputError('no files or directories given');
  return { help: false, paths: positionals, fail: values.fail ?? [], output };
}
