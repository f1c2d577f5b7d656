#!/usr/bin/env node
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crdFiles } from './crd/definitions.js';

const USAGE = `usage: drplan-hooks <command>
  crds [--out DIR]   print the CRDs as YAML, or write one file per CRD into DIR`;

function crds(args: readonly string[]): void {
  const outIndex = args.indexOf('--out');
  const out = outIndex >= 0 ? args[outIndex + 1] : undefined;
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
    crds(rest);
    break;
  default:
    process.stderr.write(`${USAGE}\n`);
    process.exitCode = 2;
}
