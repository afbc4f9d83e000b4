// Lint rules, including the dependency direction of DESIGN.md / STYLE.md §2.1:
// cli -> {rules, storage} -> core; core imports no workspace package; rules and storage
// never import each other; nothing imports cli; no deep imports into another package.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const deepImports = {
  group: ['@siemlite/*/*'],
  message: 'Import a workspace package by its name only (its src/index.ts is the public API).',
};
const forbid = (names, why) => names.map((name) => ({ name, message: why }));

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/*.d.ts', 'benchmarks/out/**', '.turbo/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', TextDecoder: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportAllDeclaration', message: 'No `export *` barrels: re-export names explicitly (STYLE.md §2.3).' },
        { selector: 'ExportDefaultDeclaration', message: 'No default exports (STYLE.md §2.3).' },
      ],
    },
  },
  {
    files: ['packages/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: forbid(['@siemlite/rules', '@siemlite/storage', '@siemlite/cli'], 'core imports no workspace package.'),
          patterns: [deepImports],
        },
      ],
    },
  },
  {
    files: ['packages/rules/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: forbid(['@siemlite/storage', '@siemlite/cli'], 'rules imports only @siemlite/core.'),
          patterns: [deepImports],
        },
      ],
    },
  },
  {
    files: ['packages/storage/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: forbid(['@siemlite/rules', '@siemlite/cli'], 'storage compiles IR, not Sigma: it imports only @siemlite/core.'),
          patterns: [deepImports],
        },
      ],
    },
  },
  {
    files: ['packages/cli/**/*.ts', 'test/**/*.ts', 'examples/**/*.ts', 'benchmarks/**/*.{ts,mjs}'],
    rules: {
      'no-restricted-imports': ['error', { paths: forbid(['@siemlite/cli'], 'nothing imports cli.'), patterns: [deepImports] }],
    },
  },
  {
    files: ['**/test/**/*.ts', 'vitest.config.ts', 'eslint.config.js'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
