/**
 * Each layer type's Keras mapping (its registry module's `keras.config` / `keras.fromConfig`),
 * both ways, and against the configs Keras 3.15 and TensorFlow.js write
 * (fixtures/keras-3.15-configs.json from `kerascheck.py configs`, fixtures/tfjs-4.22-topology.json
 * from a CNN Lab run); every setting the language lacks refused with the layer and the setting.
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  analyzeModelText, formatProblem, KerasConfigReader, KerasInteropError, KerasMismatch, kerasExportOf, kerasFilePlan, kerasSnakeCase, kerasWeightGroups,
  LAYER_TYPES, layerDef, layerDefs, modelFromKeras, type ForeignModel, type LayerSpec, type TypedModelSpec,
} from '../../../../src/core/index';

const FIXTURES = path.join(__dirname, 'fixtures');
const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as Record<string, unknown>;

/** Two specs per layer type, one with defaults and one with every setting changed where it has any. */
const SPECS: readonly LayerSpec[] = [
  { type: 'conv2d', filters: 8, kernel: [3, 3], strides: [1, 1], padding: 'valid', activation: 'linear', useBias: true },
  { type: 'conv2d', filters: 5, kernel: [3, 5], strides: [2, 1], padding: 'same', activation: 'swish', useBias: false },
  { type: 'separableconv2d', filters: 4, kernel: [3, 3], strides: [1, 1], padding: 'valid', depthMultiplier: 1, activation: 'linear', useBias: true },
  { type: 'separableconv2d', filters: 6, kernel: [5, 3], strides: [2, 2], padding: 'same', depthMultiplier: 3, activation: 'gelu', useBias: false },
  { type: 'depthwiseconv2d', kernel: [3, 3], strides: [1, 1], padding: 'valid', depthMultiplier: 1, activation: 'linear', useBias: true },
  { type: 'depthwiseconv2d', kernel: [2, 4], strides: [1, 2], padding: 'same', depthMultiplier: 2, activation: 'relu6', useBias: false },
  { type: 'maxpool2d', pool: [2, 2], strides: [2, 2], padding: 'valid' },
  { type: 'maxpool2d', pool: [3, 2], strides: [1, 1], padding: 'same' },
  { type: 'avgpool2d', pool: [2, 2], strides: [2, 2], padding: 'valid' },
  { type: 'avgpool2d', pool: [3, 3], strides: [2, 1], padding: 'same' },
  { type: 'globalavgpool2d' },
  { type: 'globalmaxpool2d' },
  { type: 'zeropadding2d', padding: [1, 1] },
  { type: 'zeropadding2d', padding: [0, 3] },
  { type: 'flatten' },
  { type: 'dense', units: 10, activation: 'softmax', useBias: true },
  { type: 'dense', units: 3, activation: 'selu', useBias: false },
  { type: 'dropout', rate: 0.5 },
  { type: 'spatialdropout2d', rate: 0.2 },
  { type: 'batchnorm', momentum: 0.99, epsilon: 0.001 },
  { type: 'batchnorm', momentum: 0.9, epsilon: 0.00001 },
  { type: 'activation', activation: 'tanh' },
  { type: 'activation', activation: 'softplus' },
  { type: 'leakyrelu', negativeSlope: 0.3 },
  { type: 'leakyrelu', negativeSlope: 0.01 },
  { type: 'elu', alpha: 1 },
  { type: 'elu', alpha: 0.25 },
  { type: 'gelu' },
  { type: 'swish' },
];

const reader = (args: Record<string, unknown>, dialect: 'keras' | 'tfjs' = 'keras', rank = 3): KerasConfigReader => new KerasConfigReader(args, dialect, rank);

/** The layer type a Keras config maps to, as the importer picks it. */
function fromKeras(className: string, args: Record<string, unknown>, dialect: 'keras' | 'tfjs' = 'keras'): LayerSpec {
  const candidates = layerDefs().filter((d) => d.keras.className === className);
  const def = candidates.find((d) => d.keras.claims?.(reader(args, dialect)) === true) ?? candidates.find((d) => d.keras.claims === undefined);
  assert.ok(def, `no layer type for ${className}`);
  const r = reader(args, dialect);
  const spec = { type: def.type, ...def.keras.fromConfig(r) } as LayerSpec;
  assert.deepEqual(r.unread(), [], `${className}: settings left unread`);
  return spec;
}

