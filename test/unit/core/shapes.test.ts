/**
 * Shape, parameter and MAC inference against Keras's model.summary() for the course's models,
 * plus the padding/stride arithmetic at odd sizes and the failure cases.
 */
import * as assert from 'node:assert/strict';
import { analyzeModelText, inferLayer, inferSummary } from '../../../src/core/index';
import type { Analysis } from '../../../src/core/index';
import { CnnLabError } from '../../../src/shared/errors';
import type { LayerSpec, TypedModelSpec } from '../../../src/core/index';
import { DEFAULT_TRAIN } from '../../../src/shared/modelSpec';
import { example } from './helpers';

function ok(text: string): Analysis {
  const a = analyzeModelText(text);
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  assert.deepEqual(errors, [], 'expected no errors');
  assert.ok(a.spec && a.summary);
  return a;
}

const params = (a: Analysis): number[] => (a.summary?.layers ?? []).filter((l) => l.params > 0).map((l) => l.params);

describe('core shapes: Keras reference models', () => {
  it('MNIST example: 220,234 parameters (320, 18,496, 200,768, 650)', () => {
    const a = ok(example('mnist.cnn.yaml'));
    assert.equal(a.summary?.totalParams, 220_234);
    assert.deepEqual(params(a), [320, 18_496, 200_768, 650]);
    assert.deepEqual(a.summary?.layers.map((l) => l.outputShape), [[28, 28, 32], [14, 14, 32], [14, 14, 64], [7, 7, 64], [3136], [64], [10]]);
    assert.deepEqual(a.summary?.layers.map((l) => l.name), ['conv2d', 'max_pooling2d', 'conv2d_1', 'max_pooling2d_1', 'flatten', 'dense', 'dense_1']);
  });

  it('CIFAR-10 simplified AlexNet: 528,054 parameters (208, 2,080, 8,256, 512,500, 5,010)', () => {
    const a = ok(example('cifar10-alexnet.cnn.yaml'));
    assert.equal(a.summary?.totalParams, 528_054);
    assert.deepEqual(params(a), [208, 2_080, 8_256, 512_500, 5_010]);
    assert.equal(a.spec?.layers.filter((l) => l.type === 'dropout').length, 2);
  });

  it('Keras mnist_convnet example: 34,826 parameters (320, 18,496, 16,010)', () => {
    const a = ok(example('mnist-keras-example.cnn.yaml'));
    assert.equal(a.summary?.totalParams, 34_826);
    assert.deepEqual(params(a), [320, 18_496, 16_010]);
    assert.deepEqual(a.summary?.layers[4]?.outputShape, [1600]);
  });

  it('shapes example is valid and ends in 9 classes', () => {
    const a = ok(example('shapes-rgb.cnn.yaml'));
    assert.equal(a.spec?.numClasses, 9);
    assert.deepEqual(a.spec?.inputShape, [32, 32, 3]);
    assert.deepEqual(a.summary?.layers.at(-1)?.outputShape, [9]);
  });

  it('MACs: conv outH·outW·kh·kw·inC·filters, dense in·units, pooling 0', () => {
    const a = ok(example('mnist.cnn.yaml'));
    const l = a.summary?.layers ?? [];
    assert.equal(l[0]?.macs, 28 * 28 * 3 * 3 * 1 * 32);
    assert.equal(l[1]?.macs, 0);
    assert.equal(l[2]?.macs, 14 * 14 * 3 * 3 * 32 * 64);
    assert.equal(l[5]?.macs, 3136 * 64);
    assert.equal(a.summary?.totalMacs, l.reduce((s, r) => s + r.macs, 0));
  });

  it('activation memory = 4 bytes × batch × (input + all layer outputs)', () => {
    const a = ok(example('mnist.cnn.yaml'));
    const elements = 28 * 28 + 28 * 28 * 32 + 14 * 14 * 32 + 14 * 14 * 64 + 7 * 7 * 64 + 3136 + 64 + 10;
    assert.equal(a.summary?.activationBytesPerBatch, 4 * 128 * elements);
  });

  it('grayscale on cifar10 changes the first conv from 208 to 80 parameters', () => {
    const text = example('cifar10-alexnet.cnn.yaml').replace('dataset: cifar10', 'dataset: cifar10\ngrayscale: true');
    const a = ok(text);
    assert.deepEqual(a.spec?.inputShape, [32, 32, 1]);
    assert.equal(a.summary?.layers[0]?.params, 80);
    assert.equal(a.summary?.totalParams, 528_054 - 208 + 80);
  });

  it('batchnorm: 4·C parameters of which 2·C non-trainable', () => {
    const a = ok(`dataset: mnist
layers:
  - conv2d: { filters: 16, kernel: 3, useBias: false }
  - batchnorm: {}
  - activation: relu
  - globalavgpool2d: {}
  - dense: { units: 10, activation: softmax }
`);
    const bn = a.summary?.layers[1];
    assert.equal(bn?.params, 64);
    assert.equal(bn?.nonTrainableParams, 32);
    assert.equal(a.summary?.layers[0]?.params, 3 * 3 * 16);
    assert.equal(a.summary?.nonTrainableParams, 32);
    assert.equal(a.summary?.trainableParams, 144 + 32 + 16 * 10 + 10);
  });

  it('use_bias (Keras spelling) is accepted', () => {
    const a = ok('dataset: mnist\nlayers:\n  - flatten\n  - dense: { units: 10, activation: softmax, use_bias: false }\n');
    assert.equal(a.summary?.totalParams, 784 * 10);
  });
});

