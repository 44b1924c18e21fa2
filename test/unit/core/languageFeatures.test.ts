/** Hover, completion, inlay hints, CodeLens and the summary table, computed by the pure core. */
import * as assert from 'node:assert/strict';
import {
  analyzeModelText, codeLenses, completionsAt, formatSummaryTable, hoverAt, inlayHints,
} from '../../../src/core/index';
import type { Position } from '../../../src/core/index';
import { example, rangeOf } from './helpers';

const at = (text: string, needle: string, nth = 0, offset = 0): Position => {
  const r = rangeOf(text, needle, nth);
  return { line: r.start.line, character: r.start.character + offset };
};

describe('core hover', () => {
  const text = example('mnist.cnn.yaml');
  const a = analyzeModelText(text);

  it('a layer shows output shape, parameters with their formula, and MACs', () => {
    const h = hoverAt(text, a, at(text, 'conv2d', 1, 2));
    assert.ok(h);
    assert.match(h.markdown, /\*\*conv2d\*\* `conv2d_1`/);
    assert.match(h.markdown, /\| Output \| \*\*14×14×64\*\* \|/);
    assert.match(h.markdown, /\| Parameters \| 18,496 = 3·3·32·64 weights \+ 64 biases \|/);
    assert.match(h.markdown, /\| MACs per sample \| 3,612,672/);
    assert.deepEqual(h.range, rangeOf(text, 'conv2d', 1));
  });

  it('the first conv on colour input says how colour triples its weights, with both numbers', () => {
    const alex = example('cifar10-alexnet.cnn.yaml');
    const h = hoverAt(alex, analyzeModelText(alex), at(alex, '- conv2d', 0, 4));
    assert.match(h?.markdown ?? '', /Colour input.*208 parameters.*grayscale.*80/s);
    const gray = alex.replace('dataset: cifar10', 'dataset: cifar10\ngrayscale: true');
    const g = hoverAt(gray, analyzeModelText(gray), at(gray, '- conv2d', 0, 4));
    assert.match(g?.markdown ?? '', /Grayscale input.*80 parameters.*208 parameters/s);
    const later = hoverAt(alex, analyzeModelText(alex), at(alex, '- conv2d', 1, 4));
    assert.doesNotMatch(later?.markdown ?? '', /Colour input/);
  });

  it('a layer key shows its documentation and default; a data set name its facts', () => {
    const h = hoverAt(text, a, at(text, 'padding'));
    assert.match(h?.markdown ?? '', /`padding`: .*Default: `valid`/);
    const d = hoverAt(text, a, at(text, 'mnist', 1, 1));
    assert.match(d?.markdown ?? '', /MNIST handwritten digits.*28×28×1, 10 classes/s);
  });

  it('a layer whose shape is unknown says why', () => {
    const bad = 'dataset: mnist\nlayers:\n  - conv2d: { filters: 4, kernel: 40 }\n  - flatten\n';
    const h = hoverAt(bad, analyzeModelText(bad), { line: 3, character: 5 });
    assert.match(h?.markdown ?? '', /Output shape unknown/);
  });
});

describe('core completion', () => {
  const labels = (text: string, pos: Position): string[] => completionsAt(text, pos).map((c) => c.label);

  it('layer types after a dash in layers, as snippets', () => {
    const text = 'dataset: mnist\nlayers:\n  - conv2d: { filters: 4, kernel: 3 }\n  - \n';
    const items = completionsAt(text, { line: 3, character: 4 });
    assert.deepEqual(items.map((c) => c.label), [
      'conv2d', 'separableconv2d', 'depthwiseconv2d', 'maxpool2d', 'avgpool2d', 'globalavgpool2d', 'globalmaxpool2d', 'zeropadding2d',
      'flatten', 'dense', 'dropout', 'spatialdropout2d', 'batchnorm', 'activation', 'leakyrelu', 'elu', 'gelu', 'swish',
    ]);
    assert.ok(items.every((c) => c.kind === 'layer' && c.snippet === true));
  });

  it('keys of the layer inside a flow map, without those already present', () => {
    const text = 'layers:\n  - conv2d: { filters: 4,  }\n';
    const l = labels(text, { line: 1, character: 26 });
    assert.ok(l.includes('kernel') && l.includes('padding') && l.includes('use' + 'Bias'));
    assert.ok(!l.includes('filters'));
  });

  it('keys of a block map: top level, train, layer parameters', () => {
    assert.deepEqual(labels('name: x\n\n', { line: 1, character: 0 }).sort(), ['classes', 'dataset', 'grayscale', 'input', 'layers', 'train']);
    const train = labels('train:\n  epochs: 3\n  \n', { line: 2, character: 2 });
    assert.ok(train.includes('batchSize') && !train.includes('epochs'));
    const block = labels('layers:\n  - dense:\n      units: 3\n      \n', { line: 3, character: 6 });
    assert.ok(block.includes('activation') && !block.includes('units'));
  });

  it('enum values after key: activation, padding, optimizer, dataset, booleans', () => {
    assert.ok(labels('layers:\n  - dense: { units: 3, activation: }\n', { line: 1, character: 35 }).includes('softmax'));
    assert.deepEqual(labels('layers:\n  - conv2d: { padding: }\n', { line: 1, character: 23 }), ['valid', 'same']);
    assert.ok(labels('train:\n  optimizer: \n', { line: 1, character: 13 }).includes('rmsprop'));
    assert.deepEqual(labels('dataset: \n', { line: 0, character: 9 }), ['mnist', 'fashion-mnist', 'cifar10', 'shapes', '{ folder: … }']);
    assert.deepEqual(labels('grayscale: \n', { line: 0, character: 11 }), ['true', 'false']);
    assert.ok(labels('layers:\n  - activation: \n', { line: 1, character: 16 }).includes('relu'));
  });

  it('nothing inside comments or lists', () => {
    assert.deepEqual(labels('# dataset: \n', { line: 0, character: 11 }), []);
    assert.deepEqual(labels('input: [28, \n', { line: 0, character: 12 }), []);
  });
});

