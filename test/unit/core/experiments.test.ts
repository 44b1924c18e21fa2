/**
 * The course's experiments without a trainer: the variants derived from the shipped templates
 * (dropout placements through the same edits as Configure Dropout Placement, colour through the
 * `grayscale` key), the refusal on a data set without colour, the experiment record's guard and
 * what an experiment does next, and the comparison's numbers (gap table, results, epoch records)
 * checked against the records they come from.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { analyzeModelText, applyEdits, dropoutPlacementEdits, modelNameEdits, planExperiment, type VariantPlan } from '../../../src/core/index';
import { formatComparison } from '../../../src/cli/compare';
import {
  effectiveExperimentStatus, experimentStatusAfter, isExperimentResumable, nextVariantIndex, parseExperimentRecord, withVariant,
  type ExperimentRecord,
} from '../../../src/shared/experimentFiles';
import {
  epochGap, epochsOfRecords, gapTable, isComparisonToHostMessage, isHostToComparisonMessage, variantResults,
  type ComparisonEpoch, type ComparisonState, type ComparisonVariant,
} from '../../../src/shared/comparison';

const ROOT = path.resolve(__dirname, '../../..');
const example = (f: string): string => readFileSync(path.join(ROOT, 'examples', f), 'utf8');
const fixtureModel = (): string => readFileSync(path.join(ROOT, 'test/fixtures/workspace/models/small-mnist.cnn.yaml'), 'utf8');

function planOf(kind: 'dropout' | 'colour', text: string): VariantPlan[] {
  const r = planExperiment(kind, text);
  assert.ok(r.ok, JSON.stringify(!r.ok ? r.refusal : null));
  return [...r.plan.variants];
}

const dropoutLayers = (text: string): { after: string; rate: number }[] => {
  const a = analyzeModelText(text);
  assert.ok(a.spec !== null);
  const layers = a.spec.layers;
  return layers.flatMap((l, i) => (l.type === 'dropout' ? [{ after: layers[i - 1]?.type ?? '', rate: l.rate }] : []));
};

describe('experiments: the variants of a model', () => {
  it('dropout: none, the recommended placement (the model\'s own rate), after every conv block (0.25), each named apart', () => {
    const text = example('mnist.cnn.yaml');
    const base = analyzeModelText(text).spec;
    assert.ok(base !== null);
    const variants = planOf('dropout', text);
    assert.deepEqual(variants.map((v) => v.key), ['none', 'afterFlatten', 'afterEveryConvBlock']);
    assert.deepEqual(variants.map((v) => v.name), [`${base.name}-no-dropout`, `${base.name}-dropout-flatten`, `${base.name}-dropout-blocks`]);
    assert.deepEqual(dropoutLayers(variants[0]?.modelText ?? ''), []);
    assert.deepEqual(dropoutLayers(variants[1]?.modelText ?? ''), [{ after: 'flatten', rate: 0.5 }]);
    assert.deepEqual(dropoutLayers(variants[2]?.modelText ?? ''), [{ after: 'maxpool2d', rate: 0.25 }, { after: 'maxpool2d', rate: 0.25 }]);
    for (const v of variants) {
      const a = analyzeModelText(v.modelText);
      assert.ok(a.spec !== null && a.summary !== null);
      assert.equal(a.spec.name, v.name);
      // Dropout has no weights: every variant has the parameters and MACs of the model.
      assert.equal(v.totalParams, a.summary.totalParams);
      assert.equal(v.totalMacs, a.summary.totalMacs);
      assert.deepEqual(v.inputShape, [28, 28, 1]);
      // Apart from the name and the dropout layers, the text is the file's (same edits as Configure Dropout).
      const key = v.key === 'none' || v.key === 'afterFlatten' || v.key === 'afterEveryConvBlock' ? v.key : 'none';
      const expected = applyEdits(text, dropoutPlacementEdits(text, key, key === 'afterEveryConvBlock' ? 0.25 : key === 'none' ? 0 : 0.5));
      assert.equal(v.modelText, applyEdits(expected, modelNameEdits(expected, v.name)));
    }
  });

  it('dropout keeps the rate of the dropout a model already has for the recommended placement', () => {
    const text = fixtureModel();
    const [, flatten] = planOf('dropout', text);
    assert.deepEqual(dropoutLayers(flatten?.modelText ?? ''), [{ after: 'flatten', rate: 0.25 }]);
    assert.match(flatten?.modelText ?? '', /^# A small MNIST network/, 'comments are kept');
  });

  it('a model without conv blocks trains "after every conv block" once, as "none" (said in skipped)', () => {
    const text = 'name: mlp\ndataset: mnist\nlayers:\n  - flatten\n  - dense: { units: 32, activation: relu }\n  - dense: { units: 10, activation: softmax }\n';
    const r = planExperiment('dropout', text);
    assert.ok(r.ok);
    assert.deepEqual(r.plan.variants.map((v) => v.key), ['none', 'afterFlatten']);
    assert.deepEqual(r.plan.skipped, [{ key: 'afterEveryConvBlock', sameAs: 'none' }]);
  });

  it('colour: RGB and grayscale of the shapes template, with the first conv\'s parameters and MACs a third on one channel', () => {
    const text = example('shapes-rgb.cnn.yaml');
    const [rgb, gray] = planOf('colour', text);
    assert.ok(rgb !== undefined && gray !== undefined);
    assert.equal(rgb.key, 'rgb');
    assert.equal(gray.key, 'grayscale');
    assert.deepEqual(rgb.inputShape, [32, 32, 3]);
    assert.deepEqual(gray.inputShape, [32, 32, 1]);
    assert.equal(analyzeModelText(gray.modelText).spec?.grayscale, true);
    assert.equal(analyzeModelText(rgb.modelText).spec?.grayscale, false);
    // Only the first conv sees the channels: 3×3×(3−1)×filters weights fewer, and as many MACs per output pixel.
    const first = analyzeModelText(text).summary?.layers[0];
    assert.ok(first !== undefined && first.type === 'conv2d');
    const filters = first.outputShape[2] ?? 0;
    const pixels = (first.outputShape[0] ?? 0) * (first.outputShape[1] ?? 0);
    assert.equal(rgb.totalParams - gray.totalParams, 3 * 3 * 2 * filters);
    assert.equal(rgb.totalMacs - gray.totalMacs, 3 * 3 * 2 * filters * pixels);
  });

  it('colour on CIFAR-10 works too (colour photos)', () => {
    const [rgb, gray] = planOf('colour', example('cifar10-alexnet.cnn.yaml'));
    assert.equal(rgb?.inputShape[2], 3);
    assert.equal(gray?.inputShape[2], 1);
  });

  it('colour is refused on MNIST, located at the data set', () => {
    const text = example('mnist.cnn.yaml');
    const r = planExperiment('colour', text);
    assert.ok(!r.ok);
    assert.equal(r.refusal.reason, 'noColour');
    assert.ok(r.refusal.reason === 'noColour');
    assert.equal(r.refusal.dataset, 'mnist');
    const line = text.split('\n').findIndex((l) => l.startsWith('dataset:'));
    assert.equal(r.refusal.range?.start.line, line);
    assert.equal(text.split('\n')[line]?.slice(r.refusal.range?.start.character, r.refusal.range?.end.character), 'mnist');
  });

  it('a model with errors is refused with its errors', () => {
    const r = planExperiment('dropout', 'name: x\ndataset: mnist\nlayers:\n  - conv2d: { filters: 0, kernel: 3 }\n');
    assert.ok(!r.ok && r.refusal.reason === 'invalid' && r.refusal.errors.length > 0);
  });
});

/** An epoch record as the trainer writes it to metrics.jsonl. */
const epoch = (n: number, acc: number, valAcc: number, loss: number, valLoss: number, durationSec = 2): ComparisonEpoch => ({ epoch: n, acc, valAcc, loss, valLoss, durationSec });

