/**
 * Every quick fix the analysis offers, applied: the re-analysed file no longer has the diagnostic
 * it was attached to, and gains no new error. Each case runs in block and flow layouts where they
 * differ, and with CRLF line ends.
 */
import * as assert from 'node:assert/strict';
import { analyzeModelText, applyEdits } from '../../../src/core/index';
import type { CoreDiagnostic, DiagnosticCode } from '../../../src/core/index';
import { SMALL_MODEL, example } from './helpers';

const BASE = `${SMALL_MODEL}train:
  epochs: 2
  augment: { flipHorizontal: true }
`;

const BLOCK_PARAMS = `dataset: mnist
layers:
  - conv2d:
      filters: 8
      kernel: 3
  - flatten
  - dropout: 0.5
  - dense:
      units: 12
      activation: softmax
`;

const FLOW = 'dataset: mnist\nlayers: [ { conv2d: { filters: 4, kernel: 3 } }, { flatten: {} }, { dropout: 0.5 }, { dense: { units: 10, activation: softmax } } ]\n';

interface Case { name: string; text: string; code: DiagnosticCode; titles?: RegExp }

const CASES: Case[] = [
  { name: 'top-level key typo', text: BASE.replace('name: t', 'name: t\ngrayscal: true'), code: 'unknown-key' },
  { name: 'layer key typo', text: BASE.replace('filters: 8', 'fitlers: 8'), code: 'unknown-key' },
  { name: 'train key typo', text: BASE.replace('epochs: 2', 'epohcs: 2'), code: 'unknown-key' },
  { name: 'augment key typo', text: BASE.replace('flipHorizontal', 'flipHorizontl'), code: 'unknown-key' },
  { name: 'folder key typo', text: BASE.replace('dataset: mnist', 'dataset: { folder: ./x, imageSise: [28, 28] }\ngrayscale: true\nclasses: 10'), code: 'unknown-key' },
  { name: 'layer type typo', text: BASE.replace('conv2d', 'cnov2d'), code: 'unknown-layer' },
  { name: 'Keras layer name', text: BASE.replace('maxpool2d', 'MaxPooling2D'), code: 'unknown-layer' },
  { name: 'PyTorch layer name', text: BASE.replace('dense', 'Linear'), code: 'unknown-layer' },
  { name: 'layer type typo, block params', text: BLOCK_PARAMS.replace('conv2d', 'convd2').replace('units: 12', 'units: 10'), code: 'unknown-layer' },
  { name: 'layer type typo, flow list', text: FLOW.replace('flatten', 'flaten'), code: 'unknown-layer' },
  { name: 'padding typo', text: BASE.replace('kernel: 3,', 'kernel: 3, padding: sme,'), code: 'unknown-value' },
  { name: 'activation typo', text: BASE.replace('activation: relu', 'activation: rleu'), code: 'unknown-value' },
  { name: 'optimizer typo', text: BASE.replace('epochs: 2', 'epochs: 2\n  optimizer: adma'), code: 'unknown-value' },
  { name: 'data set typo', text: BASE.replace('dataset: mnist', 'dataset: mnsit'), code: 'unknown-value' },
  { name: 'data set alias', text: BASE.replace('dataset: mnist', 'dataset: fashion'), code: 'unknown-value' },
  { name: 'yes for a boolean', text: BASE.replace('name: t', 'name: t\ngrayscale: yes'), code: 'wrong-type' },
  { name: 'off for a layer boolean', text: BASE.replace('units: 10,', 'units: 10, useBias: off,'), code: 'wrong-type' },
  { name: 'classes of a built-in data set', text: BASE.replace('dataset: mnist', 'dataset: mnist\nclasses: 5'), code: 'dataset-classes' },
  { name: 'input against the data set', text: BASE.replace('dataset: mnist', 'dataset: cifar10\ngrayscale: true\ninput: [32, 32, 3]'), code: 'input-mismatch' },
  { name: 'dense on a 3-D tensor', text: BASE.replace('  - flatten: {}\n', ''), code: 'missing-flatten' },
  { name: 'dense on a 3-D tensor, block params', text: BLOCK_PARAMS.replace('  - flatten\n', '').replace('units: 12', 'units: 10'), code: 'missing-flatten' },
  { name: 'dense on a 3-D tensor, flow list', text: FLOW.replace('{ flatten: {} }, ', ''), code: 'missing-flatten' },
  { name: 'model ends with a 3-D tensor', text: 'dataset: cifar10\nlayers:\n  - conv2d: { filters: 8, kernel: 3 }\n  - maxpool2d: { pool: 2 }\n', code: 'output-not-flat' },
  { name: 'output units differ from classes', text: BASE.replace('units: 10', 'units: 12'), code: 'class-mismatch' },
  { name: 'output units differ, block params', text: BLOCK_PARAMS, code: 'class-mismatch' },
  { name: 'output units differ, flow list', text: FLOW.replace('units: 10', 'units: 3'), code: 'class-mismatch' },
  { name: 'output units differ, shapes (9 classes)', text: BASE.replace('dataset: mnist', 'dataset: shapes'), code: 'class-mismatch' },
  { name: 'output activation not softmax', text: BASE.replace('activation: softmax', 'activation: sigmoid'), code: 'output-not-softmax' },
  { name: 'output activation missing', text: BASE.replace(', activation: softmax', ''), code: 'output-not-softmax' },
  { name: 'output activation missing, block params', text: BLOCK_PARAMS.replace('units: 12', 'units: 10').replace('      activation: softmax\n', ''), code: 'output-not-softmax' },
  { name: 'dropout rate 0', text: BASE.replace('rate: 0.5', 'rate: 0'), code: 'dropout-useless' },
  { name: 'dropout after the output', text: BASE.replace('  - dropout: { rate: 0.5 }\n', '').replace('train:', '  - dropout: { rate: 0.3 }\ntrain:'), code: 'dropout-useless' },
  { name: 'dropout after the output, flow list', text: FLOW.replace('{ dropout: 0.5 }, ', '').replace(' ]', ', { dropout: 0.3 } ]'), code: 'dropout-useless' },
  { name: 'dropout after the output, shorthand at end of file without newline', text: BASE.replace('  - dropout: { rate: 0.5 }\n', '').replace(/train:[^]*$/, '  - dropout: 0.2'), code: 'dropout-useless' },
  { name: 'stacked dropout', text: BASE.replace('  - dropout: { rate: 0.5 }\n', '  - dropout: { rate: 0.5 }\n  - dropout: { rate: 0.2 }\n'), code: 'dropout-useless' },
  { name: 'stacked dropout, flow list', text: FLOW.replace('{ dropout: 0.5 }', '{ dropout: 0.5 }, { dropout: 0.1 }'), code: 'dropout-useless' },
  { name: 'no dropout (course hint)', text: example('mnist.cnn.yaml'), code: 'dropout-suggested' },
  { name: 'no dropout (course hint), globalavgpool2d', text: 'dataset: cifar10\nlayers:\n  - conv2d: { filters: 8, kernel: 3 }\n  - globalavgpool2d\n  - dense: { units: 10, activation: softmax }', code: 'dropout-suggested' },
  { name: 'kernel larger than its input', text: BASE.replace('kernel: 3', 'kernel: 30'), code: 'shape-mismatch' },
  { name: 'kernel larger than its input, block params', text: BLOCK_PARAMS.replace('kernel: 3', 'kernel: [3, 40]').replace('units: 12', 'units: 10'), code: 'shape-mismatch' },
  { name: 'pooling window larger than its input', text: BASE.replace('pool: 2', 'pool: 40'), code: 'shape-zero' },
  { name: 'dropout on feature maps', text: BASE.replace('  - flatten: {}\n  - dropout: { rate: 0.5 }\n', '  - dropout: { rate: 0.5 }\n  - flatten: {}\n'), code: 'dropout-on-feature-maps' },
  { name: 'no dropout (course hint), flow list', text: FLOW.replace('{ dropout: 0.5 }, ', ''), code: 'dropout-suggested' },
];