/** A model of one layer on 28×28×3, as an analysed spec. */
function model(layers: readonly string[], extra = ''): TypedModelSpec {
  const text = `name: t\ndataset: cifar10\nlayers:\n${layers.map((l) => `  - ${l}`).join('\n')}\n${extra}`;
  const a = analyzeModelText(text);
  assert.ok(a.spec, JSON.stringify(a.diagnostics));
  return a.spec;
}

function foreign(modelConfig: unknown, format: ForeignModel['format'] = 'keras', extra: Partial<ForeignModel> = {}): ForeignModel {
  return { format, fileName: 'm.keras', modelConfig, trainingConfig: null, metadata: null, writtenBy: null, ...extra };
}

/** A Keras 3 Sequential config of these layers (class, args) on `input`. */
function sequential(layers: readonly [string, Record<string, unknown>][], input: readonly number[] = [28, 28, 1]): unknown {
  return {
    class_name: 'Sequential',
    config: {
      name: 'seq',
      layers: [
        { class_name: 'InputLayer', config: { batch_shape: [null, ...input], dtype: 'float32', name: 'input_layer' } },
        ...layers.map(([c, args], i) => ({ class_name: c, config: { name: `l${i}`, trainable: true, dtype: 'float32', ...args } })),
      ],
    },
  };
}

/** The problems an import reports. */
function problems(m: ForeignModel): string[] {
  try {
    modelFromKeras(m, { version: 'test' });
  } catch (err) {
    if (err instanceof KerasInteropError) return err.problems.map(formatProblem);
    throw err;
  }
  return [];
}

