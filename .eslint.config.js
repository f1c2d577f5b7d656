import js from '@eslint/js';
import tseslint from 'typescript-eslint';

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
  {
    // The contract harness is a product module with one entry point: the rest of the product
    // (render, the CLI) sees only what src/harness/index.ts exports.
    files: ['src/**/*.ts'],
    ignores: ['src/harness/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/harness/*', '!**/harness/index.js'], message: 'Import the harness through src/harness/index.ts.' }] },
      ],
    },
  },
);
