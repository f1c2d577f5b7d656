import { fileURLToPath } from 'node:url';

// `src/cli/` under vitest and `dist/cli/` once built both sit two levels below the package
// root, which ships `manifests/`: the commands that play Metacontroller read its controllers there.
export const MANIFESTS_DIR = fileURLToPath(new URL('../../manifests', import.meta.url));
