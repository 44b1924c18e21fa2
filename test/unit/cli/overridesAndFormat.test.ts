/**
 * Command-line overrides edit the model text in place (comments and layout kept), and the CLI's
 * text formatting (tables, bars, durations, compiler-style diagnostics) prints exactly this.
 */
import * as assert from 'node:assert/strict';
import { parse } from 'yaml';
import { applyOverrides } from '../../../src/cli/overrides';
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
  it('no overrides: the text is returned unchanged', () => {
    assert.equal(applyOverrides(MODEL, {}), MODEL);
    assert.equal(applyOverrides(MODEL, { grayscale: false }), MODEL);
  });

  it('--epochs replaces the value in place, keeping comments', () => {
    const out = applyOverrides(MODEL, { epochs: 2 });
    assert.equal(out, MODEL.replace('epochs: 12 #', 'epochs: 2 #'));
  });

  it('--epochs adds the key to a train block without one, or a train block to a file without one', () => {
    const noEpochs = MODEL.replace("  epochs: 12 # the course's default\n", '');
    const a = applyOverrides(noEpochs, { epochs: 4 });
    assert.deepEqual((parse(a) as { train: unknown }).train, { epochs: 4, batchSize: 64 });
    const noTrain = MODEL.slice(0, MODEL.indexOf('train:'));
    const b = applyOverrides(noTrain, { epochs: 5 });
    assert.ok(b.startsWith(noTrain));
    assert.deepEqual((parse(b) as { train: unknown }).train, { epochs: 5 });
  });

  it('--dataset swaps the data set and drops the explicit input shape so it is inferred again', () => {
    const out = applyOverrides(MODEL, { dataset: 'mnist' });
    const doc = parse(out) as Record<string, unknown>;
    assert.equal(doc.dataset, 'mnist');
    assert.equal('input' in doc, false);
    assert.ok(out.includes('# colour photos'), 'comment on the edited line kept');
    assert.ok(out.startsWith('# MNIST, 2 conv + 2 dense\nname: mnist-cnn\n'));
  });

  it('--dataset replaces an image-folder map and its classes', () => {
    const folder = 'name: f\ndataset:\n  folder: ./imgs\n  imageSize: [28, 28]\nclasses: 3\nlayers:\n  - flatten\n';
    const doc = parse(applyOverrides(folder, { dataset: 'shapes' })) as Record<string, unknown>;
    assert.equal(doc.dataset, 'shapes');
    assert.equal('classes' in doc, false);
  });

  it('--grayscale sets or adds grayscale: true', () => {
    const added = applyOverrides(MODEL, { grayscale: true });
    assert.ok(added.includes('dataset: cifar10   # colour photos\ngrayscale: true\n'));
    assert.equal((parse(added) as Record<string, unknown>).grayscale, true);
    assert.equal('input' in (parse(added) as Record<string, unknown>), false);
    const existing = applyOverrides('name: x\ndataset: shapes\ngrayscale: false # colour\nlayers: []\n', { grayscale: true });
    assert.equal(existing, 'name: x\ndataset: shapes\ngrayscale: true # colour\nlayers: []\n');
  });

  it('combined overrides land in one consistent document', () => {
    const out = applyOverrides(MODEL, { epochs: 1, dataset: 'fashion-mnist', grayscale: true });
    const doc = parse(out) as { dataset: string; grayscale: boolean; train: { epochs: number; batchSize: number } };
    assert.equal(doc.dataset, 'fashion-mnist');
    assert.equal(doc.grayscale, true);
    assert.deepEqual(doc.train, { batchSize: 64, epochs: 1 });
  });

  it('flow-style blocks fall back to a structural edit', () => {
    const out = applyOverrides('name: x\ndataset: mnist\nlayers: [flatten]\ntrain: { batchSize: 8 }\n', { epochs: 3 });
    assert.deepEqual((parse(out) as { train: unknown }).train, { batchSize: 8, epochs: 3 });
  });

  it('a text that is not a YAML map is refused', () => {
    assert.throws(() => applyOverrides('- a\n- b\n', { epochs: 1 }), /not a YAML map/);
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
