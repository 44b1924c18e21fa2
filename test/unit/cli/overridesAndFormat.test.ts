/**
 * Command-line overrides edit the model text in place (comments and layout kept), and the CLI's
 * text formatting (tables, bars, durations, compiler-style diagnostics) prints exactly this.
 */
import * as assert from 'node:assert/strict';
import { parse } from 'yaml';
import { applyOverrides, type CurrentData } from '../../../src/core/overrides';
import { analyzeModelText } from '../../../src/core/index';
import { bar, duration, formatEpochTable, percent, TableLayout } from '../../../src/cli/format';
import { formatDiagnostic, printDiagnostics, type Terminal } from '../../../src/cli/terminal';

const MODEL = `# MNIST, 2 conv + 2 dense
name: mnist-cnn
dataset: cifar10   # colour photos
input: [32, 32, 3]
layers:
  - conv2d: { filters: 8, kernel: 3, activation: relu }
  - flatten
  - dense: { units: 10, activation: softmax }
train:
  batchSize: 64
  epochs: 12 # the course's default
`;

describe('cli overrides', () => {
  const cifar: CurrentData = { dataset: { kind: 'builtin', name: 'cifar10' }, grayscale: false };

  it('no overrides: the text is returned unchanged', () => {
    assert.equal(applyOverrides(MODEL, {}, cifar), MODEL);
    assert.equal(applyOverrides(MODEL, { grayscale: false }, cifar), MODEL);
  });

  it('--epochs replaces the value in place, keeping comments', () => {
    assert.equal(applyOverrides(MODEL, { epochs: 2 }, cifar), MODEL.replace('epochs: 12 #', 'epochs: 2 #'));
  });

  it('--epochs edits a flow-style train block in place (as in examples/mnist.cnn.yaml)', () => {
    const flow = 'name: x\ndataset: mnist\nlayers: [flatten]\ntrain: { epochs: 12, batchSize: 128 }\n';
    assert.equal(applyOverrides(flow, { epochs: 1 }, cifar), flow.replace('epochs: 12', 'epochs: 1'));
    const noEpochs = applyOverrides('name: x\ntrain: { batchSize: 8 }\n', { epochs: 3 }, cifar);
    assert.deepEqual((parse(noEpochs) as { train: unknown }).train, { batchSize: 8, epochs: 3 });
  });

  it('--epochs adds the key to a train block without one, or a train block to a file without one', () => {
    const noEpochs = MODEL.replace("  epochs: 12 # the course's default\n", '');
    const a = applyOverrides(noEpochs, { epochs: 4 }, cifar);
    assert.deepEqual((parse(a) as { train: unknown }).train, { epochs: 4, batchSize: 64 });
    const noTrain = MODEL.slice(0, MODEL.indexOf('train:'));
    const b = applyOverrides(noTrain, { epochs: 5 }, cifar);
    assert.ok(b.startsWith(noTrain));
    assert.deepEqual((parse(b) as { train: unknown }).train, { epochs: 5 });
  });

  it('--dataset switches the data set and the model still analyses, with the input shape re-inferred', () => {
    const out = applyOverrides(MODEL, { dataset: 'mnist' }, cifar);
    const doc = parse(out) as Record<string, unknown>;
    assert.equal(doc.dataset, 'mnist');
    assert.ok(out.includes('# colour photos') && out.startsWith('# MNIST, 2 conv + 2 dense\n'), 'comments kept');
    const analysis = analyzeModelText(out);
    assert.deepEqual(analysis.diagnostics.filter((d) => d.severity === 'error'), []);
    assert.deepEqual(analysis.spec?.inputShape, [28, 28, 1]);
  });

  it('--dataset shapes (9 classes) also fixes the output layer', () => {
    const out = applyOverrides(MODEL, { dataset: 'shapes' }, cifar);
    const analysis = analyzeModelText(out);
    assert.equal(analysis.spec?.numClasses, 9);
    assert.equal(analysis.summary?.layers.at(-1)?.outputShape.at(-1), 9);
  });

  it('--grayscale keeps the data set and makes the input one channel', () => {
    const out = applyOverrides(MODEL, { grayscale: true, epochs: 1 }, cifar);
    const analysis = analyzeModelText(out);
    assert.equal(analysis.spec?.grayscale, true);
    assert.deepEqual(analysis.spec?.inputShape, [32, 32, 1]);
    assert.deepEqual(analysis.spec?.dataset, { kind: 'builtin', name: 'cifar10' });
    assert.equal(analysis.spec?.train.epochs, 1);
  });

  it('a text that is not a YAML map is refused', () => {
    assert.throws(() => applyOverrides('- a\n- b\n', { epochs: 1 }, cifar), /not a YAML map/);
  });
});

describe('cli formatting', () => {
  it('percent, duration and bar', () => {
    assert.equal(percent(0.98765), '98.77%');
    assert.equal(percent(null), '—');
    assert.equal(duration(4.25), '4.3s');
    assert.equal(duration(42.4), '42s');
    assert.equal(duration(185), '3m05s');
    assert.equal(duration(3720), '1h02m');
    assert.equal(bar(0.5, 10), '[#####-----]');
    assert.equal(bar(2, 4), '[####]');
    assert.equal(bar(Number.NaN, 4), '[----]');
  });

  it('tables align columns to the widest cell', () => {
    const t = TableLayout.fit([
      { header: 'name', align: 'left', value: (r: { n: string; v: number }) => r.n },
      { header: 'value', align: 'right', value: (r: { n: string; v: number }) => String(r.v) },
    ], [{ n: 'a', v: 1 }, { n: 'longer', v: 12345 }]);
    assert.equal(t.render([{ n: 'a', v: 1 }, { n: 'longer', v: 12345 }]), [
      'name    value',
      '──────  ─────',
      'a           1',
      'longer  12345',
    ].join('\n'));
  });

  it('the epoch table has the columns the README shows', () => {
    const table = formatEpochTable([{ type: 'epochEnd', epoch: 1, loss: 0.31234, acc: 0.9012, valLoss: 0.1, valAcc: 0.97, durationSec: 12.3, samplesPerSec: 2891.4, numTensors: 20 }]);
    const [header, , row] = table.split('\n');
    assert.deepEqual(header?.split(/\s+/), ['epoch', 'loss', 'acc', 'val_loss', 'val_acc', 'time', 'samples/s']);
    assert.deepEqual(row?.trim().split(/\s+/), ['1', '0.3123', '90.12%', '0.1000', '97.00%', '12s', '2,891']);
  });

  it('diagnostics print like a compiler: 1-based file:line:col, errors and warnings in order', () => {
    const d = (line: number, character: number, severity: 'error' | 'warning' | 'hint', message: string) => (
      { range: { start: { line, character }, end: { line, character: character + 1 } }, severity, code: 'x', message });
    assert.equal(formatDiagnostic('m.cnn.yaml', d(4, 2, 'error', 'bad')), 'm.cnn.yaml:5:3: error: bad [x]');
    const lines: string[] = [];
    const term: Terminal = { isTTY: false, out: () => undefined, error: (l) => lines.push(l), info: () => undefined, live: () => undefined, clearLive: () => undefined };
    const errors = printDiagnostics(term, 'f', [d(9, 0, 'error', 'second'), d(1, 4, 'warning', 'first'), d(0, 0, 'hint', 'hidden')]);
    assert.equal(errors, 1);
    assert.deepEqual(lines, ['f:2:5: warning: first [x]', 'f:10:1: error: second [x]']);
  });
});
