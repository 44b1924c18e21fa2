// ESLint flat config: typed linting for every TypeScript runtime (src, webview, test, bench, scripts).
// Type information comes from the TypeScript project service, which picks the nearest tsconfig.json
// (root, webview/ or scripts/) for each file, so the rules see the same types as `tsc --noEmit`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    // Build outputs, caches and plain-JS build scripts (esbuild.mjs, scripts/*.mjs, bin/) are not linted:
    // the lint covers the TypeScript sources that tsc type-checks.
    ignores: [
      'node_modules/**', 'dist/**', 'out/**', 'test-output/**', '.vscode-test/**', '.cache/**', '.cnn-lab/**',
      'bench/tmp/**', 'media/**', '**/*.js', '**/*.mjs', '**/*.cjs',
    ],
  },
  {
    files: ['**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', {
        args: 'all', argsIgnorePattern: '^_', varsIgnorePattern: '^_',
        caughtErrors: 'all', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_',
        ignoreRestSiblings: true,
      }],
      eqeqeq: ['error', 'always', { null: 'ignore' }],
      // `let x: T | undefined` read by closures before its single later assignment is deliberate
      // (composition roots wire objects that refer to each other); `const` there would be a TDZ trap.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Off: `async` without `await` is used on purpose, so that a throw becomes a rejection and so
      // that callbacks meet Promise-returning contracts (save handlers, grammar loaders, async
      // iterables in tests). The promise rules that catch real bugs (no-floating-promises,
      // no-misused-promises, await-thenable) stay on.
      '@typescript-eslint/require-await': 'off',
      'no-console': 'off',
    },
  },
);
