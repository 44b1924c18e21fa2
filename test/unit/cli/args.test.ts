/** `cnn-lab` command-line parsing: every flag, defaults, and the usage errors users will meet. */
import * as assert from 'node:assert/strict';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseCommandLine, UsageError, type CliCommand, type TrainOptions } from '../../../src/cli/args';
import { defaultDataDir } from '../../../src/cli/train';

function train(argv: string[]): TrainOptions {
  const c: CliCommand = parseCommandLine(['train', ...argv]);
  assert.equal(c.kind, 'train');
  if (c.kind !== 'train') throw new Error('unreachable');
  return c.options;
}

function usageError(argv: string[], pattern: RegExp): void {
  assert.throws(() => parseCommandLine(argv), (err: unknown) => err instanceof UsageError && pattern.test(err.message));
}

describe('cli arguments', () => {
  it('train with only a model file gets the defaults', () => {
    const o = train(['examples/mnist.cnn.yaml']);
    assert.deepEqual(o, {
      modelFile: 'examples/mnist.cnn.yaml', out: undefined, epochs: undefined, backend: 'auto', dataset: undefined,
      grayscale: false, maxTrainSamples: undefined, maxTestSamples: undefined, resume: undefined, dataDir: undefined,
      mirrors: [], json: false, verbose: false,
    });
  });

  it('train reads every option, in any order, with repeatable mirrors', () => {
    const o = train([
      '--epochs', '3', 'm.cnn.yaml', '--out', 'runs', '--backend', 'wasm', '--dataset', 'fashion-mnist', '--grayscale',
      '--max-train-samples', '500', '--max-test-samples=200', '--data-dir', '/tmp/d',
      '--mirror', 'https://a.example/mnist/', '--mirror', 'file:///srv/mnist/', '--json',
    ]);
    assert.equal(o.modelFile, 'm.cnn.yaml');
    assert.equal(o.epochs, 3);
    assert.equal(o.out, 'runs');
    assert.equal(o.backend, 'wasm');
    assert.equal(o.dataset, 'fashion-mnist');
    assert.equal(o.grayscale, true);
    assert.equal(o.maxTrainSamples, 500);
    assert.equal(o.maxTestSamples, 200);
    assert.equal(o.dataDir, '/tmp/d');
    assert.deepEqual(o.mirrors, ['https://a.example/mnist/', 'file:///srv/mnist/']);
    assert.equal(o.json, true);
  });

  it('--resume makes the model file optional', () => {
    const o = train(['--resume', '.cnn-lab/runs/20250101-000000-m']);
    assert.equal(o.resume, '.cnn-lab/runs/20250101-000000-m');
    assert.equal(o.modelFile, undefined);
  });

  it('rejects bad values with messages that name the flag', () => {
    usageError(['train'], /needs a model file/);
    usageError(['train', 'a.yaml', 'b.yaml'], /one model file/);
    usageError(['train', 'm', '--epochs', '0'], /--epochs must be between 1 and/);
    usageError(['train', 'm', '--epochs', '2.5'], /--epochs needs a whole number/);
    usageError(['train', 'm', '--epochs', '1000000'], /--epochs must be between/);
    usageError(['train', 'm', '--backend', 'gpu'], /--backend must be one of auto, tensorflow, wasm, cpu/);
    usageError(['train', 'm', '--dataset', 'imagenet'], /--dataset must be one of mnist/);
    usageError(['train', 'm', '--mirror', 'ftp://x'], /--mirror needs an http/);
    usageError(['train', 'm', '--epoch', '3'], /Unknown option '--epoch'/);
    usageError(['train', 'm', '--epochs'], /--epochs/);
    usageError(['fit', 'm'], /unknown command 'fit'/);
  });

  it('usage errors carry the command, so the right help is printed', () => {
    try {
      parseCommandLine(['train', 'm', '--bogus']);
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof UsageError);
      assert.equal(err.topic, 'train');
    }
  });

  it('summary, runs, help and version', () => {
    assert.deepEqual(parseCommandLine(['summary', 'm.cnn.yaml']), { kind: 'summary', file: 'm.cnn.yaml' });
    assert.deepEqual(parseCommandLine(['runs']), { kind: 'runs', out: undefined, json: false });
    assert.deepEqual(parseCommandLine(['runs', '--out', 'x', '--json']), { kind: 'runs', out: 'x', json: true });
    assert.deepEqual(parseCommandLine([]), { kind: 'help', topic: undefined });
    assert.deepEqual(parseCommandLine(['--help']), { kind: 'help', topic: undefined });
    assert.deepEqual(parseCommandLine(['help', 'train']), { kind: 'help', topic: 'train' });
    assert.deepEqual(parseCommandLine(['train', '--help']), { kind: 'help', topic: 'train' });
    assert.deepEqual(parseCommandLine(['--version']), { kind: 'version' });
    usageError(['summary'], /exactly one model file/);
    usageError(['runs', 'extra'], /no arguments/);
  });

  it('the data cache is $CNN_LAB_DATA_DIR, else under $XDG_CACHE_HOME, else ~/.cache', () => {
    assert.equal(defaultDataDir({ CNN_LAB_DATA_DIR: '/data/cnn' }), path.resolve('/data/cnn'));
    assert.equal(defaultDataDir({ XDG_CACHE_HOME: '/xdg' }), path.join('/xdg', 'cnn-lab', 'data'));
    assert.equal(defaultDataDir({}), path.join(os.homedir(), '.cache', 'cnn-lab', 'data'));
  });
});
