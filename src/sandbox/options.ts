import { parseFlags } from '../cli/flags.js';
import { InputError } from '../cli/input-error.js';

export const SANDBOX_USAGE = `sandbox [--port N] [--kubeconfig FILE] [--job-seconds S]
                     a local DR playground, a rehearsal and test tool, no cluster needed:
                     a Kubernetes API server on 127.0.0.1:N (default: a free port) with
                     the CRDs installed, Metacontroller played from manifests/ and the
                     hooks in process, in real time. Writes FILE (default
                     ./sandbox.kubeconfig) once it serves: point kubectl at it. Its
                     kubelet runs no containers: a Job whose command is \`sleep S\` runs
                     S seconds, \`exit N\` (N != 0) or \`false\` fails, anything else
                     succeeds after --job-seconds (default 2); runner Jobs (HTTP and
                     resource actions) really run against the sandbox API. Stops on
                     SIGINT/SIGTERM. Production is Metacontroller on a cluster`;

export interface SandboxOptions {
  /** 0: any free port. */
  port: number;
  kubeconfig: string;
  jobSeconds: number;
}

export type ParsedSandboxArgs = { help: true } | ({ help: false } & SandboxOptions);

export const DEFAULT_KUBECONFIG = 'sandbox.kubeconfig';
export const DEFAULT_JOB_SECONDS = 2;

const FLAGS = {
  port: { type: 'string' },
  kubeconfig: { type: 'string' },
  'job-seconds': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseSandboxArgs(args: readonly string[]): ParsedSandboxArgs {
  const { values, positionals } = parseFlags(args, FLAGS, 'drplan-hooks sandbox');
  if (values.help === true) return { help: true };
  if (positionals.length > 0) throw new InputError(`unknown argument ${positionals[0] ?? ''} (see drplan-hooks sandbox --help)`);
  return {
    help: false,
    port: values.port === undefined ? 0 : port(values.port),
    kubeconfig: values.kubeconfig ?? DEFAULT_KUBECONFIG,
    jobSeconds: values['job-seconds'] === undefined ? DEFAULT_JOB_SECONDS : seconds(values['job-seconds']),
  };
}

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InputError(`--port must be a port number (0 for any free one), not ${value}`);
  return n;
}

function seconds(value: string): number {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !Number.isFinite(n)) throw new InputError(`--job-seconds must be a number of seconds, not ${value}`);
  return n;
}
