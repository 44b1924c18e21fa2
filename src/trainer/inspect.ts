/**
 * What the dashboard looks at besides the curves: evaluation of a split (loss, accuracy,
 * confusion matrix, misclassified samples), feature maps of one sample and the conv kernels.
 * Everything runs in `tf.tidy` and reads back plain numbers, so nothing outlives a call.
 */
import * as tf from '@tensorflow/tfjs';
import type { LayerSpec } from '../core/index';
import type {
  FeatureMapLayer, FeatureMapsMessage, FilterLayer, FiltersMessage, ImagePayload, MisclassifiedSample,
} from '../shared/trainerProtocol';
import { fillImages, type ImageSet, type ImageShape } from './batches';
import { trainerLayerOf } from './layers/index';

/** Batch size for inference: large enough to amortise per-call overhead, small enough for AlexNet-sized activations. */
const EVAL_BATCH = 256;

/** Keras clips probabilities to [ε, 1-ε] before the log in categorical cross-entropy. */
const EPSILON = 1e-7;

export interface SetEvaluation {
  readonly loss: number;
  readonly acc: number;
  readonly predicted: Uint8Array;
  /** Probability of the predicted class. */
  readonly confidence: Float32Array;
  readonly count: number;
}

/**
 * Evaluates samples `indices` of `set` in inference mode (dropout off, BatchNorm moving stats).
 * Loss is categorical cross-entropy on the model's probabilities (softmax applied here when the
 * model outputs logits), as Keras reports it.
 */
export function evaluateSet(
  model: tf.LayersModel, set: ImageSet, indices: ArrayLike<number>, shape: ImageShape,
  numClasses: number, outputsProbabilities: boolean,
): SetEvaluation {
  const n = indices.length;
  const predicted = new Uint8Array(n);
  const confidence = new Float32Array(n);
  let lossSum = 0;
  let correct = 0;
  const per = shape[0] * shape[1] * shape[2];
  const buf = new Float32Array(Math.min(EVAL_BATCH, Math.max(n, 1)) * per);
  for (let start = 0; start < n; start += EVAL_BATCH) {
    const end = Math.min(n, start + EVAL_BATCH);
    const idx = Array.from({ length: end - start }, (_, k) => indices[start + k] as number);
    const xs = buf.subarray(0, idx.length * per);
    fillImages(set, idx, shape, xs);
    const probs = tf.tidy(() => {
      const x = tf.tensor4d(xs, [idx.length, shape[0], shape[1], shape[2]]);
      const out = model.predict(x) as tf.Tensor;
      return outputsProbabilities ? out : tf.softmax(out);
    });
    const p = probs.dataSync();
    probs.dispose();
    for (let k = 0; k < idx.length; k++) {
      const label = set.labels[idx[k] as number] as number;
      let best = 0;
      let bestP = -1;
      let sum = 0;
      for (let c = 0; c < numClasses; c++) sum += p[k * numClasses + c] as number;
      for (let c = 0; c < numClasses; c++) {
        const v = p[k * numClasses + c] as number;
        if (v > bestP) { bestP = v; best = c; }
      }
      const pl = (p[k * numClasses + label] as number) / (sum || 1);
      lossSum += -Math.log(Math.min(1 - EPSILON, Math.max(EPSILON, pl)));
      if (best === label) correct++;
      predicted[start + k] = best;
      confidence[start + k] = bestP / (sum || 1);
    }
  }
  return { loss: n > 0 ? lossSum / n : 0, acc: n > 0 ? correct / n : 0, predicted, confidence, count: n };
}

function imagePayload(set: ImageSet, index: number, shape: ImageShape): ImagePayload {
  const per = shape[0] * shape[1] * shape[2];
  const bytes = set.images.subarray(index * per, (index + 1) * per);
  return {
    width: shape[1], height: shape[0], channels: shape[2] === 3 ? 3 : 1,
    pixelsBase64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
  };
}

/** Confusion matrix and the most confident mistakes (up to `maxMisclassified`). */
export function confusionAndMistakes(
  set: ImageSet, ev: SetEvaluation, shape: ImageShape, numClasses: number, maxMisclassified = 16,
): { confusion: number[][]; misclassified: MisclassifiedSample[] } {
  const confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  const wrong: number[] = [];
  for (let i = 0; i < ev.count; i++) {
    const label = set.labels[i] as number;
    const pred = ev.predicted[i] as number;
    const row = confusion[label];
    if (row) row[pred] = (row[pred] ?? 0) + 1;
    if (label !== pred) wrong.push(i);
  }
  // The most confident mistakes are the instructive ones (and often label noise).
  wrong.sort((a, b) => (ev.confidence[b] as number) - (ev.confidence[a] as number) || a - b);
  const misclassified = wrong.slice(0, maxMisclassified).map((i) => ({
    index: i,
    label: set.labels[i] as number,
    predicted: ev.predicted[i] as number,
    confidence: ev.confidence[i] as number,
    image: imagePayload(set, i, shape),
  }));
  return { confusion, misclassified };
}

