/** `cnn-lab export` and `cnn-lab import` command lines: defaults, every flag, and the usage errors. */
import * as assert from 'node:assert/strict';
import { parseCommandLine, USAGE, UsageError } from '../../../../src/cli/args';

function usageError(argv: string[], pattern: RegExp, topic: string): void {
  assert.throws(() => parseCommandLine(argv), (err: unknown) => err instanceof UsageError && pattern.test(err.message) && err.topic === topic, argv.join(' '));
}

describe('cli arguments: export and import', () => {
  it('export takes a run, Keras by default', () => {
    assert.deepEqual(parseCommandLine(['export', 'runs/r1']), { kind: 'export', options: { run: 'runs/r1', format: 'keras', out: undefined, runs: undefined } });
    assert.deepEqual(parseCommandLine(['export', 'r1', '--format', 'script', '--out', 'nb/model.py', '--runs', 'elsewhere']),
      { kind: 'export', options: { run: 'r1', format: 'script', out: 'nb/model.py', runs: 'elsewhere' } });
    for (const f of ['keras', 'tfjs', 'script', 'all']) assert.equal((parseCommandLine(['export', 'r', '--format', f]) as { options: { format: string } }).options.format, f);
  });

  it('import takes a model file, fine-tuning and a data set on request', () => {
    assert.deepEqual(parseCommandLine(['import', 'net.keras']), {
      kind: 'import', options: { file: 'net.keras', out: undefined, fineTune: false, runs: undefined, dataset: undefined, force: false },
    });
    assert.deepEqual(parseCommandLine(['import', 'net.h5', '--out', 'a/net.cnn.yaml', '--fine-tune', '--runs', 'r', '--dataset', 'fashion-mnist', '--force']), {
      kind: 'import', options: { file: 'net.h5', out: 'a/net.cnn.yaml', fineTune: true, runs: 'r', dataset: 'fashion-mnist', force: true },
    });
  });

  it('says what is wrong, with the command\'s usage', () => {
    usageError(['export'], /exactly one run/, 'export');
    usageError(['export', 'a', 'b'], /exactly one run/, 'export');
    usageError(['export', 'a', '--format', 'onnx'], /--format must be one of keras, tfjs, script, all, got 'onnx'/, 'export');
    usageError(['export', 'a', '--out', ' '], /--out needs a path/, 'export');
    usageError(['import'], /exactly one model file/, 'import');
    usageError(['import', 'a.keras', '--out', 'a.yaml'], /--out must name a \*\.cnn\.yaml file/, 'import');
    usageError(['import', 'a.keras', '--dataset', 'imagenet'], /--dataset must be one of/, 'import');
    usageError(['import', 'a.keras', '--finetune'], /Unknown option '--finetune'/, 'import');
    assert.deepEqual(parseCommandLine(['export', '--help']), { kind: 'help', topic: 'export' });
    assert.deepEqual(parseCommandLine(['help', 'import']), { kind: 'help', topic: 'import' });
    assert.match(USAGE.main, /cnn-lab export <run>/);
    assert.match(USAGE.import, /--fine-tune/);
  });
});
