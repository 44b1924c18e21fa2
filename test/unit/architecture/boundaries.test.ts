/**
 * The runtimes' boundaries are enforced by ESLint (eslint.config.mjs), not only documented: these
 * tests lint a forbidden import as if it were written in each folder, and check that the lint
 * stops it, and that an allowed import passes.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { ESLint } from 'eslint';

const ROOT = path.resolve(__dirname, '../../..');

let eslint: ESLint | undefined;

/** Lints `code` as the content of an existing file (typed rules need a file the project knows). */
async function restrictedImports(file: string, code: string): Promise<string[]> {
  eslint ??= new ESLint({ cwd: ROOT });
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('runtime boundaries (ESLint no-restricted-imports)', function () {
  this.timeout(120_000);
  const cases: [string, string, RegExp][] = [
    ['src/core/analyze.ts', "import * as vscode from 'vscode';\nexport const x = vscode;\n", /pure model language/],
    ['src/core/analyze.ts', "import * as tf from '@tensorflow/tfjs';\nexport const x = tf;\n", /pure model language/],
    ['src/core/analyze.ts', "import { TrainerClient } from '../host/trainerClient';\nexport const x = TrainerClient;\n", /pure model language/],
    ['src/shared/settings.ts', "import * as fs from 'node:fs';\nexport const x = fs;\n", /imports nothing but itself/],
    ['src/shared/settings.ts', "import { analyzeModelText } from '../core/index';\nexport const x = analyzeModelText;\n", /imports nothing but itself/],
    ['webview/dashboard/main.ts', "import { analyzeModelText } from '../../src/core/index';\nexport const x = analyzeModelText;\n", /src\/shared only/],
    ['webview/dashboard/main.ts', "import * as vscode from 'vscode';\nexport const x = vscode;\n", /src\/shared only/],
    ['src/trainer/train.ts', "import * as vscode from 'vscode';\nexport const x = vscode;\n", /trainer process/],
    ['src/host/runStore.ts', "import { loadDataset } from '../trainer/data/index';\nexport const x = loadDataset;\n", /src\/shared only/],
    ['src/extension/config.ts', "import * as tf from '@tensorflow/tfjs';\nexport const x = tf;\n", /never loads tfjs/],
  ];
  for (const [file, code, why] of cases) {
    it(`stops ${code.split('\n')[0]?.replace(/^import .* from /, '') ?? ''} in ${path.dirname(file)}`, async function () {
      const messages = await restrictedImports(file, code);
      assert.ok(messages.some((m) => why.test(m)), `expected a boundary error in ${file}, got ${JSON.stringify(messages)}`);
    });
  }

  it('lets each folder import what it may', async function () {
    assert.deepEqual(await restrictedImports('src/core/analyze.ts', "import { DATASETS } from '../shared/datasets';\nexport const x = DATASETS;\n"), []);
    assert.deepEqual(await restrictedImports('webview/dashboard/main.ts', "import { isDashboardBatch } from '../../src/shared/webviewProtocol';\nexport const x = isDashboardBatch;\n"), []);
    assert.deepEqual(await restrictedImports('src/extension/config.ts', "import { TrainerClient } from '../host/trainerClient';\nexport const x = TrainerClient;\n"), []);
  });
});
