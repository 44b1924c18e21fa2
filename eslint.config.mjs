// ESLint flat config: typed linting for every TypeScript runtime (src, webview, test, bench, scripts).
// Type information comes from the TypeScript project service, which picks the nearest tsconfig.json
// (root, webview/ or scripts/) for each file, so the rules see the same types as `tsc --noEmit`.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The runtimes' boundaries (ARCHITECTURE.md), enforced: each folder lists what it may not import.
 * `src/shared` and `src/core` stay pure (no VS Code, LSP, tfjs or DOM), webviews see only
 * `src/shared`, and no runtime reaches into another's folder.
 */
const VSCODE = ['vscode', 'vscode-languageclient', 'vscode-languageclient/*', 'vscode-languageserver', 'vscode-languageserver/*', 'vscode-languageserver-textdocument'];
const TFJS = ['@tensorflow/*'];
const runtime = (name) => [`../${name}`, `../${name}/*`, `../../${name}`, `../../${name}/*`, `../../../${name}/*`];
const forbid = (files, groups, why) => ({
  files,
  rules: { 'no-restricted-imports': ['error', { patterns: [{ group: groups, message: why }] }] },
});
const boundaries = [
  forbid(['src/shared/**/*.ts'], [...VSCODE, ...TFJS, 'node:*', ...['core', 'extension', 'server', 'trainer', 'host', 'cli'].flatMap(runtime)],
    'src/shared holds pure types and protocols: it imports nothing but itself.'),
  forbid(['src/core/**/*.ts'], [...VSCODE, ...TFJS, ...['extension', 'server', 'trainer', 'host', 'cli'].flatMap(runtime)],
    'src/core is the pure model language: it may import src/shared and yaml only.'),
  forbid(['src/trainer/**/*.ts'], [...VSCODE, ...['extension', 'server', 'host', 'cli'].flatMap(runtime)],
    'the trainer process may import src/shared, src/core and tfjs only.'),
  forbid(['src/server/**/*.ts'], ['vscode', 'vscode-languageclient', 'vscode-languageclient/*', ...TFJS, ...['extension', 'trainer', 'host', 'cli'].flatMap(runtime)],
    'the language server may import src/core, src/shared and vscode-languageserver only.'),
  forbid(['src/host/**/*.ts'], [...VSCODE, ...TFJS, ...['core', 'extension', 'server', 'trainer', 'cli'].flatMap(runtime)],
    'src/host runs in the extension host and the CLI alike: it may import src/shared only.'),
  forbid(['src/cli/**/*.ts'], [...VSCODE, ...TFJS, ...['extension', 'server', 'trainer'].flatMap(runtime)],
    'the CLI may import src/shared, src/core and src/host only.'),
  forbid(['src/extension/**/*.ts'], [...TFJS, 'vscode-languageserver', 'vscode-languageserver/*', ...['server', 'trainer', 'cli'].flatMap(runtime)],
    'the extension host may import src/shared, src/core and src/host; it never loads tfjs or the server in-process.'),
  forbid(['webview/**/*.ts'], [...VSCODE, ...TFJS, 'node:*', '**/src/core', '**/src/core/*', '**/src/extension/*', '**/src/server/*', '**/src/trainer/*', '**/src/host/*', '**/src/cli/*'],
    'webviews run in the browser: they may import src/shared only.'),
];

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
  ...boundaries,
);
