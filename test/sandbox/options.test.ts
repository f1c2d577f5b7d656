import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/cli/input-error.js';
import { parseSandboxArgs } from '../../src/sandbox/options.js';

describe('sandbox options', () => {
  it('defaults to a free port, ./sandbox.kubeconfig and 2-second Jobs', () => {
    expect(parseSandboxArgs([])).toEqual({ help: false, port: 0, kubeconfig: 'sandbox.kubeconfig', jobSeconds: 2 });
  });

  it('takes each flag as `--flag value` or `--flag=value`', () => {
    expect(parseSandboxArgs(['--port', '6443', '--kubeconfig=/tmp/k', '--job-seconds', '0.5'])).toEqual({
      help: false,
      port: 6443,
      kubeconfig: '/tmp/k',
      jobSeconds: 0.5,
    });
    expect(parseSandboxArgs(['--port=0', '--job-seconds=3'])).toMatchObject({ port: 0, jobSeconds: 3 });
  });

  it('answers --help and -h with help', () => {
    expect(parseSandboxArgs(['--port', '1', '--help'])).toEqual({ help: true });
    expect(parseSandboxArgs(['-h'])).toEqual({ help: true });
  });

  it.each([
    [['--port', 'http'], '--port must be a port number (0 for any free one), not http'],
    [['--port', '70000'], '--port must be a port number (0 for any free one), not 70000'],
    [['--job-seconds=-1'], '--job-seconds must be a number of seconds, not -1'],
    [['--job-seconds', '-1'], '--job-seconds needs a value (one starting with - goes as --job-seconds=VALUE)'],
    [['--help=yes'], '--help takes no value'],
    [['--job-seconds=2m'], '--job-seconds must be a number of seconds, not 2m'],
    [['--kubeconfig'], '--kubeconfig needs a value'],
    [['--kubeconfig='], '--kubeconfig needs a value'],
    [['--verbose'], 'unknown option --verbose (see drplan-hooks sandbox --help)'],
    [['extra'], 'unknown argument extra (see drplan-hooks sandbox --help)'],
  ])('refuses %j', (args, message) => {
    expect(() => parseSandboxArgs(args)).toThrow(new InputError(message));
  });
});
