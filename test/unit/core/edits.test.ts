/**
 * Whole-model edits (dropout placement, data set switch): they keep formatting and comments, and
 * the edited file re-analyses cleanly with exactly the expected layers.
 */
import * as assert from 'node:assert/strict';
import { analyzeModelText, applyEdits, datasetEdits, dropoutPlacementEdits } from '../../../src/core/index';
import type { DropoutPlacement } from '../../../src/core/index';
import { CnnLabError } from '../../../src/shared/errors';
import { example } from './helpers';

function place(text: string, p: DropoutPlacement, rate = 0.5): { text: string; types: string[]; rates: number[] } {
  const out = applyEdits(text, dropoutPlacementEdits(text, p, rate));
  const a = analyzeModelText(out);
  assert.deepEqual(a.diagnostics.filter((d) => d.severity !== 'hint'), [], out);
  assert.ok(a.spec, out);
  return {
    text: out,
    types: a.spec.layers.map((l) => l.type),
    rates: a.spec.layers.flatMap((l) => (l.type === 'dropout' ? [l.rate] : [])),
  };
}

describe('core edits: dropout placement', () => {
  const alex = example('cifar10-alexnet.cnn.yaml');
  const mnist = example('mnist.cnn.yaml');

  it('none removes every dropout and keeps the comments', () => {
    const r = place(alex, 'none');
    assert.deepEqual(r.types, ['conv2d', 'maxpool2d', 'conv2d', 'maxpool2d', 'conv2d', 'maxpool2d', 'flatten', 'dense', 'dense']);
    assert.ok(r.text.startsWith('# The course\'s simplified AlexNet'));
    assert.equal(analyzeModelText(r.text).summary?.totalParams, 528_054);
  });

  it('afterFlatten puts one dropout between the flattened features and the output', () => {
    const r = place(mnist, 'afterFlatten', 0.4);
    assert.deepEqual(r.types, ['conv2d', 'maxpool2d', 'conv2d', 'maxpool2d', 'flatten', 'dropout', 'dense', 'dense']);
    assert.deepEqual(r.rates, [0.4]);
    assert.match(r.text, /\n {2}- flatten: \{\}\n {2}- dropout: \{ rate: 0\.4 \}\n/);
    const again = place(alex, 'afterFlatten');
    assert.deepEqual(again.types, ['conv2d', 'maxpool2d', 'conv2d', 'maxpool2d', 'conv2d', 'maxpool2d', 'flatten', 'dropout', 'dense', 'dense']);
  });

  it('afterEveryDense puts a dropout after each hidden dense, not after the output', () => {
    const r = place(mnist, 'afterEveryDense', 0.3);
    assert.deepEqual(r.types, ['conv2d', 'maxpool2d', 'conv2d', 'maxpool2d', 'flatten', 'dense', 'dropout', 'dense']);
    assert.deepEqual(r.rates, [0.3]);
  });

  it('afterEveryConvBlock puts a dropout after each conv block', () => {
    const r = place(alex, 'afterEveryConvBlock', 0.25);
    assert.deepEqual(r.types, ['conv2d', 'maxpool2d', 'dropout', 'conv2d', 'maxpool2d', 'dropout', 'conv2d', 'maxpool2d', 'dropout', 'flatten', 'dense', 'dense']);
    assert.deepEqual(r.rates, [0.25, 0.25, 0.25]);
  });

  it('a dropout already in place is rewritten, not duplicated; edits are idempotent', () => {
    const once = place(example('mnist-keras-example.cnn.yaml'), 'afterFlatten', 0.5);
    assert.deepEqual(dropoutPlacementEdits(once.text, 'afterFlatten', 0.5), [], 'nothing to change');
    const rerated = place(once.text, 'afterFlatten', 0.3);
    assert.deepEqual(rerated.rates, [0.3]);
    assert.equal(rerated.text, once.text.replace('rate: 0.5', 'rate: 0.3'));
  });

  it('flow-style layer lists are edited too', () => {
    const text = 'dataset: mnist\nlayers: [ { conv2d: { filters: 4, kernel: 3 } }, { flatten: {} }, { dropout: 0.2 }, { dense: { units: 32 } }, { dropout: 0.1 }, { dropout: 0.1 }, { dense: { units: 10, activation: softmax } } ]\n';
    const r = place(text, 'afterFlatten');
    assert.deepEqual(r.types, ['conv2d', 'flatten', 'dropout', 'dense', 'dense']);
    assert.deepEqual(r.rates, [0.5]);
    const n = place(text, 'none');
    assert.deepEqual(n.types, ['conv2d', 'flatten', 'dense', 'dense']);
  });

  it('refuses a bad rate or a file without layers', () => {
    assert.throws(() => dropoutPlacementEdits(example('mnist.cnn.yaml'), 'afterFlatten', 1), CnnLabError);
    assert.throws(() => dropoutPlacementEdits('dataset: mnist\n', 'afterFlatten', 0.5), CnnLabError);
  });
});