function variant(key: ComparisonVariant['key'], epochs: ComparisonEpoch[], extra: Partial<ComparisonVariant> = {}): ComparisonVariant {
  return {
    key, name: `m-${key}`, runDir: `/runs/${key}`, status: 'completed', totalParams: 100, totalMacs: 1000, inputShape: [28, 28, 1],
    epochs, totalEpochs: epochs.length, testAcc: 0.9, testLoss: 0.3, backend: 'cpu', ...extra,
  };
}

describe('experiments: the comparison\'s numbers', () => {
  it('the gap of an epoch is training minus validation accuracy, and validation minus training loss', () => {
    const g = epochGap(epoch(1, 0.95, 0.9, 0.1, 0.25));
    assert.ok(g !== null);
    assert.ok(Math.abs(g.accGap - 0.05) < 1e-12);
    assert.ok(Math.abs(g.lossGap - 0.15) < 1e-12);
    assert.equal(epochGap({ ...epoch(1, 0.9, 0, 0.1, 0), valAcc: null, valLoss: null }), null);
  });

  it('the gap table has a row per epoch and a column per variant, empty where a variant has not trained that epoch', () => {
    const a = [epoch(1, 0.8, 0.78, 0.6, 0.65), epoch(2, 0.9, 0.82, 0.3, 0.5)];
    const b = [epoch(1, 0.7, 0.75, 0.8, 0.7)];
    const rows = gapTable([variant('none', a), variant('afterFlatten', b), variant('afterEveryConvBlock', [])]);
    assert.deepEqual(rows.map((r) => r.epoch), [1, 2]);
    for (const [i, list] of [a, b].entries()) {
      for (const e of list) assert.deepEqual(rows[e.epoch - 1]?.gaps[i], epochGap(e));
    }
    assert.equal(rows[1]?.gaps[1], null);
    assert.equal(rows[0]?.gaps[2], null);
  });

  it('results: the last epoch and its gap, the best validation accuracy, the mean seconds per epoch, the input channels', () => {
    const e = [epoch(1, 0.8, 0.85, 0.6, 0.5, 3), epoch(2, 0.9, 0.83, 0.3, 0.45, 1)];
    const [r] = variantResults([variant('rgb', e, { inputShape: [32, 32, 3] })]);
    assert.ok(r !== undefined);
    assert.equal(r.channels, 3);
    assert.equal(r.secPerEpoch, 2);
    assert.equal(r.bestValAcc, 0.85);
    assert.deepEqual(r.last, e[1]);
    assert.deepEqual(r.lastGap, epochGap(e[1] as ComparisonEpoch));
    const [none] = variantResults([variant('grayscale', [], { testAcc: null, status: 'pending' })]);
    assert.equal(none?.secPerEpoch, null);
    assert.equal(none?.last, null);
  });

  it('epoch records: batch lines ignored, an epoch written twice (trained again after a kill) counted once, the later winning', () => {
    const records = [
      { kind: 'batch', epoch: 1, batch: 3, loss: 1, acc: 0.1 },
      { kind: 'epoch', ...epoch(1, 0.5, 0.4, 1, 1.1) },
      { kind: 'epoch', ...epoch(2, 0.6, 0.5, 0.9, 1) },
      { kind: 'epoch', ...epoch(2, 0.65, 0.55, 0.8, 0.95) },
    ];
    assert.deepEqual(epochsOfRecords(records), [epoch(1, 0.5, 0.4, 1, 1.1), epoch(2, 0.65, 0.55, 0.8, 0.95)]);
  });

  it('the CLI tables label every number and show the gap per epoch per variant', () => {
    const state: ComparisonState = {
      experimentDir: '/x', kind: 'dropout', name: 'm', status: 'completed', createdAt: '2026-01-01T00:00:00Z', current: null, resumable: false,
      variants: [variant('none', [epoch(1, 0.9, 0.8, 0.2, 0.4)]), variant('afterFlatten', [epoch(1, 0.85, 0.84, 0.3, 0.31)])],
    };
    const text = formatComparison(state);
    assert.match(text, /acc gap \(train−val\)/);
    assert.match(text, /loss gap \(val−train\)/);
    assert.match(text, /test acc/);
    assert.match(text, /\+10\.00 pp/, 'the no-dropout gap of 0.9 − 0.8');
    assert.match(text, /\+1\.00 pp/, 'the flatten gap of 0.85 − 0.84');
    const colour = formatComparison({ ...state, kind: 'colour', variants: [variant('rgb', [epoch(1, 0.9, 0.8, 0.2, 0.4, 1.5)], { totalMacs: 2_806_336 })] });
    assert.match(colour, /MACs\/sample/);
    assert.match(colour, /2,806,336/);
    assert.match(colour, /s\/epoch/);
  });
});