describe('core inlay hints and code lenses', () => {
  const text = example('mnist.cnn.yaml');
  const a = analyzeModelText(text);

  it('each layer line ends with its output shape and parameters; the dataset line with the input', () => {
    const hints = inlayHints(text, a);
    const lines = text.split('\n');
    const conv = hints.find((h) => h.label.includes('28×28×32'));
    assert.ok(conv);
    assert.equal(conv.label, ' → 28×28×32 · 320 params');
    assert.deepEqual(conv.position, { line: rangeOf(text, 'conv2d').start.line, character: (lines[rangeOf(text, 'conv2d').start.line] ?? '').length });
    assert.deepEqual(hints.map((h) => h.label), [
      ' input 28×28×1 · 10 classes', ' → 28×28×32 · 320 params', ' → 14×14×32', ' → 14×14×64 · 18,496 params', ' → 7×7×64',
      ' → 3136', ' → 64 · 200,768 params', ' → 10 · 650 params',
    ]);
    const ranged = inlayHints(text, a, { start: { line: 5, character: 0 }, end: { line: 6, character: 0 } });
    assert.equal(ranged.length, 2);
  });

  it('a wrong value that does not change shapes (activation, rate, name) keeps every shape hint; one that does stops them below it', () => {
    const labels = (t: string): string[] => inlayHints(t, analyzeModelText(t)).map((h) => h.label);
    const good = labels(text);
    const typos: [string, string][] = [
      ['activation: relu', 'activation: relux'],
      ['conv2d: { filters: 32,', 'conv2d: { name: "bad name", filters: 32,'],
    ];
    for (const [from, to] of typos) {
      const bad = text.replace(from, to);
      assert.notEqual(bad, text, `the example holds ${from}`);
      const a2 = analyzeModelText(bad);
      assert.equal(a2.diagnostics.filter((d) => d.severity === 'error').length, 1, `${to}: one error`);
      assert.equal(a2.spec, null, `${to}: not trainable`);
      assert.deepEqual(labels(bad), good, `${to}: the same hints as the valid model`);
    }
    // Dropout: a rate out of range, or none at all, is still a pass-through for shapes.
    const withDropout = text.replace('  - dense: { units: 10,', '  - dropout: { rate: 0.5 }\n  - dense: { units: 10,');
    const dropoutHints = labels(withDropout);
    assert.equal(dropoutHints.length, good.length + 1);
    for (const bad of [withDropout.replace('rate: 0.5', 'rate: 1.5'), withDropout.replace('{ rate: 0.5 }', '{}')]) {
      assert.equal(analyzeModelText(bad).spec, null);
      assert.deepEqual(labels(bad), dropoutHints);
    }
    // Filters change the shape: the hints stop at that layer, the ones above stay.
    const badFilters = labels(text.replace('filters: 64', 'filters: -1'));
    assert.deepEqual(badFilters, good.slice(0, 3));
  });

  it('lenses: totals plus Train and Summary on the layers key; an error count when invalid', () => {
    const lenses = codeLenses(a);
    assert.deepEqual(lenses.map((l) => [l.title, l.command]), [
      ['220,234 params · 4.04M MACs', 'cnnLab.showModelSummary'], ['$(play) Train', 'cnnLab.trainModel'], ['Summary', 'cnnLab.showModelSummary'],
    ]);
    const key = rangeOf(text, 'layers:');
    assert.deepEqual(lenses[0]?.range, { start: key.start, end: { line: key.end.line, character: key.end.character - 1 } });
    const bad = codeLenses(analyzeModelText(text.replace('units: 10', 'units: 0')));
    assert.equal(bad.length, 1);
    assert.equal(bad[0]?.command, null);
    assert.match(bad[0]?.title ?? '', /1 error/);
  });

  it('the summary table reads like Keras model.summary()', () => {
    const table = formatSummaryTable(a.summary ?? assert.fail('no summary'), 'mnist-convnet');
    const lines = table.split('\n');
    assert.equal(lines[0], 'Model: "mnist-convnet"');
    assert.ok(lines.some((l) => /^ conv2d_1 \(Conv2D\)\s+\(None, 14, 14, 64\)\s+18,496\s+3,612,672$/.test(l)), table);
    assert.ok(lines.includes('Total params: 220,234 (860.29 KB)'), table);
    assert.ok(lines.includes('Trainable params: 220,234 (860.29 KB)'));
    assert.ok(lines.includes('Non-trainable params: 0 (0.00 B)'));
  });
});