describe('Keras layer configs (the registry\'s keras mappings)', () => {
  it('covers every layer type in the specs below', () => {
    assert.deepEqual(LAYER_TYPES.filter((t) => !SPECS.some((s) => s.type === t)), []);
  });

  it('reads back what it writes, for every layer type and setting', () => {
    for (const spec of SPECS) {
      const def = layerDef(spec.type);
      const args = def.keras.config(spec) as Record<string, unknown>;
      assert.deepEqual(fromKeras(def.keras.className, args), spec, JSON.stringify(args));
    }
  });

  it('writes the arguments Keras 3 names them by, channels last where the layer has a layout', () => {
    const conv = layerDef('conv2d').keras.config(SPECS[1] as LayerSpec);
    assert.deepEqual(conv, { filters: 5, kernel_size: [3, 5], strides: [2, 1], padding: 'same', data_format: 'channels_last', activation: 'silu', use_bias: false });
    assert.deepEqual(layerDef('zeropadding2d').keras.config({ type: 'zeropadding2d', padding: [0, 3] }), { padding: [[0, 0], [3, 3]], data_format: 'channels_last' });
    assert.deepEqual(layerDef('leakyrelu').keras.config({ type: 'leakyrelu', negativeSlope: 0.1 }), { negative_slope: 0.1 });
    assert.deepEqual(layerDef('gelu').keras.config({ type: 'gelu' }), { activation: 'gelu' });
    assert.deepEqual(layerDef('swish').keras.config({ type: 'swish' }), { activation: 'silu' });
    for (const d of layerDefs()) {
      const spec = SPECS.find((s) => s.type === d.type) as LayerSpec;
      if (d.traits.spatial && !['batchnorm', 'dropout', 'activation', 'leakyrelu', 'elu', 'gelu', 'swish'].includes(d.type)) {
        assert.equal((d.keras.config(spec) as Record<string, unknown>).data_format, 'channels_last', d.type);
      }
    }
  });

  it('maps Activation back by its function: gelu and silu/swish are their own layer types', () => {
    assert.equal(fromKeras('Activation', { activation: 'gelu' }).type, 'gelu');
    assert.equal(fromKeras('Activation', { activation: 'silu' }).type, 'swish');
    assert.equal(fromKeras('Activation', { activation: 'swish' }).type, 'swish');
    assert.deepEqual(fromKeras('Activation', { activation: 'relu' }), { type: 'activation', activation: 'relu' });
    assert.deepEqual(fromKeras('Dense', { units: 4, activation: 'silu' }), { type: 'dense', units: 4, activation: 'swish', useBias: true });
  });

  it('accepts the other spellings: Keras 2 and TensorFlow.js (alpha, [[1, 1], [2, 2]], a scalar kernel, axis [3])', () => {
    assert.deepEqual(fromKeras('LeakyReLU', { alpha: 0.2 }, 'tfjs'), { type: 'leakyrelu', negativeSlope: 0.2 });
    assert.deepEqual(fromKeras('ZeroPadding2D', { padding: 2 }), { type: 'zeropadding2d', padding: [2, 2] });
    assert.deepEqual(fromKeras('ZeroPadding2D', { padding: [1, 2] }), { type: 'zeropadding2d', padding: [1, 2] });
    assert.deepEqual(fromKeras('Conv2D', { filters: 2, kernel_size: 3 }), SPECS[0] && { ...SPECS[0], filters: 2 });
    assert.deepEqual(fromKeras('BatchNormalization', { axis: [3] }), { type: 'batchnorm', momentum: 0.99, epsilon: 0.001 });
    assert.deepEqual(fromKeras('MaxPooling2D', { pool_size: [3, 3], strides: null }), { type: 'maxpool2d', pool: [3, 3], strides: [3, 3], padding: 'valid' });
    assert.deepEqual(fromKeras('Dense', { units: 2, activation: 'hardSigmoid' }, 'tfjs'), { type: 'dense', units: 2, activation: 'hardSigmoid', useBias: true });
    // TensorFlow.js's model.json names its hardSigmoid (clip(0.2·x + 0.5, 0, 1)) as Keras does: there it is CNN Lab's.
    assert.deepEqual(fromKeras('Dense', { units: 2, activation: 'hard_sigmoid' }, 'tfjs'), { type: 'dense', units: 2, activation: 'hardSigmoid', useBias: true });
  });

  it('refuses, with the setting and why, what the language cannot express', () => {
    const refused = (cls: string, args: Record<string, unknown>, setting: string | null, re: RegExp): void => {
      assert.throws(() => fromKeras(cls, args), (e: unknown) => e instanceof KerasMismatch && e.setting === setting && re.test(e.message), `${cls} ${JSON.stringify(args)}`);
    };
    refused('Conv2D', { filters: 2, kernel_size: 3, dilation_rate: [2, 2] }, 'dilation_rate', /dilation_rate \[2,2\] is not supported/);
    refused('Conv2D', { filters: 2, kernel_size: 3, groups: 2 }, 'groups', /groups 2/);
    refused('Conv2D', { filters: 2, kernel_size: 3, data_format: 'channels_first' }, 'data_format', /channels_first/);
    refused('Conv2D', { filters: 2, kernel_size: 3, padding: 'causal' }, 'padding', /'causal' is not one CNN Lab has/);
    refused('Conv2D', { filters: 2, kernel_size: [3, 3, 3] }, 'kernel_size', /2-D layers only/);
    refused('Dense', { units: 2, kernel_regularizer: { class_name: 'L2', config: { l2: 0.01 } } }, 'kernel_regularizer', /'L2' is not supported/);
    refused('Dense', { units: 2, bias_constraint: { class_name: 'NonNeg' } }, 'bias_constraint', /NonNeg/);
    refused('Dense', { units: 2, activation: 'hard_sigmoid' }, 'activation', /relu6\(x \+ 3\) \/ 6/);
    refused('Dense', { units: 2, activation: 'mish' }, 'activation', /'mish' is not one CNN Lab has/);
    refused('Dense', { units: 2, activation: { class_name: 'MyActivation' } }, 'activation', /custom function/);
    refused('ZeroPadding2D', { padding: [[1, 2], [0, 0]] }, 'padding', /pads unevenly/);
    refused('BatchNormalization', { axis: 1 }, 'axis', /another axis/);
    refused('BatchNormalization', { center: false }, 'center', /center false/);
    refused('GlobalAveragePooling2D', { keepdims: true }, 'keepdims', /keepdims true/);
    refused('Dropout', { rate: 0.5, noise_shape: [null, 1, 1, 8] }, 'noise_shape', /noise_shape/);
  });

  it('notes an initializer other than CNN Lab\'s (it matters only when training from scratch)', () => {
    const r = reader({ filters: 2, kernel_size: 3, kernel_initializer: { class_name: 'HeNormal', config: { seed: null } }, bias_initializer: 'zeros' });
    layerDef('conv2d').keras.fromConfig(r);
    assert.equal(r.notes.length, 1);
    assert.match(r.notes[0] ?? '', /kernel_initializer HeNormal becomes GlorotUniform/);
    const tfjs = reader({ filters: 2, kernel_size: 3, kernel_initializer: { class_name: 'Zeros', config: {} } }, 'tfjs');
    layerDef('conv2d').keras.fromConfig(tfjs);
    assert.deepEqual(tfjs.notes, [], 'CNN Lab\'s own model.json lists zeros');
  });

  it('exports hardSigmoid as Keras\'s Rescaling(0.2, 0.5) and ReLU(max_value=1) (Keras 3\'s hard_sigmoid is another function), and imports the pair back', () => {
    const spec = model(['conv2d: { filters: 2, kernel: 3, activation: hardSigmoid }', 'activation: hardSigmoid', 'flatten: {}',
      'dense: { units: 4 }', 'activation: hardSigmoid', 'dense: { units: 10, activation: hardSigmoid }', 'activation: softmax']);
    const plan = kerasFilePlan(spec, { version: 't', savedAt: new Date(0) });
    const layers = ((plan.config.config as { layers: { class_name: string; config: Record<string, unknown> }[] }).layers).slice(1);
    assert.deepEqual(layers.map((l) => `${l.class_name} ${String(l.config.name)}`), [
      'Conv2D conv2d', 'Rescaling conv2d_hard_sigmoid', 'ReLU conv2d_hard_sigmoid_clip',
      'Rescaling activation', 'ReLU activation_clip', 'Flatten flatten',
      'Dense dense', 'Rescaling activation_1', 'ReLU activation_1_clip',
      'Dense dense_1', 'Rescaling dense_1_hard_sigmoid', 'ReLU dense_1_hard_sigmoid_clip', 'Activation activation_2',
    ]);
    assert.equal(layers[0]?.config.activation, 'linear');
    assert.deepEqual([layers[1]?.config.scale, layers[1]?.config.offset], [0.2, 0.5]);
    assert.deepEqual([layers[2]?.config.max_value, layers[2]?.config.negative_slope, layers[2]?.config.threshold], [1, 0, 0]);
    // The weights file numbers the helper layers' groups as Keras does, and they hold no weights.
    assert.ok(plan.groups.some((g) => g.path === 'layers/rescaling_1') && plan.groups.some((g) => g.path === 'layers/re_lu_3'));
    assert.ok(plan.datasets.every((d) => !/^layers\/(rescaling|re_lu)/.test(d.path)));
    const back = modelFromKeras(foreign(plan.config, 'keras', { metadata: plan.metadata }), { version: 't' });
    assert.deepEqual(back.spec?.layers, spec.layers, 'each layer with hardSigmoid comes back as it was');
    assert.deepEqual(back.layers.map((l) => l.kerasGroup), ['layers/conv2d', 'layers/rescaling_1', 'layers/flatten', 'layers/dense', 'layers/rescaling_2', 'layers/dense_1', 'layers/activation']);
    // A Keras model with the pair after a linear layer of another name: an activation layer of its own.
    const foreignPair = modelFromKeras(foreign(sequential([['Flatten', {}], ['Dense', { units: 10 }], ['Rescaling', { scale: 0.2, offset: 0.5 }], ['ReLU', { max_value: 1.0, negative_slope: 0.0, threshold: 0.0 }]])), { version: 't' });
    assert.deepEqual(foreignPair.spec?.layers.slice(1).map((l) => [l.type, 'activation' in l ? l.activation : null]), [['dense', 'linear'], ['activation', 'hardSigmoid']]);
    // Any other Rescaling (say 1/255) is no hardSigmoid: refused as a layer CNN Lab lacks.
    assert.match(problems(foreign(sequential([['Rescaling', { scale: 1 / 255, offset: 0 }], ['ReLU', { max_value: 1 }], ['Flatten', {}]])))[0] ?? '', /Rescaling is not a layer CNN Lab has/);
  });

  it('names weight groups as Keras 3 does (snake-cased class, numbered per class)', () => {
    assert.equal(kerasSnakeCase('LeakyReLU'), 'leaky_re_lu');
    assert.equal(kerasSnakeCase('SeparableConv2D'), 'separable_conv2d');
    assert.equal(kerasSnakeCase('GlobalAveragePooling2D'), 'global_average_pooling2d');
    assert.equal(kerasSnakeCase('ELU'), 'elu');
    assert.deepEqual(kerasWeightGroups(['Conv2D', 'Activation', 'Conv2D', 'Activation', 'Conv2D']),
      ['layers/conv2d', 'layers/activation', 'layers/conv2d_1', 'layers/activation_1', 'layers/conv2d_2']);
    for (const d of layerDefs()) assert.equal(kerasSnakeCase(d.keras.className), d.keras.name, d.type);
  });
});

