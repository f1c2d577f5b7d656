import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Tests that start the real processes (`dist/server.js`, `dist/cli.js`) need a fresh build. */
export default function setup(): void {
  const root = join(import.meta.dirname, '..');
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'src', 'tsconfig.json')], {
    stdio: 'inherit',
  });
}