describe('experiments: the record and what it does next', () => {
  const record = (): ExperimentRecord => ({
    version: 1, kind: 'dropout', name: 'm', sourceFile: null, modelDir: '/m', createdAt: 'a', updatedAt: 'a', status: 'running', ownerPid: 4242,
    settings: { epochs: 2 },
    variants: ['none', 'afterFlatten', 'afterEveryConvBlock'].map((key) => ({
      key: key as 'none', name: `m-${key}`, modelText: 'name: m\n', totalParams: 1, totalMacs: 1, inputShape: [28, 28, 1], runDir: null, status: 'pending' as const,
    })),
  });

  it('round-trips through its guard; a torn or foreign file is no record', () => {
    const r = record();
    assert.deepEqual(parseExperimentRecord(JSON.stringify(r)), r);
    assert.equal(parseExperimentRecord(JSON.stringify(r).slice(0, 50)), null);
    assert.equal(parseExperimentRecord(JSON.stringify({ ...r, kind: 'other' })), null);
    assert.equal(parseExperimentRecord(JSON.stringify({ ...r, variants: [] })), null);
  });

  it('continues with the first variant not completed; a stopped one is resumed before the rest', () => {
    let r = withVariant(record(), 0, { status: 'completed', runDir: '/r0' });
    assert.equal(nextVariantIndex(r), 1);
    r = withVariant(r, 1, { status: 'stopped', runDir: '/r1' });
    assert.equal(nextVariantIndex(r), 1);
    r = withVariant(withVariant(r, 1, { status: 'completed' }), 2, { status: 'completed' });
    assert.equal(nextVariantIndex(r), -1);
    assert.equal(experimentStatusAfter('completed'), null);
    assert.equal(experimentStatusAfter('stopped'), 'stopped');
  });

  it('a running record whose owner is gone (a window reload) reads as interrupted and is resumable', () => {
    const r = record();
    assert.equal(effectiveExperimentStatus(r, () => true), 'running');
    assert.equal(effectiveExperimentStatus(r, () => false), 'interrupted');
    assert.ok(isExperimentResumable('interrupted') && isExperimentResumable('stopped') && isExperimentResumable('failed'));
    assert.ok(!isExperimentResumable('completed') && !isExperimentResumable('running'));
  });
});

