import { parseArgs, type ParseArgsConfig } from 'node:util';
import { InputError } from './input-error.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `node:util` parseArgs for the project's commands (`--flag value` and `--flag=value`, `-h`),
 * its errors turned into one line that says what to fix and where help is.
 */
export function parseFlags<T extends Options>(args: readonly string[], options: T, command: string) {
  const see = `(see ${command} --help)`;
  try {
    const parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    for (const [name, value] of Object.entries(parsed.values)) {
      if (value === '' || (Array.isArray(value) && value.includes(''))) throw new InputError(`--${name} needs a value`);
    }
    return parsed;
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(describe(error, see));
  }
}

function describe(error: unknown, see: string): string {
  const message = error instanceof Error ? error.message : String(error);
  const flag = /'(?:-\w, )?(-{1,2}[^' <,]+)/.exec(message)?.[1] ?? 'option';
  const code = (error as { code?: unknown }).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${flag} ${see}`;
  if (code !== 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return `${message.split('\n')[0] ?? message} ${see}`;
  if (message.includes('does not take an argument')) return `${flag} takes no value`;
  // Followed by something that looks like a flag: `--x -1` must be written `--x=-1`.
  if (message.includes('ambiguous')) return `${flag} needs a value (one starting with - goes as ${flag}=VALUE)`;
  return `${flag} needs a value`;
}
