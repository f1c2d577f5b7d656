import { InputError } from '../render/input-error.js';

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

/** Accepts `--flag value` and `--flag=value`. */
export function parseSandboxArgs(args: readonly string[]): ParsedSandboxArgs {
  const options: SandboxOptions = { port: 0, kubeconfig: DEFAULT_KUBECONFIG, jobSeconds: DEFAULT_JOB_SECONDS };
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg === '-h' || arg === '--help') return { help: true };
    const equals = arg.indexOf('=');
    const flag = arg.startsWith('--') && equals >= 0 ? arg.slice(0, equals) : arg;
    let value = equals >= 0 ? arg.slice(equals + 1) : undefined;
    if (flag !== '--port' && flag !== '--kubeconfig' && flag !== '--job-seconds') {
      throw new InputError(`unknown argument ${arg} (see drplan-hooks sandbox --help)`);
    }
    if (value === undefined) {
      i += 1;
      value = args[i];
    }
    if (value === undefined || value === '') throw new InputError(`${flag} needs a value`);
    if (flag === '--kubeconfig') options.kubeconfig = value;
    else if (flag === '--port') options.port = port(value);
    else options.jobSeconds = seconds(value);
  }
  return { help: false, ...options };
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