describe('core edits: data set switch', () => {
  it('mnist → shapes: dataset value and the output units (9 classes)', () => {
    const text = example('mnist.cnn.yaml');
    const out = applyEdits(text, datasetEdits(text, 'shapes', false));
    const a = analyzeModelText(out);
    assert.equal(a.diagnostics.filter((d) => d.severity === 'error').length, 0, out);
    assert.deepEqual(a.spec?.dataset, { kind: 'builtin', name: 'shapes' });
    assert.deepEqual(a.spec?.inputShape, [32, 32, 3]);
    assert.equal(a.summary?.layers.at(-1)?.outputShape[0], 9);
    assert.ok(out.includes('# MNIST convnet from the course'));
  });

  it('cifar10 with grayscale inserts grayscale: true; first conv 208 → 80', () => {
    const text = example('cifar10-alexnet.cnn.yaml');
    const out = applyEdits(text, datasetEdits(text, 'cifar10', true));
    assert.match(out, /\ndataset: cifar10\ngrayscale: true\n/);
    const a = analyzeModelText(out);
    assert.equal(a.summary?.layers[0]?.params, 80);
    const back = applyEdits(out, datasetEdits(out, 'cifar10', false));
    assert.equal(analyzeModelText(back).summary?.layers[0]?.params, 208);
  });

  it('to a folder: flow map with imageSize, input kept consistent, classes removed for built-ins', () => {
    const text = 'name: x\ndataset: mnist\ninput: [28, 28, 1]\nlayers:\n  - flatten\n  - dense: { units: 10, activation: softmax }\n';
    const out = applyEdits(text, datasetEdits(text, { folder: './my images' }, false));
    const a = analyzeModelText(out);
    assert.deepEqual(a.diagnostics.filter((d) => d.severity === 'error'), [], out);
    assert.deepEqual(a.spec?.dataset, { kind: 'folder', path: './my images', imageSize: [32, 32], testSplit: 0.2 });
    assert.deepEqual(a.spec?.inputShape, [32, 32, 3]);
    const withClasses = 'name: x\ndataset: { folder: ./a }\nclasses: 3\nlayers:\n  - flatten\n  - dense: { units: 3, activation: softmax }\n';
    const toMnist = applyEdits(withClasses, datasetEdits(withClasses, 'mnist', false));
    const b = analyzeModelText(toMnist);
    assert.deepEqual(b.diagnostics.filter((d) => d.severity === 'error'), [], toMnist);
    assert.ok(!toMnist.includes('classes:'));
    assert.equal(b.spec?.layers.at(-1)?.type === 'dense' ? (b.spec.layers.at(-1) as { units: number }).units : 0, 10);
  });

  it('applyEdits rejects overlapping edits', () => {
    const r = { start: { line: 0, character: 0 }, end: { line: 0, character: 3 } };
    assert.throws(() => applyEdits('abcdef', [{ range: r, newText: 'x' }, { range: { start: { line: 0, character: 2 }, end: { line: 0, character: 4 } }, newText: 'y' }]));
    assert.equal(applyEdits('abcdef', [{ range: r, newText: 'X' }, { range: { start: { line: 0, character: 3 }, end: { line: 0, character: 3 } }, newText: '-' }]), 'X-def');
  });
});
