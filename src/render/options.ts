import { InputError } from './input-error.js';

export const RENDER_USAGE = `render [--fail ACTION]... [--output text|json] FILE|DIR...
                     rehearse a runbook without a cluster: run the workflows, plans and
                     executions in the YAML files (a DIR means its *.yaml and *.yml files)
                     through the real hooks, every Job succeeding except those of each
                     --fail ACTION; print the timeline and the final statuses. Exit 0 when
                     every execution Succeeded, 1 when one did not, 2 on bad input`;

const FLAGS: ReadonlySet<string> = new Set(['--fail', '-o', '--output']);

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
  const options: RenderOptions = { paths: [], fail: [], output: 'text' };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg === '-h' || arg === '--help') return { help: true };
    if (!arg.startsWith('-')) {
      options.paths.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const flag = equals >= 0 ? arg.slice(0, equals) : arg;
    if (!FLAGS.has(flag)) throw new InputError(`unknown option ${flag} (see drplan-hooks render --help)`);
    let value: string | undefined;
    if (equals >= 0) {
      value = arg.slice(equals + 1);
    } else {
      i += 1;
      value = args[i];
    }
    if (value === undefined || value === '') throw new InputError(`${flag} needs a value`);
    if (flag === '--fail') {
      options.fail.push(value);
    } else if (value === 'text' || value === 'json') {
      options.output = value;
    } else {
      throw new InputError(`${flag} must be text or json, not ${value}`);
    }
  }
  if (options.paths.length === 0) throw new InputError('no files or directories given');
  return { help: false, ...options };
}
