/**
 * Validation: every diagnostic sits on the offending key or value, has a stable code, and its
 * quick fixes produce a file whose re-analysis no longer has that problem.
 */
import * as assert from 'node:assert/strict';
import { analyzeModelText, applyEdits } from '../../../src/core/index';
import type { CoreDiagnostic } from '../../../src/core/index';
import { SMALL_MODEL, example, rangeIn, rangeOf } from './helpers';

function diag(text: string, code: string): CoreDiagnostic {
  const d = analyzeModelText(text).diagnostics.find((x) => x.code === code);
  assert.ok(d, `expected a ${code} diagnostic; got ${JSON.stringify(analyzeModelText(text).diagnostics.map((x) => x.code))}`);
  return d;
}

/** Applies the diagnostic's first (or titled) fix and returns the new text. */
function fixed(text: string, d: CoreDiagnostic, title?: RegExp): string {
  const f = title ? d.fix?.find((x) => title.test(x.title)) : d.fix?.[0];
  assert.ok(f, `no fix on ${d.code}`);
  return applyEdits(text, f.edits);
}

const codes = (text: string): string[] => analyzeModelText(text).diagnostics.map((d) => d.code);

const BASE = SMALL_MODEL;

describe('core diagnostics', () => {
  it('a clean model has no diagnostics at all', () => {
    assert.deepEqual(analyzeModelText(BASE).diagnostics, []);
  });

  it('YAML syntax errors are errors at the broken spot', () => {
    const text = 'dataset: mnist\nlayers:\n  - conv2d: { filters: 8, kernel: 3\n  - flatten\n';
    const d = diag(text, 'yaml-syntax');
    assert.equal(d.severity, 'error');
    assert.equal(d.range.start.line, 3);
    assert.equal(analyzeModelText(text).spec, null);
  });

  it('unknown top-level key with did-you-mean and a fix', () => {
    const text = BASE.replace('name: t', 'name: t\ngrayscal: true');
    const d = diag(text, 'unknown-key');
    assert.deepEqual(d.range, rangeOf(text, 'grayscal'));
    assert.match(d.message, /did you mean "grayscale"/);
    assert.equal(analyzeModelText(fixed(text, d)).spec?.grayscale, true);
  });

  it('unknown layer type: did you mean, also for Keras names', () => {
    const text = BASE.replace('maxpool2d', 'MaxPooling2D');
    const d = diag(text, 'unknown-layer');
    assert.deepEqual(d.range, rangeOf(text, 'MaxPooling2D'));
    assert.match(d.message, /did you mean "maxpool2d"/);
    assert.deepEqual(analyzeModelText(fixed(text, d)).diagnostics, []);
    const typo = BASE.replace('conv2d', 'cnov2d');
    assert.match(diag(typo, 'unknown-layer').message, /"conv2d"/);
  });

  it('unknown layer key and bad enum value, with fixes', () => {
    const text = BASE.replace('activation: relu', 'activaton: rleu');
    const d = diag(text, 'unknown-key');
    assert.deepEqual(d.range, rangeOf(text, 'activaton'));
    const v = 'padding: sme';
    const t2 = BASE.replace('kernel: 3,', `kernel: 3, ${v},`);
    const e = diag(t2, 'unknown-value');
    assert.deepEqual(e.range, rangeOf(t2, 'sme'));
    assert.equal(analyzeModelText(fixed(t2, e)).spec?.layers[0]?.type, 'conv2d');
  });

  it('wrong types and out-of-range values point at the value', () => {
    const t1 = BASE.replace('filters: 8', 'filters: "8"');
    assert.deepEqual(diag(t1, 'wrong-type').range, rangeOf(t1, '"8"'));
    const t2 = BASE.replace('filters: 8', 'filters: 2.5');
    assert.deepEqual(diag(t2, 'wrong-type').range, rangeOf(t2, '2.5'));
    const t3 = BASE.replace('filters: 8', 'filters: 0');
    assert.deepEqual(diag(t3, 'out-of-range').range, rangeOf(t3, '0', 0));
    const t4 = `${BASE}train: { epochs: -1, learningRate: 0 }\n`;
    const ds = analyzeModelText(t4).diagnostics.filter((d) => d.code === 'out-of-range');
    assert.deepEqual(ds.map((d) => d.range), [rangeIn(t4, 'epochs: -1', '-1'), rangeIn(t4, 'learningRate: 0', '0')]);
    const t5 = BASE.replace('kernel: 3', 'kernel: [3, x]');
    assert.deepEqual(diag(t5, 'wrong-type').range, rangeIn(t5, '[3, x]', 'x'));
  });

  it('shape error phrased with sizes: kernel 5×5 on a 3×3×64 input', () => {
    const text = `dataset: mnist
layers:
  - conv2d: { filters: 64, kernel: 13, strides: 2 }
  - conv2d: { filters: 64, kernel: 3, strides: 2 }
  - conv2d: { filters: 8, kernel: 5 }
  - flatten
  - dense: { units: 10, activation: softmax }
`;
    const d = diag(text, 'shape-mismatch');
    assert.equal(d.message, 'conv2d kernel 5×5 does not fit a 3×3×64 input with valid padding');
    assert.deepEqual(d.range, rangeIn(text, 'kernel: 5', '5'));
    const a = analyzeModelText(text);
    assert.deepEqual(a.partialSummary.layers.map((l) => l?.outputShape ?? null), [[8, 8, 64], [3, 3, 64], null, null, null]);
  });

  it('pooling that shrinks to zero reports shape-zero on the pool value', () => {
    const text = 'dataset: mnist\nlayers:\n' + '  - maxpool2d: { pool: 3 }\n'.repeat(4) + '  - flatten\n  - dense: { units: 10, activation: softmax }\n';
    const d = diag(text, 'shape-zero');
    assert.equal(d.range.start.line, 5);
    assert.match(d.message, /1×1×1 input to zero size \(0×0\)/);
  });

  it('dense on a 3-D tensor: missing-flatten with an insert-flatten fix', () => {
    const text = BASE.replace('  - flatten: {}\n', '');
    const d = diag(text, 'missing-flatten');
    assert.deepEqual(d.range, rangeOf(text, 'dense'));
    assert.match(d.message, /13×13×8/);
    const after = analyzeModelText(fixed(text, d));
    assert.deepEqual(after.diagnostics, []);
    assert.equal(after.summary?.totalParams, 80 + 13 * 13 * 8 * 10 + 10);
  });

  it('output units differ from the data set classes: fix sets units', () => {
    const text = BASE.replace('units: 10', 'units: 12');
    const d = diag(text, 'class-mismatch');
    assert.deepEqual(d.range, rangeOf(text, '12'));
    assert.match(d.message, /12 units.*10 classes/);
    assert.deepEqual(analyzeModelText(fixed(text, d)).diagnostics, []);
    const shapes = BASE.replace('dataset: mnist', 'dataset: shapes');
    assert.equal(diag(shapes, 'class-mismatch').message, 'the output layer has 10 units but the data set has 9 classes');
  });

  it('output not softmax: a warning, spec still produced, fix restores softmax', () => {
    const text = BASE.replace('activation: softmax', 'activation: sigmoid');
    const a = analyzeModelText(text);
    const d = diag(text, 'output-not-softmax');
    assert.equal(d.severity, 'warning');
    assert.deepEqual(d.range, rangeOf(text, 'sigmoid'));
    assert.ok(a.spec, 'warnings do not block the spec');
    assert.deepEqual(analyzeModelText(fixed(text, d)).diagnostics, []);
    const missing = BASE.replace(', activation: softmax', '');
    const d2 = diag(missing, 'output-not-softmax');
    assert.equal(analyzeModelText(fixed(missing, d2)).spec?.layers.at(-1)?.type, 'dense');
    assert.deepEqual(analyzeModelText(fixed(missing, d2)).diagnostics, []);
  });

  it('dropout rate outside [0, 1) is a dropout-range error on the rate', () => {
    for (const r of ['1', '1.5', '-0.1']) {
      const text = BASE.replace('rate: 0.5', `rate: ${r}`);
      const d = diag(text, 'dropout-range');
      assert.deepEqual(d.range, rangeIn(text, `rate: ${r}`, r));
      assert.equal(d.severity, 'error');
    }
  });

  it('dropout after the output: warning with move and remove fixes', () => {
    const text = BASE.replace('  - dropout: { rate: 0.5 }\n', '') + '  - dropout: { rate: 0.3 }\n';
    const d = diag(text, 'dropout-useless');
    assert.equal(d.severity, 'warning');
    assert.equal(d.range.start.line, 7);
    const moved = analyzeModelText(fixed(text, d, /Move/));
    assert.deepEqual(moved.diagnostics, []);
    assert.deepEqual(moved.spec?.layers.map((l) => l.type), ['conv2d', 'maxpool2d', 'flatten', 'dropout', 'dense']);
    const removed = analyzeModelText(fixed(text, d, /Remove/));
    assert.deepEqual(removed.spec?.layers.map((l) => l.type), ['conv2d', 'maxpool2d', 'flatten', 'dense']);
  });

  it('stacked dropouts: warning on the second, fix removes it', () => {
    const text = BASE.replace('  - dropout: { rate: 0.5 }\n', '  - dropout: { rate: 0.5 }\n  - dropout: { rate: 0.2 }\n');
    const d = diag(text, 'dropout-useless');
    assert.deepEqual(d.range, rangeOf(text, 'dropout', 1));
    assert.match(d.message, /stacked/);
    assert.deepEqual(analyzeModelText(fixed(text, d)).diagnostics, []);
  });

  it('no dropout: a hint on flatten with a fix inserting dropout 0.5 after it', () => {
    const text = example('mnist.cnn.yaml');
    const d = diag(text, 'dropout-suggested');
    assert.equal(d.severity, 'hint');
    assert.deepEqual(d.range, rangeOf(text, 'flatten'));
    const after = analyzeModelText(fixed(text, d));
    assert.deepEqual(after.diagnostics, []);
    assert.deepEqual(after.spec?.layers.map((l) => l.type), ['conv2d', 'maxpool2d', 'conv2d', 'maxpool2d', 'flatten', 'dropout', 'dense', 'dense']);
    assert.equal(after.summary?.totalParams, 220_234);
  });

  it('input must agree with the data set; fix sets it', () => {
    const text = BASE.replace('dataset: mnist', 'dataset: mnist\ninput: [28, 28, 3]');
    const d = diag(text, 'input-mismatch');
    assert.deepEqual(d.range, rangeOf(text, '[28, 28, 3]'));
    assert.deepEqual(analyzeModelText(fixed(text, d)).spec?.inputShape, [28, 28, 1]);
    assert.deepEqual(codes(BASE.replace('dataset: mnist', 'dataset: cifar10\ngrayscale: true\ninput: [32, 32, 1]')), []);
  });

  it('image folders: shape from imageSize, classes from the file', () => {
    const text = BASE.replace('dataset: mnist', 'dataset: { folder: ./pets, imageSize: [64, 48] }\nclasses: 10');
    const a = analyzeModelText(text);
    assert.deepEqual(a.diagnostics, []);
    assert.deepEqual(a.spec?.dataset, { kind: 'folder', path: './pets', imageSize: [64, 48], testSplit: 0.2 });
    assert.deepEqual(a.spec?.inputShape, [64, 48, 3]);
    assert.equal(a.spec?.numClasses, 10);
    const noClasses = analyzeModelText(BASE.replace('dataset: mnist', 'dataset: { folder: ./pets }'));
    assert.equal(noClasses.spec?.numClasses, null);
    assert.deepEqual(noClasses.spec?.inputShape, [32, 32, 3]);
  });

  it('missing dataset and layers are reported on the first key, not the whole file', () => {
    const d = analyzeModelText('name: x\n').diagnostics.filter((x) => x.code === 'missing-key');
    assert.equal(d.length, 2);
    for (const x of d) assert.deepEqual(x.range, { start: { line: 0, character: 0 }, end: { line: 0, character: 4 } });
  });

  it('a layer missing a required key is reported on its type keyword', () => {
    const text = BASE.replace('units: 10, ', '');
    const d = diag(text, 'missing-key');
    assert.deepEqual(d.range, rangeOf(text, 'dense'));
  });

  it('the train block: defaults like Keras, values read, augment', () => {
    const a = analyzeModelText(example('cifar10-alexnet.cnn.yaml'));
    assert.deepEqual(a.spec?.train, {
      epochs: 10, batchSize: 32, optimizer: 'rmsprop', learningRate: 0.001, validationSplit: 0.1, seed: 42,
      augment: { flipHorizontal: true, shift: 0.1 },
    });
    const d = analyzeModelText(BASE).spec?.train;
    assert.deepEqual(d, { epochs: 10, batchSize: 32, optimizer: 'adam', learningRate: 0.001, validationSplit: 0.1, seed: 42, augment: { flipHorizontal: false, shift: 0 } });
    assert.equal(diag(`${BASE}train: { optimiser: sgd }\n`, 'unknown-key').message, 'unknown key "optimiser" in train; did you mean "optimizer"?');
  });

  it('shorthands: bare `- flatten`, `- activation: relu`, `- dropout: 0.25`', () => {
    const a = analyzeModelText('dataset: mnist\nlayers:\n  - conv2d: { filters: 4, kernel: 3 }\n  - activation: relu\n  - flatten\n  - dropout: 0.25\n  - dense: { units: 10, activation: softmax }\n');
    assert.deepEqual(a.diagnostics, []);
    assert.deepEqual(a.spec?.layers.slice(1, 4), [{ type: 'activation', activation: 'relu' }, { type: 'flatten' }, { type: 'dropout', rate: 0.25 }]);
  });

  it('a 200-layer file is analysed completely and correctly', () => {
    const lines = ['name: deep', 'dataset: cifar10', 'layers:'];
    for (let i = 0; i < 98; i++) lines.push('  - conv2d: { filters: 8, kernel: 3, padding: same, activation: relu }', '  - batchnorm: {}');
    lines.push('  - flatten: {}', '  - dropout: { rate: 0.5 }', '  - dense: { units: 10, activation: softmax }');
    const text = lines.join('\n') + '\n';
    const a = analyzeModelText(text);
    assert.deepEqual(a.diagnostics, []);
    assert.equal(a.layers.length, 199);
    const first = 3 * 3 * 3 * 8 + 8, rest = 97 * (3 * 3 * 8 * 8 + 8), bn = 98 * 32, dense = 32 * 32 * 8 * 10 + 10;
    assert.equal(a.summary?.totalParams, first + rest + bn + dense);
    assert.equal(a.summary?.nonTrainableParams, 98 * 16);
    assert.deepEqual(a.layers[198]?.typeRange.start, { line: 201, character: 4 });
  });
});

