// One flat config for every workspace; each workspace runs `eslint src test`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/coverage/**',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
      '**/generated/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    // Domain code stays free of infrastructure: it is tested without any of these.
    files: ['**/src/domain/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: ['pg', 'kafkajs', 'express', 'ioredis', '@orderflow/runtime'],
          patterns: ['../db/*', '../http/*', '../handlers/*'],
        },
      ],
    },
  },
  {
    // CLIs print to the terminal on purpose.
    files: [
      '**/src/cli.ts',
      '**/src/cli/**/*.ts',
      '**/scripts/**/*.ts',
      'tools/*/src/**/*.ts',
      'bench/src/**/*.ts',
    ],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['**/*.test.ts', '**/test/**/*.ts'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