describe('experiments: host ⇄ comparison panel messages', () => {
  it('accepts the protocol and refuses anything else', () => {
    const state: ComparisonState = {
      experimentDir: '/x', kind: 'colour', name: 'm', status: 'running', createdAt: 'now', current: 0, resumable: false,
      variants: [variant('rgb', [epoch(1, 0.5, 0.4, 1, 1.2)], { status: 'running' }), variant('grayscale', [], { status: 'pending', runDir: null })],
    };
    assert.ok(isHostToComparisonMessage({ type: 'comparisonState', state, l10n: null }));
    assert.ok(!isHostToComparisonMessage({ type: 'comparisonState', state: { ...state, current: 5 }, l10n: null }));
    assert.ok(!isHostToComparisonMessage({ type: 'comparisonState', state: { ...state, variants: [{ ...state.variants[0], key: 'x' }] }, l10n: null }));
    for (const m of [{ type: 'ready' }, { type: 'stopExperiment' }, { type: 'resumeExperiment' }, { type: 'openRun', runDir: '/r' }, { type: 'webviewError', message: 'e' }]) {
      assert.ok(isComparisonToHostMessage(m), JSON.stringify(m));
    }
    assert.ok(!isComparisonToHostMessage({ type: 'openRun' }));
    assert.ok(!isComparisonToHostMessage({ type: 'deleteEverything' }));
  });
});