describe('core robustness: analyzeModelText never throws', () => {
  const garbage: Record<string, string> = {
    empty: '',
    whitespace: '   \n\n\t\n',
    binary: Array.from({ length: 2000 }, (_, i) => String.fromCharCode((i * 7919) % 65536)).join(''),
    nul: '\u0000\u0001\u0002dataset: mnist\u0000',
    scalar: '42',
    list: '- a\n- b\n',
    deepFlow: `x: ${'['.repeat(5000)}${']'.repeat(5000)}`,
    deepBlock: 'x:\n' + Array.from({ length: 2000 }, (_, i) => `${' '.repeat(i + 1)}a:`).join('\n'),
    aliasCycle: 'a: &a [*a]\ndataset: mnist\nlayers: *a\n',
    aliasBomb: 'a: &a [1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\ndataset: mnist\nlayers: *c\n',
    unknownAlias: 'dataset: *nothing\nlayers: [*none]\n',
    huge: 'dataset: mnist\nlayers:\n  - conv2d: { filters: 1e400, kernel: 99999999999999999999999 }\n  - dense: { units: -1e308 }\n',
    multiDoc: 'dataset: mnist\n---\nlayers: []\n',
    tags: 'dataset: !!binary aGVsbG8=\nlayers: !!set { a, b }\n',
    complexKeys: '? [a, b]\n: c\n{x: 1}: 2\n',
    tabs: 'dataset:\tmnist\nlayers:\n\t- flatten\n',
    layerGarbage: 'dataset: mnist\nlayers:\n  - 5\n  - [1, 2]\n  - { }\n  - conv2d: [1]\n  - dense: { units: { a: 1 } }\n  -\n',
  };
  for (const [name, text] of Object.entries(garbage)) {
    it(`${name}: returns an analysis with diagnostics and no spec`, () => {
      const a = analyzeModelText(text);
      assert.ok(Array.isArray(a.diagnostics));
      assert.equal(a.spec, null);
      assert.ok(a.diagnostics.some((d) => d.severity === 'error'));
      for (const d of a.diagnostics) {
        assert.ok(d.range.start.line >= 0 && d.range.start.character >= 0 && d.code.length > 0 && d.message.length > 0);
        assert.notEqual(d.code, 'internal-error', d.message);
      }
    });
  }

  it('an alias to a valid layer resolves like the layer itself', () => {
    const text = 'dataset: mnist\nlayers:\n  - &c conv2d: { filters: 4, kernel: 3 }\n  - flatten\n  - dense: &d { units: 10, activation: softmax }\n';
    const a = analyzeModelText(text);
    assert.deepEqual(a.diagnostics.filter((d) => d.severity === 'error'), []);
  });
});
