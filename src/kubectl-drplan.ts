#!/usr/bin/env node
import { systemClock } from './plugin/io.js';
import { runPlugin } from './plugin/main.js';

// Ctrl-C stops following, never the run; a second Ctrl-C ends the process at once.
const interrupt = new AbortController();
process.once('SIGINT', () => interrupt.abort());

process.exitCode = await runPlugin(process.argv.slice(2), {
  stdout: {
    write: (text) => process.stdout.write(text),
    isTTY: process.stdout.isTTY === true,
    columns: process.stdout.columns,
    rows: process.stdout.rows,
  },
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  clock: systemClock,
  signal: interrupt.signal,
}).catch((error: unknown) => {
  process.stderr.write(`kubectl drplan: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return 70;
});