const count = (text: string, code: DiagnosticCode): number => analyzeModelText(text).diagnostics.filter((d) => d.code === code).length;
const errorCount = (text: string): number => analyzeModelText(text).diagnostics.filter((d) => d.severity === 'error').length;

function check(text: string, code: DiagnosticCode): number {
  const before = analyzeModelText(text).diagnostics;
  const targets = before.filter((d): d is CoreDiagnostic & { fix: NonNullable<CoreDiagnostic['fix']> } => d.code === code && (d.fix?.length ?? 0) > 0);
  assert.ok(targets.length > 0, `no ${code} diagnostic with a fix; got ${JSON.stringify(before.map((d) => [d.code, d.fix?.length ?? 0]))}`);
  let applied = 0;
  for (const d of targets) {
    for (const f of d.fix) {
      const after = applyEdits(text, f.edits);
      assert.ok(count(after, code) < count(text, code), `"${f.title}" left the ${code} diagnostic:\n${after}`);
      assert.ok(errorCount(after) <= errorCount(text) - (d.severity === 'error' ? 1 : 0), `"${f.title}" added errors:\n${after}\n${JSON.stringify(analyzeModelText(after).diagnostics.map((x) => x.message))}`);
      applied++;
    }
  }
  return applied;
}

describe('core quick fixes: applied, the diagnostic is gone', () => {
  for (const c of CASES) {
    it(`${c.code}: ${c.name}`, () => {
      assert.ok(check(c.text, c.code) > 0);
      assert.ok(check(c.text.replace(/\r?\n/g, '\r\n'), c.code) > 0, 'with CRLF line ends');
    });
  }

  it('a typo fix lands on the typo and yields the intended value', () => {
    const text = BASE.replace('activation: relu', 'activation: rleu');
    const d = analyzeModelText(text).diagnostics.find((x) => x.code === 'unknown-value');
    assert.equal(d?.message, 'unknown activation "rleu"; did you mean "relu"?');
    const f = d?.fix?.[0];
    assert.equal(f?.title, 'Change to "relu"');
    assert.equal(applyEdits(text, f?.edits ?? []), BASE);
  });

  it('a kernel that does not fit offers padding: same and the largest kernel that keeps the model valid', () => {
    const text = BASE.replace('kernel: 3', 'kernel: 30');
    const d = analyzeModelText(text).diagnostics.find((x) => x.code === 'shape-mismatch');
    assert.deepEqual(d?.fix?.map((f) => f.title), ['Use padding: same (output 28×28×8)', 'Use kernel: 27, the largest that fits']);
    // kernel 28 would fit the 28×28 input but leave a 1×1 map that the 2×2 pooling after it cannot take.
    assert.match(applyEdits(text, d?.fix?.[1]?.edits ?? []), /kernel: 27, activation/);
  });

  it('insert flatten goes before a dropout in front of the dense layer', () => {
    const text = BASE.replace('  - flatten: {}\n', '');
    const d = analyzeModelText(text).diagnostics.find((x) => x.code === 'missing-flatten');
    assert.equal(d?.fix?.[0]?.title, 'Insert flatten before the dropout');
    assert.equal(applyEdits(text, d?.fix?.[0]?.edits ?? []), BASE);
  });

  it('moving a dropout that sits after the output puts it right before the output layer', () => {
    const text = BASE.replace('  - dropout: { rate: 0.5 }\n', '').replace('train:', '  - dropout: { rate: 0.3 }\ntrain:');
    const d = analyzeModelText(text).diagnostics.find((x) => x.code === 'dropout-useless');
    const move = d?.fix?.find((f) => /Move/.test(f.title));
    assert.ok(move);
    assert.equal(applyEdits(text, move.edits), BASE.replace('rate: 0.5', 'rate: 0.3'));
  });

  it('insert flatten keeps the indentation and comments of the file', () => {
    const text = 'dataset: mnist\nlayers:\n    # features\n    - conv2d: { filters: 8, kernel: 3 }  # first\n    - dense: { units: 10, activation: softmax }\n';
    const d = analyzeModelText(text).diagnostics.find((x) => x.code === 'missing-flatten');
    assert.equal(applyEdits(text, d?.fix?.[0]?.edits ?? []),
      'dataset: mnist\nlayers:\n    # features\n    - conv2d: { filters: 8, kernel: 3 }  # first\n    - flatten: {}\n    - dense: { units: 10, activation: softmax }\n');
  });
});

describe('core quick fixes: no fix that makes a duplicate key', () => {
  it('a typo of a key the map already has gets no rename', () => {
    const text = BASE.replace('kernel: 3,', 'kernel: 3, kernl: 5,');
    const d = analyzeModelText(text).diagnostics.find((x) => x.code === 'unknown-key');
    assert.ok(d);
    assert.equal(d.fix, undefined);
    assert.match(d.message, /^unknown key "kernl" in conv2d; expected one of: /);
  });
});