describe('core shapes: padding and strides', () => {
  const conv = (k: number, s: number, padding: 'same' | 'valid'): LayerSpec =>
    ({ type: 'conv2d', filters: 4, kernel: [k, k], strides: [s, s], padding, activation: 'linear', useBias: true });
  const pool = (p: number, s: number, padding: 'same' | 'valid'): LayerSpec =>
    ({ type: 'maxpool2d', pool: [p, p], strides: [s, s], padding });
  const out = (l: LayerSpec, input: number[]): readonly number[] | string => {
    const r = inferLayer(l, input);
    return r.ok ? r.value.outputShape : r.error.code;
  };

  it('7×7 input, kernel 2, stride 2: same → 4×4, valid → 3×3', () => {
    assert.deepEqual(out(conv(2, 2, 'same'), [7, 7, 3]), [4, 4, 4]);
    assert.deepEqual(out(conv(2, 2, 'valid'), [7, 7, 3]), [3, 3, 4]);
    assert.deepEqual(out(pool(2, 2, 'same'), [7, 7, 3]), [4, 4, 3]);
    assert.deepEqual(out(pool(2, 2, 'valid'), [7, 7, 3]), [3, 3, 3]);
  });

  it('odd kernels and strides: 28 k5 s3 valid → 8, same → 10; 5 k3 s1 valid → 3', () => {
    assert.deepEqual(out(conv(5, 3, 'valid'), [28, 28, 1]), [8, 8, 4]);
    assert.deepEqual(out(conv(5, 3, 'same'), [28, 28, 1]), [10, 10, 4]);
    assert.deepEqual(out(conv(3, 1, 'valid'), [5, 5, 1]), [3, 3, 4]);
  });

  it('pool strides default to the pool size; rectangular pools', () => {
    const a = ok('dataset: mnist\nlayers:\n  - maxpool2d: { pool: [2, 4] }\n  - avgpool2d: { pool: 3, strides: 1 }\n  - flatten\n  - dense: { units: 10, activation: softmax }\n');
    assert.deepEqual(a.summary?.layers[0]?.outputShape, [14, 7, 1]);
    assert.deepEqual(a.summary?.layers[1]?.outputShape, [12, 5, 1]);
  });

  it('pooling that reaches zero size is a shape-zero error', () => {
    assert.equal(out(pool(2, 2, 'valid'), [1, 1, 64]), 'shape-zero');
    assert.deepEqual(out(pool(2, 2, 'same'), [1, 1, 64]), [1, 1, 64]);
  });

  it('a kernel larger than the input with valid padding is a shape-mismatch', () => {
    const r = inferLayer(conv(5, 1, 'valid'), [3, 3, 64]);
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.error.message, 'conv2d kernel 5×5 does not fit a 3×3×64 input with valid padding');
  });

  it('inferSummary throws E_MODEL_INVALID on a shape error', () => {
    const spec: TypedModelSpec = {
      name: 'bad', dataset: { kind: 'builtin', name: 'mnist' }, grayscale: false, inputShape: [3, 3, 64], numClasses: 10,
      layers: [conv(5, 1, 'valid')], train: DEFAULT_TRAIN,
    };
    assert.throws(() => inferSummary(spec), (e: unknown) => e instanceof CnnLabError && e.code === 'E_MODEL_INVALID' && /does not fit/.test(e.message));
  });

  it('inferSummary on a valid spec equals the analysis summary', () => {
    const a = ok(example('cifar10-alexnet.cnn.yaml'));
    assert.ok(a.spec);
    assert.deepEqual(inferSummary(a.spec), a.summary);
  });
});

/**
 * Further cases worked out by hand from Keras's arithmetic (conv_utils.conv_output_length:
 * `same` → ceil(in / s), `valid` → ceil((in − k + 1) / s); Conv2D kh·kw·inC·filters (+ filters);
 * BatchNormalization 4·C of which moving mean and variance, 2·C, are non-trainable).
 */
