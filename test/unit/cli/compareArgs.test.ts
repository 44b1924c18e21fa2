/** `cnn-lab compare`'s command line: the experiment, the model file, --resume, and the mistakes it refuses. */
import { strict as assert } from 'node:assert';
import { parseCommandLine, UsageError, USAGE } from '../../../src/cli/args';

describe('cnn-lab compare arguments', () => {
  it('takes the experiment and a model file, with the quick-run options', () => {
    const c = parseCommandLine(['compare', 'dropout', 'm.cnn.yaml', '--epochs', '3', '--max-train-samples', '500', '--max-test-samples', '100', '--out', 'runs', '--backend', 'cpu']);
    assert.equal(c.kind, 'compare');
    assert.ok(c.kind === 'compare');
    assert.deepEqual(
      { kind: c.options.kind, file: c.options.modelFile, epochs: c.options.epochs, train: c.options.maxTrainSamples, test: c.options.maxTestSamples, out: c.options.out, backend: c.options.backend },
      { kind: 'dropout', file: 'm.cnn.yaml', epochs: 3, train: 500, test: 100, out: 'runs', backend: 'cpu' },
    );
    const colour = parseCommandLine(['compare', 'color', 'm.cnn.yaml']);
    assert.ok(colour.kind === 'compare' && colour.options.kind === 'colour', 'the American spelling works too');
  });

  it('continues an experiment with --resume and no model file', () => {
    const c = parseCommandLine(['compare', '--resume', 'runs/experiments/m-dropout-20260101-000000']);
    assert.ok(c.kind === 'compare' && c.options.resume === 'runs/experiments/m-dropout-20260101-000000' && c.options.modelFile === undefined);
  });

  it('refuses a missing or unknown experiment, a missing file and bad numbers, with the compare usage', () => {
    for (const argv of [['compare'], ['compare', 'pooling', 'm.cnn.yaml'], ['compare', 'dropout'], ['compare', 'dropout', 'm.cnn.yaml', '--epochs', '0'],
      ['compare', 'colour', 'm.cnn.yaml', '--backend', 'gpu'], ['compare', 'dropout', 'a.cnn.yaml', 'b.cnn.yaml']]) {
      assert.throws(() => parseCommandLine(argv), (e: unknown) => e instanceof UsageError && e.topic === 'compare', argv.join(' '));
    }
    assert.match(USAGE.compare, /compare dropout\|colour/);
    assert.match(USAGE.main, /cnn-lab compare dropout\|colour/);
    assert.deepEqual(parseCommandLine(['compare', '--help']), { kind: 'help', topic: 'compare' });
  });
});
