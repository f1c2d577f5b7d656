import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The layers of src/, lowest first: a folder may import from the folders before it, never
 * from those after it (docs/design.md, "Architecture"). The processes (server, cli, the
 * plugin, render, sandbox) sit on top.
 */
const LAYERS = ['k8s', 'api', 'engine', 'workflow', 'plan', 'execution', 'http'];
const PRODUCT = [...LAYERS, 'crd', 'runner', 'cli', 'render', 'sandbox', 'plugin'];
const TOOLS = ['render', 'sandbox', 'plugin', 'runner', 'cli'];
const HARNESS_USERS = ['render', 'sandbox'];

function importsOf(folder, forbidden) {
  const harness = HARNESS_USERS.includes(folder)
    ? [{ group: ['**/harness/*', '!**/harness/index.js'], message: 'Import the harness through src/harness/index.ts.' }]
    : folder === 'harness'
      ? []
      : [{ group: ['**/harness/**'], message: 'Only render/, sandbox/ and the tests use the contract harness.' }];
  const layers = forbidden.map((name) => ({
    group: [`**/${name}/**`],
    message: `src/${folder}/ sits below src/${name}/ and must not import it.`,
  }));
  return { files: [`src/${folder}/**/*.ts`], rules: { 'no-restricted-imports': ['error', { patterns: [...layers, ...harness] }] } };
}

const above = (folder) => [...LAYERS.slice(LAYERS.indexOf(folder) + 1), ...TOOLS];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  ...tseslint.configs.recommendedTypeCheckedOnly.map((config) => ({ ...config, files: ['src/**/*.ts'] })),
  {
    files: ['src/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // An async function may stand for an interface that returns a promise without awaiting anything.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // Promises the tests forget to await pass whatever they check.
    files: ['test/**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'max-lines': ['error', { max: 300, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 60, skipBlankLines: true, skipComments: true }],
      complexity: ['error', 15],
    },
  },
  {
    // The harness's own tests look inside it; every other test uses it as render does.
    files: ['test/**/*.ts'],
    ignores: ['test/harness/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/harness/*', '!**/harness/index.js'], message: 'Import the harness through src/harness/index.ts.' }] },
      ],
    },
  },
  {
    // Tests read best as one table or one story per file: larger files, no function limits.
    files: ['test/**/*.ts'],
    rules: { 'max-lines': ['error', { max: 600, skipBlankLines: true, skipComments: true }] },
  },
  ...LAYERS.filter((folder) => folder !== 'execution').map((folder) => importsOf(folder, above(folder))),
  // plan/ and execution/ are peers: each reads what it needs of the other through api/.
  importsOf('execution', [...above('execution'), 'plan']),
  importsOf(
    'crd',
    PRODUCT.filter((name) => !['k8s', 'api', 'crd'].includes(name)),
  ),
  importsOf('runner', ['workflow', 'plan', 'execution', 'http', 'render', 'sandbox', 'plugin']),
  importsOf(
    'cli',
    PRODUCT.filter((name) => name !== 'cli'),
  ),
  importsOf(
    'harness',
    PRODUCT.filter((name) => name !== 'harness'),
  ),
  // What both the product and the harness use: it imports neither.
  importsOf('shared', [...PRODUCT, 'harness']),
  importsOf('render', ['sandbox', 'plugin']),
  importsOf('sandbox', ['render', 'plugin']),
  importsOf('plugin', ['http', 'render', 'sandbox', 'runner']),
);