describe('core shapes: more Keras cases, worked out by hand', () => {
  const folder = (size: number, classes: number, layers: string): string =>
    `dataset: { folder: ./img, imageSize: [${size}, ${size}] }\nclasses: ${classes}\nlayers:\n${layers}`;

  it('7×7×3, conv k3 s2 same → 4×4 (112 params, 1,728 MACs); valid → 3×3 (972 MACs)', () => {
    const head = '  - flatten\n  - dropout: 0.5\n  - dense: { units: 2, activation: softmax }\n';
    const same = ok(folder(7, 2, `  - conv2d: { filters: 4, kernel: 3, strides: 2, padding: same }\n${head}`)).summary?.layers[0];
    assert.deepEqual(same?.outputShape, [4, 4, 4]);
    assert.equal(same?.params, 3 * 3 * 3 * 4 + 4);
    assert.equal(same?.macs, 4 * 4 * 27 * 4);
    const valid = ok(folder(7, 2, `  - conv2d: { filters: 4, kernel: 3, strides: 2 }\n${head}`)).summary?.layers[0];
    assert.deepEqual(valid?.outputShape, [3, 3, 4]);
    assert.equal(valid?.params, 112);
    assert.equal(valid?.macs, 3 * 3 * 27 * 4);
  });

  it('avgpool with strides different from the pool: pool 3 stride 2 on 7×7 → 3×3 valid, 4×4 same; pool 2 stride 1 on 5×5 → 4×4 / 5×5', () => {
    const shape = (size: number, pool: string): readonly number[] | undefined =>
      ok(folder(size, 2, `  - avgpool2d: ${pool}\n  - flatten\n  - dropout: 0.5\n  - dense: { units: 2, activation: softmax }\n`)).summary?.layers[0]?.outputShape;
    assert.deepEqual(shape(7, '{ pool: 3, strides: 2 }'), [3, 3, 3]);
    assert.deepEqual(shape(7, '{ pool: 3, strides: 2, padding: same }'), [4, 4, 3]);
    assert.deepEqual(shape(8, '{ pool: 3, strides: 2 }'), [3, 3, 3]);
    assert.deepEqual(shape(5, '{ pool: 2, strides: 1 }'), [4, 4, 3]);
    assert.deepEqual(shape(5, '{ pool: 2, strides: 1, padding: same }'), [5, 5, 3]);
    assert.deepEqual(shape(9, '{ pool: [3, 2], strides: [1, 2] }'), [7, 4, 3]);
  });

  it('rectangular kernel and strides: 28×28, kernel [3, 1], strides [2, 1], valid → 13×28', () => {
    const l = ok(`dataset: mnist\nlayers:\n  - conv2d: { filters: 2, kernel: [3, 1], strides: [2, 1] }\n  - flatten\n  - dropout: 0.5\n  - dense: { units: 10, activation: softmax }\n`).summary?.layers[0];
    assert.deepEqual(l?.outputShape, [13, 28, 2]);
    assert.equal(l?.params, 3 * 1 * 1 * 2 + 2);
    assert.equal(l?.macs, 13 * 28 * 3 * 2);
  });

  it('a whole small model: no-bias conv, batchnorm, activation, avgpool, globalavgpool, no-bias dense', () => {
    const a = ok(folder(7, 5, `  - conv2d: { filters: 8, kernel: 3, strides: 2, padding: same, useBias: false }
  - batchnorm: {}
  - activation: relu
  - avgpool2d: { pool: 3, strides: 1 }
  - globalavgpool2d
  - dropout: 0.5
  - dense: { units: 5, activation: softmax, use_bias: false }
`));
    const s = a.summary;
    assert.ok(s);
    assert.deepEqual(s.layers.map((l) => l.name), ['conv2d', 'batch_normalization', 'activation', 'average_pooling2d', 'global_average_pooling2d', 'dropout', 'dense']);
    assert.deepEqual(s.layers.map((l) => l.outputShape), [[4, 4, 8], [4, 4, 8], [4, 4, 8], [2, 2, 8], [8], [8], [5]]);
    assert.deepEqual(s.layers.map((l) => l.params), [216, 32, 0, 0, 0, 0, 40]);
    assert.deepEqual(s.layers.map((l) => l.nonTrainableParams), [0, 16, 0, 0, 0, 0, 0]);
    assert.equal(s.totalParams, 288);
    assert.equal(s.trainableParams, 272);
    assert.equal(s.nonTrainableParams, 16);
    assert.equal(s.totalMacs, 4 * 4 * 27 * 8 + 8 * 5);
    // Default batch 32; input 147 values, then 128 + 128 + 128 + 32 + 8 + 8 + 5.
    assert.equal(s.activationBytesPerBatch, 4 * 32 * (147 + 128 * 3 + 32 + 8 + 8 + 5));
  });

  it('batchnorm after a dense layer: 4·units parameters, 2·units non-trainable', () => {
    const a = ok('dataset: mnist\nlayers:\n  - flatten\n  - dense: { units: 32, activation: relu }\n  - batchnorm\n  - dropout: 0.5\n  - dense: { units: 10, activation: softmax }\n');
    const bn = a.summary?.layers[2];
    assert.deepEqual(bn?.outputShape, [32]);
    assert.equal(bn?.params, 128);
    assert.equal(bn?.trainableParams, 64);
    assert.equal(a.summary?.totalParams, 784 * 32 + 32 + 128 + 32 * 10 + 10);
  });

  it('a kernel that exactly covers the input gives 1×1; same padding never shrinks below ceil(in / s)', () => {
    const conv = (k: number, s: number, padding: 'same' | 'valid'): LayerSpec =>
      ({ type: 'conv2d', filters: 2, kernel: [k, k], strides: [s, s], padding, activation: 'linear', useBias: true });
    const r1 = inferLayer(conv(3, 1, 'valid'), [3, 3, 5]);
    assert.ok(r1.ok);
    assert.deepEqual(r1.value.outputShape, [1, 1, 2]);
    const r2 = inferLayer(conv(5, 3, 'same'), [3, 3, 5]);
    assert.ok(r2.ok);
    assert.deepEqual(r2.value.outputShape, [1, 1, 2]);
    assert.equal(r2.value.trainableParams, 5 * 5 * 5 * 2 + 2);
  });

  it('activation memory follows the batch size of the train block', () => {
    const text = example('mnist.cnn.yaml');
    const a = ok(text);
    const b = ok(text.replace('batchSize: 128', 'batchSize: 32'));
    assert.equal((a.summary?.activationBytesPerBatch ?? 0) / (b.summary?.activationBytesPerBatch ?? 1), 4);
  });
});

