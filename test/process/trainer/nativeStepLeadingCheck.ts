/**
 * Child process of nativeStepLeading.test.ts: models whose first layer has no weights of its own
 * (dropout, max pooling, flatten) or that flatten a vector again, trained for a few SGD steps
 * twice from the same seed, with tfjs's `trainOnBatch` and with the native step (dropout masks
 * drawn in JavaScript by both, from the same seeded stream), and prints one JSON line.
 *   node --import tsx nativeStepLeadingCheck.ts
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerSpec, TypedModelSpec } from '../../../src/core';
import { DEFAULT_TRAIN } from '../../../src/shared/modelSpec';
import { loadTensorflowBackend, tensorflowAvailable } from '../../../src/trainer/backends/tensorflow';
import { buildModel, compileModel } from '../../../src/trainer/model';
import { NativeStep } from '../../../src/trainer/nativeStep';

export interface LeadingCase { readonly name: string; readonly relDiff: number; readonly lossTfjs: number; readonly lossNative: number }
export interface LeadingReport { readonly available: boolean; readonly reason?: string; readonly cases?: readonly LeadingCase[] }

const flatten: LayerSpec = { type: 'flatten' };
const dense = (units: number, activation: 'relu' | 'softmax'): LayerSpec => ({ type: 'dense', units, activation, useBias: true });
export const LEADING_MODELS: Readonly<Record<string, LayerSpec[]>> = {
  'dropout-first': [{ type: 'dropout', rate: 0.4 }, { type: 'conv2d', filters: 3, kernel: [3, 3], strides: [1, 1], padding: 'valid', activation: 'relu', useBias: true },
    { type: 'maxpool2d', pool: [2, 2], strides: [2, 2], padding: 'valid' }, flatten, dense(5, 'softmax')],
  'maxpool-first': [{ type: 'maxpool2d', pool: [2, 2], strides: [2, 2], padding: 'valid' }, flatten, { type: 'dropout', rate: 0.3 }, dense(5, 'softmax')],
  'flatten-twice': [flatten, flatten, dense(6, 'relu'), flatten, dense(5, 'softmax')],
};

function spec(layers: LayerSpec[]): TypedModelSpec {
  return {
    name: 'native-leading', dataset: { kind: 'builtin', name: 'shapes' }, grayscale: false, inputShape: [8, 8, 2], numClasses: 5, layers,
    train: { ...DEFAULT_TRAIN, optimizer: 'sgd', learningRate: 0.05, batchSize: 6, seed: 3 },
  };
}

async function compare(name: string, layers: LayerSpec[]): Promise<LeadingCase> {
  const s = spec(layers);
  const a = buildModel(s);
  compileModel(a, s);
  const b = buildModel(s);
  const native = await NativeStep.create(b, s, compileModel(b, s), { dropoutMasks: 'javascript' });
  if (!native) throw new Error(`no native step for ${name}`);
  let lossTfjs = NaN;
  let lossNative = NaN;
  for (let i = 0; i < 3; i++) {
    const x = tf.randomUniform([6, 8, 8, 2], 0, 1, 'float32', i + 1);
    const labels = tf.tensor1d(Int32Array.from({ length: 6 }, (_, k) => (k * 3 + i) % 5), 'int32');
    const y = tf.oneHot(labels, 5);
    lossTfjs = ((await a.model.trainOnBatch(x, y)) as number[])[0] ?? NaN;
    lossNative = native.step(x, labels).loss;
    tf.dispose([x, labels, y]);
  }
  const wa = a.model.getWeights();
  const wb = b.model.getWeights();
  const maxAbs = (ts: tf.Tensor[]): number => Math.max(...ts.map((t) => tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0] ?? 0)));
  const diffs = wa.map((t, i) => tf.sub(t, wb[i] as tf.Tensor));
  const relDiff = maxAbs(diffs) / Math.max(1e-12, maxAbs(wa));
  tf.dispose(diffs);
  native.dispose();
  a.model.dispose();
  b.model.dispose();
  return { name, relDiff, lossTfjs, lossNative };
}

async function main(): Promise<void> {
  const probe = tensorflowAvailable();
  if (!probe.available) {
    console.log(JSON.stringify({ available: false, reason: probe.reason } satisfies LeadingReport));
    return;
  }
  await loadTensorflowBackend({ disableOnednn: false });
  await tf.setBackend('tensorflow');
  const cases: LeadingCase[] = [];
  for (const [name, layers] of Object.entries(LEADING_MODELS)) cases.push(await compare(name, layers));
  console.log(JSON.stringify({ available: true, cases } satisfies LeadingReport));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