/** Layers whose activations are shown as feature maps (their modules say: convolutions and poolings). */
export function featureLayerIndices(layers: readonly LayerSpec[]): number[] {
  const out: number[] = [];
  layers.forEach((l, i) => {
    if (trainerLayerOf(l).inspect.featureMaps) out.push(i);
  });
  return out;
}

/**
 * Builds, once per model, the multi-output model that exposes the feature layers' outputs; it
 * shares the trained layers, so it always shows the current weights.
 */
export function activationModel(model: tf.Sequential, indices: readonly number[]): tf.LayersModel | null {
  if (indices.length === 0) return null;
  const outputs = indices.map((i) => (model.layers[i] as tf.layers.Layer).output as tf.SymbolicTensor);
  return tf.model({ inputs: model.inputs, outputs });
}

/** Scales each channel of an HWC float map to 0..255 with its own [min, max]. */
function scaleChannels(values: Float32Array | Int32Array | Uint8Array, channels: number): { bytes: Uint8Array; ranges: [number, number][] } {
  const ranges: [number, number][] = Array.from({ length: channels }, () => [Infinity, -Infinity]);
  for (let i = 0; i < values.length; i++) {
    const r = ranges[i % channels] as [number, number];
    const v = values[i] as number;
    if (v < r[0]) r[0] = v;
    if (v > r[1]) r[1] = v;
  }
  const bytes = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const [lo, hi] = ranges[i % channels] as [number, number];
    bytes[i] = hi > lo ? Math.round(((values[i] as number) - lo) / (hi - lo) * 255) : 0;
  }
  for (const r of ranges) if (!Number.isFinite(r[0])) { r[0] = 0; r[1] = 0; }
  return { bytes, ranges };
}

export function featureMaps(
  actModel: tf.LayersModel | null, layerIndices: readonly number[], names: readonly string[], layers: readonly LayerSpec[],
  set: ImageSet, sampleIndex: number, shape: ImageShape, epoch: number,
): FeatureMapsMessage {
  const input = imagePayload(set, sampleIndex, shape);
  const out: FeatureMapLayer[] = [];
  if (actModel) {
    const xs = new Float32Array(shape[0] * shape[1] * shape[2]);
    fillImages(set, [sampleIndex], shape, xs);
    const results = tf.tidy(() => {
      const pred = actModel.predict(tf.tensor4d(xs, [1, shape[0], shape[1], shape[2]]));
      return Array.isArray(pred) ? pred : [pred];
    });
    results.forEach((t, k) => {
      const li = layerIndices[k] as number;
      const s = t.shape;
      // Conv/pool outputs are [1, h, w, c]; global pooling gives [1, c], shown as a 1×1 map per channel.
      const hwc: [number, number, number] = s.length === 4 ? [s[1] ?? 1, s[2] ?? 1, s[3] ?? 1] : [1, 1, s[1] ?? 1];
      const { bytes, ranges } = scaleChannels(t.dataSync(), hwc[2]);
      out.push({
        layerIndex: li, name: names[li] ?? `layer_${li + 1}`, type: layers[li]?.type ?? 'conv2d', shape: hwc,
        valuesBase64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'), ranges,
      });
    });
    tf.dispose(results);
  }
  return { type: 'featureMaps', epoch, sampleIndex, label: set.labels[sampleIndex] as number, input, layers: out };
}

export function filters(model: tf.Sequential, names: readonly string[], layers: readonly LayerSpec[], epoch: number): FiltersMessage {
  const out: FilterLayer[] = [];
  layers.forEach((l, i) => {
    if (!trainerLayerOf(l).inspect.filters) return;
    // getWeights returns the variables themselves (no copies), so nothing to dispose.
    const kernel = model.layers[i]?.getWeights()[0];
    if (!kernel) return;
    const [kh, kw, inC, outC] = kernel.shape as [number, number, number, number];
    out.push({
      layerIndex: i, name: names[i] ?? `layer_${i + 1}`, kernel: [kh, kw], inChannels: inC, outChannels: outC,
      weights: Array.from(kernel.dataSync()),
    });
  });
  return { type: 'filters', epoch, layers: out };
}
