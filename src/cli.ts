#!/usr/bin/env node
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFlags } from './cli/flags.js';
import { InputError } from './cli/input-error.js';
import { crdFiles } from './crd/definitions.js';
import { createLogger } from './log.js';
import { runRender } from './render/command.js';
import { RENDER_USAGE } from './render/options.js';
import { SANDBOX_USAGE } from './sandbox/options.js';

const USAGE = `usage: drplan-hooks <command>
  crds [--out DIR]   print the CRDs as YAML, or write one file per CRD into DIR
  ${RENDER_USAGE}
  ${SANDBOX_USAGE}
  run http|resource  run one action from env DRPLAN_ACTION (the runner of HTTP and resource actions)`;

function crds(args: readonly string[]): void {
  const out = parseFlags(args, { out: { type: 'string' } }, 'drplan-hooks crds').values.out;
  for (const { file, text } of crdFiles()) {
    if (out === undefined) {
      process.stdout.write(`---\n${text}`);
    } else {
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, file), text);
    }
  }
}

const [command, ...rest] = process.argv.slice(2);
switch (command) {
  case 'crds':
    try {
      crds(rest);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      process.stderr.write(`drplan-hooks crds: ${error.message}\n`);
      process.exitCode = 2;
    }
    break;
  case 'render':
    process.exitCode = await runRender(rest, {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
    }).catch((error: unknown) => {
      // A bug in drplan-hooks, not in the runbook: a log line with the stack, and an exit code
      // CI can tell apart. stderr keeps stdout (the rehearsal) clean.
      createLogger({ level: 'error', destination: process.stderr }).fatal(
        { err: error, command: 'render' },
        'drplan-hooks render: internal error',
      );
      return 70;
    });
    break;
  case 'run': {
    // Loaded only here: the Kubernetes client is heavy, and only the runner needs it.
    const { runRunner } = await import('./runner/command.js');
    process.exitCode = await runRunner(rest, {
      env: process.env,
      log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
    });
    break;
  }
  case 'sandbox': {
    // Loaded only here: the playground brings the whole harness along.
    const { runSandbox } = await import('./sandbox/command.js');
    const stopRequested = new Promise((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    process.exitCode = await runSandbox(rest, {
      stdout: (text) => process.stdout.write(text),
      stderr: (text) => process.stderr.write(text),
      stopRequested,
    });
    break;
  }
  default:
    process.stderr.write(`${USAGE}\n`);
    process.exitCode = 2;
}