describe('core shapes: input shape inferred from the data set', () => {
  const head = 'layers:\n  - conv2d: { filters: 4, kernel: 3 }\n  - flatten\n  - dropout: 0.5\n';
  const input = (ds: string, classes: number, extra = ''): { shape: readonly number[] | undefined; firstConv: number | undefined } => {
    const a = ok(`dataset: ${ds}\n${extra}${head}  - dense: { units: ${classes}, activation: softmax }\n`);
    return { shape: a.spec?.inputShape, firstConv: a.summary?.layers[0]?.params };
  };

  it('built-ins: mnist and fashion-mnist 28×28×1, cifar10 and shapes 32×32×3', () => {
    assert.deepEqual(input('mnist', 10), { shape: [28, 28, 1], firstConv: 40 });
    assert.deepEqual(input('fashion-mnist', 10), { shape: [28, 28, 1], firstConv: 40 });
    assert.deepEqual(input('cifar10', 10), { shape: [32, 32, 3], firstConv: 112 });
    assert.deepEqual(input('shapes', 9), { shape: [32, 32, 3], firstConv: 112 });
  });

  it('grayscale: true gives one channel on colour data (a third of the first conv\'s weights) and changes nothing on mnist', () => {
    assert.deepEqual(input('cifar10', 10, 'grayscale: true\n'), { shape: [32, 32, 1], firstConv: 40 });
    assert.deepEqual(input('shapes', 9, 'grayscale: true\n'), { shape: [32, 32, 1], firstConv: 40 });
    assert.deepEqual(input('{ folder: ./img, imageSize: [24, 20] }', 4, 'grayscale: true\nclasses: 4\n'), { shape: [24, 20, 1], firstConv: 40 });
    assert.deepEqual(input('{ folder: ./img, imageSize: [24, 20] }', 4, 'classes: 4\n'), { shape: [24, 20, 3], firstConv: 112 });
    assert.deepEqual(input('mnist', 10, 'grayscale: true\n'), { shape: [28, 28, 1], firstConv: 40 });
  });

  it('an image folder without imageSize takes height and width from input', () => {
    const a = ok(`dataset: { folder: ./img }\nclasses: 3\ninput: [48, 40, 3]\n${head}  - dense: { units: 3, activation: softmax }\n`);
    assert.deepEqual(a.spec?.inputShape, [48, 40, 3]);
    assert.deepEqual(a.spec?.dataset, { kind: 'folder', path: './img', imageSize: [48, 40], testSplit: 0.2 });
  });
});