describe('Keras models as model files (modelFromKeras)', () => {
  const kerasFiles = fixture('keras-3.15-configs.json') as { keras_version: string; models: Record<string, { keras: Record<string, unknown>; h5: { model_config: unknown; training_config: unknown } }> };

  it('reads the configs Keras 3.15 writes (.keras and .h5) of models of every layer type', () => {
    assert.equal(kerasFiles.keras_version, '3.15.1');
    const types = new Set<string>();
    for (const [name, m] of Object.entries(kerasFiles.models)) {
      const fromKeras = modelFromKeras(foreign(m.keras, 'keras', { trainingConfig: m.keras.compile_config }), { version: 't' });
      const fromH5 = modelFromKeras(foreign(m.h5.model_config, 'h5', { trainingConfig: m.h5.training_config }), { version: 't' });
      assert.deepEqual(fromKeras.diagnostics, [], `${name}:\n${fromKeras.text}`);
      assert.equal(fromH5.text.replace(/^#.*\n/, ''), fromKeras.text.replace(/^#.*\n/, ''), name);
      assert.deepEqual(fromKeras.notes.filter((n) => !n.startsWith('dataset:')), [], name);
      for (const l of fromKeras.spec?.layers ?? []) types.add(l.type);
    }
    assert.deepEqual(LAYER_TYPES.filter((t) => !types.has(t)), []);
  });

  it('keeps the compile config as the train block, Keras layer names as names where they are not the default', () => {
    const m = kerasFiles.models.keras_flatten;
    assert.ok(m);
    const r = modelFromKeras(foreign(m.keras, 'keras', { trainingConfig: m.keras.compile_config }), { version: 't' });
    assert.match(r.text, /optimizer: rmsprop, learningRate: 0\.0005 \}/);
    assert.match(r.text, /- dense: \{ units: 10, activation: softmax, name: predictions \}/);
    // Names Keras numbered in its session (conv2d_1 for the second model built) are kept too.
    assert.deepEqual(r.layers.map((l) => l.kerasGroup), ['layers/conv2d', 'layers/average_pooling2d', 'layers/batch_normalization', 'layers/flatten', 'layers/dense', 'layers/dense_1']);
    const logits = kerasFiles.models.keras_logits;
    assert.ok(logits);
    const l = modelFromKeras(foreign(logits.keras, 'keras', { trainingConfig: logits.keras.compile_config }), { version: 't' });
    assert.match(l.text, /optimizer: sgd, learningRate: 0\.01 \}/);
    assert.match(l.text, /- dense: \{ units: 10, name: dense_\d+ \}/);
  });

  it('reads CNN Lab\'s own TensorFlow.js model.json back to the model it was trained from', () => {
    const t = fixture('tfjs-4.22-topology.json') as { modelText: string; modelTopology: unknown };
    const r = modelFromKeras(foreign(t.modelTopology, 'tfjs'), { version: 't' });
    const original = analyzeModelText(t.modelText).spec;
    assert.deepEqual(r.spec?.layers, original?.layers);
    assert.deepEqual(r.notes.filter((n) => !n.startsWith('dataset:')), []);
  });

  it('export then import gives the same model file, byte for byte (its text in metadata.json), and a minimal file when there is none', () => {
    const root = path.join(__dirname, '../../../..');
    for (const file of ['examples/mnist.cnn.yaml', 'examples/cifar10-alexnet.cnn.yaml', 'examples/shapes-rgb.cnn.yaml', 'examples/mnist-keras-example.cnn.yaml']) {
      const text = readFileSync(path.join(root, file), 'utf8');
      const plan = kerasExportOf(text, { version: 't', savedAt: new Date(0) }).keras;
      assert.equal((plan.metadata.cnn_lab as { modelText?: string }).modelText, text);
      const back = modelFromKeras(foreign(plan.config, 'keras', { metadata: plan.metadata }), { version: 't' });
      assert.equal(back.text, text, file);
      // Another data set asked for: another model, written out (the same layers, no stale comments).
      const other = modelFromKeras(foreign(plan.config, 'keras', { metadata: plan.metadata }), { version: 't', dataset: 'fashion-mnist' });
      assert.notEqual(other.text, text);
    }
    // The file changed in Keras after the export (another layer size): the model file is written from the file.
    const text = readFileSync(path.join(root, 'examples/mnist.cnn.yaml'), 'utf8');
    const plan = kerasExportOf(text, { version: 't', savedAt: new Date(0) }).keras;
    const config = JSON.parse(JSON.stringify(plan.config).replace('"units":64', '"units":48')) as unknown;
    const changed = modelFromKeras(foreign(config, 'keras', { metadata: plan.metadata }), { version: 't' });
    assert.match(changed.text, /^# Imported by CNN Lab t from m\.keras/);
    assert.match(changed.text, /- dense: \{ units: 48, activation: relu \}/);
    // Written minimally: only keys that differ from their defaults, in the layers and the train block.
    assert.match(changed.text, /^ {2}- maxpool2d: \{\}$/m);
    assert.match(changed.text, /^train: \{ epochs: 12, batchSize: 128, augment: \{ shift: 0\.08 \} \}$/m);
    const defaults = modelFromKeras(foreign(kerasFilePlan(model(['flatten: {}', 'dense: { units: 10, activation: softmax }'], 'train: { epochs: 10 }'), { version: 't', savedAt: new Date(0) }).config), { version: 't' });
    assert.doesNotMatch(defaults.text, /^train:/m, 'a default train block is left out');
  });

  it('gives back the exported model: spec, data set and train block (CNN Lab\'s metadata)', () => {
    for (const file of ['examples/mnist.cnn.yaml', 'examples/cifar10-alexnet.cnn.yaml', 'examples/shapes-rgb.cnn.yaml', 'examples/mnist-keras-example.cnn.yaml']) {
      const spec = analyzeModelText(readFileSync(path.join(__dirname, '../../../..', file), 'utf8')).spec;
      assert.ok(spec, file);
      const plan = kerasFilePlan(spec, { version: 't', savedAt: new Date(0) });
      const back = modelFromKeras(foreign(plan.config, 'keras', { metadata: plan.metadata }), { version: 't' });
      assert.deepEqual(back.spec, spec, file);
      assert.deepEqual(back.notes, [], file);
    }
  });

  it('locates each layer it cannot import, and refuses models that are not Sequential image models', () => {
    assert.deepEqual(problems(foreign(sequential([
      ['Conv2D', { filters: 4, kernel_size: 3, dilation_rate: 2 }],
      ['LayerNormalization', {}],
      ['Conv2D', { filters: 4, kernel_size: 3, trainable: false }],
      ['Flatten', {}],
      ['Dense', { units: 10, lora_rank: 4 }],
    ]))), [
      'layer 1 \'l0\' (Conv2D), dilation_rate: dilation_rate 2 is not supported: CNN Lab computes 1 only.',
      `layer 2 'l1' (LayerNormalization): LayerNormalization is not a layer CNN Lab has (it has ${[...new Set(layerDefs().map((d) => d.keras.className))].join(', ')}).`,
      'layer 3 \'l2\' (Conv2D), trainable: the layer is frozen (trainable: false); CNN Lab trains every layer. Unfreeze it in Keras to import.',
      'layer 5 \'l4\' (Dense), lora_rank: lora_rank 4 is not supported: CNN Lab\'s layers have no lora rank; remove it in Keras and save again.',
    ]);
    assert.deepEqual(problems(foreign(sequential([['Dense', { units: 10, dtype: { class_name: 'DTypePolicy', config: { name: 'mixed_float16' } } }]]))), [
      'layer 1 \'l0\' (Dense), dtype: dtype "mixed_float16": CNN Lab computes in float32.',
    ]);
    assert.match(problems(foreign(sequential([['Conv2D', { filters: 4, kernel_size: 3, future_setting: 'x' }]])))[0] ?? '', /future_setting "x" is not a setting CNN Lab's conv2d has/);
    assert.match(problems(foreign({ class_name: 'Functional', config: { layers: [] } }))[0] ?? '', /^model: a Functional model \(layers wired as a graph\)/);
    assert.match(problems(foreign(sequential([['Dense', { units: 2 }]], [10])))[0] ?? '', /^model: the input is not images/);
    assert.match(problems(foreign(sequential([['Sequential', {}]])))[0] ?? '', /a nested model/);
    assert.match(problems(foreign(sequential([['Conv2D', { filters: 4, kernel_size: 30 }]])))[0] ?? '', /layer 1 'l0' \(Conv2D\), kernel: .*does not fit/);
    assert.match(problems(foreign(null))[0] ?? '', /no model configuration/);
  });

  it('guesses the data set from the input and the classes, and says so', () => {
    const gray = modelFromKeras(foreign(sequential([['Flatten', {}], ['Dense', { units: 10, activation: 'softmax' }]], [32, 32, 1])), { version: 't' });
    assert.match(gray.text, /^dataset: cifar10\ngrayscale: true$/m);
    assert.ok(gray.notes.some((n) => /cifar10 with grayscale is a guess/.test(n)));
    const folder = modelFromKeras(foreign(sequential([['Flatten', {}], ['Dense', { units: 5, activation: 'softmax' }]], [64, 48, 3])), { version: 't' });
    assert.match(folder.text, /^dataset: \{ folder: \.\/images, imageSize: \[64, 48\], testSplit: 0\.2 \}$/m);
    const asked = modelFromKeras(foreign(sequential([['Flatten', {}], ['Dense', { units: 10, activation: 'softmax' }]])), { version: 't', dataset: 'fashion-mnist' });
    assert.match(asked.text, /^dataset: fashion-mnist$/m);
    assert.deepEqual(asked.notes, []);
  });

  it('keeps the optimizer and learning rate, and notes what CNN Lab trains differently', () => {
    const r = modelFromKeras(foreign(sequential([['Flatten', {}], ['Dense', { units: 10, activation: 'softmax' }]]), 'h5', {
      trainingConfig: { loss: 'mean_squared_error', optimizer_config: { class_name: 'SGD', config: { learning_rate: 0.009999999776482582, momentum: 0.9 } } },
    }), { version: 't' });
    assert.match(r.text, /optimizer: sgd, learningRate: 0\.01 \}/);
    assert.ok(r.notes.some((n) => /momentum 0\.9 is not kept/.test(n)));
    assert.ok(r.notes.some((n) => /loss mean_squared_error is not kept/.test(n)));
    assert.ok(r.text.includes('# Note: optimizer setting momentum 0.9 is not kept'));
  });
});
