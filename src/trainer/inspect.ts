/**
 * What the dashboard looks at besides the curves: evaluation of a split (loss, accuracy,
 * confusion matrix, misclassified samples), feature maps and the prediction of one sample, the
 * conv kernels, and (`Inspector`) the arithmetic of one conv filter, saliency and Grad-CAM, for a
 * test sample or the user's own image. Everything runs in `tf.tidy` and reads back plain
 * numbers, so nothing outlives a call.
 */
import * as tf from '@tensorflow/tfjs';
import { endsInSoftmax, outputLayerIndex, type LayerSpec } from '../core/index';
import { CnnLabError, toWireError } from '../shared/errors';
import type {
  ExplanationMessage, FeatureMapLayer, FeatureMapsMessage, FilterLayer, FiltersMessage, FloatPayload, ImagePayload,
  InspectRequest, InspectSubject, MisclassifiedSample, SaliencyMessage, SubjectRef, TrainerMessage,
} from '../shared/trainerProtocol';
import { fillImages, type ImageSet, type ImageShape } from './batches';
import { gradCamMap, gradCamWeights } from './gradCam';
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

/** The trained model behind each activation model, for the live inspector (see `liveInspector`). */
const sourceModels = new WeakMap<tf.LayersModel, tf.Sequential>();

/**
 * Builds, once per model, the multi-output model that exposes the feature layers' outputs and,
 * last, the model's own output (the prediction shown with the maps); it shares the trained
 * layers, so it always shows the current weights.
 */
export function activationModel(model: tf.Sequential, indices: readonly number[]): tf.LayersModel | null {
  const outputs = indices.map((i) => (model.layers[i] as tf.layers.Layer).output as tf.SymbolicTensor);
  const out = model.outputs[0];
  if (out !== undefined) outputs.push(out);
  if (outputs.length === 0) return null;
  const act = tf.model({ inputs: model.inputs, outputs });
  sourceModels.set(act, model);
  return act;
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

const b64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

function floatPayload(values: Float32Array | ArrayLike<number>, shape: readonly number[]): FloatPayload {
  const f = values instanceof Float32Array ? values : Float32Array.from(values);
  return { shape: [...shape], f32Base64: b64(new Uint8Array(f.buffer, f.byteOffset, f.byteLength)) };
}

/** Softmax of one row (the model's logits), for models that do not end in softmax. */
function softmaxRow(v: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < v.length; i++) max = Math.max(max, v[i] as number);
  const e = Array.from(v, (x) => Math.exp((x) - max));
  const sum = e.reduce((a, b) => a + b, 0) || 1;
  return e.map((x) => x / sum);
}

interface MapsInput {
  readonly xs: Float32Array;
  readonly image: ImagePayload;
  readonly sampleIndex: number | null;
  readonly label: number | null;
}

function mapsOf(
  actModel: tf.LayersModel | null, layerIndices: readonly number[], names: readonly string[], layers: readonly LayerSpec[],
  shape: ImageShape, input: MapsInput, epoch: number,
): FeatureMapsMessage {
  const out: FeatureMapLayer[] = [];
  let probabilities: number[] | undefined;
  if (actModel) {
    const results = tf.tidy(() => {
      const pred = actModel.predict(tf.tensor4d(input.xs, [1, shape[0], shape[1], shape[2]]));
      return Array.isArray(pred) ? pred : [pred];
    });
    results.forEach((t, k) => {
      if (k >= layerIndices.length) {
        // The model's own output: its class probabilities.
        const v = t.dataSync();
        probabilities = endsInSoftmax(layers) ? Array.from(v) : softmaxRow(v);
        return;
      }
      const li = layerIndices[k] as number;
      const s = t.shape;
      // Conv/pool outputs are [1, h, w, c]; global pooling gives [1, c], shown as a 1×1 map per channel.
      const hwc: [number, number, number] = s.length === 4 ? [s[1] ?? 1, s[2] ?? 1, s[3] ?? 1] : [1, 1, s[1] ?? 1];
      const { bytes, ranges } = scaleChannels(t.dataSync(), hwc[2]);
      out.push({
        layerIndex: li, name: names[li] ?? `layer_${li + 1}`, type: layers[li]?.type ?? 'conv2d', shape: hwc,
        valuesBase64: b64(bytes), ranges,
      });
    });
    tf.dispose(results);
  }
  return {
    type: 'featureMaps', epoch, sampleIndex: input.sampleIndex, label: input.label, input: input.image, layers: out,
    ...(probabilities !== undefined ? { probabilities } : {}),
  };
}

export function featureMaps(
  actModel: tf.LayersModel | null, layerIndices: readonly number[], names: readonly string[], layers: readonly LayerSpec[],
  set: ImageSet, sampleIndex: number, shape: ImageShape, epoch: number,
): FeatureMapsMessage {
  const xs = new Float32Array(shape[0] * shape[1] * shape[2]);
  fillImages(set, [sampleIndex], shape, xs);
  if (actModel) noteLive(actModel, { layerIndices, names, layers, test: set, shape, epoch });
  return mapsOf(actModel, layerIndices, names, layers, shape,
    { xs, image: imagePayload(set, sampleIndex, shape), sampleIndex, label: set.labels[sampleIndex] as number }, epoch);
}

export function filters(model: tf.Sequential, names: readonly string[], layers: readonly LayerSpec[], epoch: number): FiltersMessage {
  const out: FilterLayer[] = [];
  layers.forEach((l, i) => {
    if (!trainerLayerOf(l).inspect.filters) return;
    // getWeights returns the variables themselves (no copies), so nothing to dispose.
    const weights = model.layers[i]?.getWeights() ?? [];
    const kernel = weights[0];
    if (!kernel) return;
    const [kh, kw, inC, outC] = kernel.shape as [number, number, number, number];
    const bias = weights[1];
    out.push({
      layerIndex: i, name: names[i] ?? `layer_${i + 1}`, kernel: [kh, kw], inChannels: inC, outChannels: outC,
      weights: Array.from(kernel.dataSync()),
      ...(bias !== undefined && bias.size === outC ? { bias: Array.from(bias.dataSync()) } : {}),
    });
  });
  return { type: 'filters', epoch, layers: out };
}

// ---------------------------------------------------------------- the inspector

/** What an inspector needs: the model with its current weights, its spec and names, the test set. */
export interface InspectorContext {
  readonly model: tf.Sequential;
  readonly actModel: tf.LayersModel | null;
  readonly layerIndices: readonly number[];
  readonly names: readonly string[];
  readonly layers: readonly LayerSpec[];
  readonly test: ImageSet;
  readonly shape: ImageShape;
}

/** Layer types Grad-CAM looks at: the convolutions (the last one before the classifier). */
const CONV_TYPES: ReadonlySet<string> = new Set(['conv2d', 'depthwiseconv2d', 'separableconv2d']);

/**
 * Answers `inspectRequest`s on a model: feature maps of the user's own image, one conv filter's
 * arithmetic, saliency and Grad-CAM. Used by inspect mode (inspectRun.ts) and, while training,
 * through `liveInspector()` between two batches.
 */
export class Inspector {
  /** The epoch the weights belong to, as the answers report it. */
  epoch: number;

  constructor(private readonly c: InspectorContext, epoch: number) {
    this.epoch = epoch;
  }

  /** Answers one request; a failure becomes `inspectFailed` (the process goes on). */
  answer(req: InspectRequest): TrainerMessage {
    try {
      switch (req.what.kind) {
        case 'featureMaps': return { ...this.featureMaps(req.subject), requestId: req.requestId };
        case 'explanation': return this.explain(req.requestId, req.subject, req.what.layerIndex, req.what.filter);
        case 'saliency': return this.saliency(req.requestId, req.subject, req.what.classIndex);
      }
    } catch (err) {
      return { type: 'inspectFailed', requestId: req.requestId, error: toWireError(err) };
    }
  }

  featureMaps(subject: InspectSubject): FeatureMapsMessage {
    const c = this.c;
    return mapsOf(c.actModel, c.layerIndices, c.names, c.layers, c.shape, this.inputOf(subject), this.epoch);
  }

  /** The input of a subject as the model sees it (pixels / 255), checked against the model's input. */
  private inputOf(subject: InspectSubject): MapsInput & { readonly ref: SubjectRef } {
    const { shape, test } = this.c;
    const [h, w, ch] = shape;
    if (subject.kind === 'test') {
      if (subject.index >= test.count) {
        throw new CnnLabError('E_DATASET_UNAVAILABLE',
          `There is no test sample ${subject.index}: the test set has ${test.count} samples, numbered 0 to ${test.count - 1}.`,
          'Pick a sample in that range.');
      }
      const xs = new Float32Array(h * w * ch);
      fillImages(test, [subject.index], shape, xs);
      return { xs, image: imagePayload(test, subject.index, shape), sampleIndex: subject.index, label: test.labels[subject.index] as number, ref: { kind: 'test', index: subject.index } };
    }
    const img = subject.image;
    if (img.width !== w || img.height !== h || img.channels !== ch) {
      throw new CnnLabError('E_MODEL_INVALID',
        `The image is ${img.width}×${img.height} with ${img.channels} channel(s); this model takes ${w}×${h} with ${ch}.`,
        'Drop or pick the image again: the dashboard resizes it to the model\'s input.');
    }
    const bytes = Buffer.from(img.pixelsBase64, 'base64');
    const xs = Float32Array.from(bytes, (v) => v / 255);
    return { xs, image: img, sampleIndex: null, label: null, ref: { kind: 'own' } };
  }

  private layerAt(index: number): tf.layers.Layer {
    const l = this.c.model.layers[index];
    if (!l) throw new CnnLabError('E_MODEL_INVALID', `The model has no layer ${index + 1}.`);
    return l;
  }

  /** Runs layers [from, to) in inference mode (dropout off, BatchNorm's moving statistics). */
  private run(x: tf.Tensor, from: number, to: number): tf.Tensor {
    let t = x;
    for (let i = from; i < to; i++) t = this.layerAt(i).apply(t, { training: false }) as tf.Tensor;
    return t;
  }

  explain(requestId: number, subject: InspectSubject, layerIndex: number, filter: number): ExplanationMessage {
    const { layers, names, shape } = this.c;
    const spec = layers[layerIndex];
    if (spec?.type !== 'conv2d') {
      throw new CnnLabError('E_MODEL_INVALID', `Layer ${layerIndex + 1} (${spec?.type ?? 'none'}) is not a conv2d layer: only convolutions are explained.`,
        'Pick a conv2d layer.');
    }
    const layer = this.layerAt(layerIndex);
    const [kernelVar, biasVar] = layer.getWeights();
    if (!kernelVar) throw new CnnLabError('E_INTERNAL', `${names[layerIndex] ?? 'the layer'} has no kernel`);
    const [kh, kw, inC, outC] = kernelVar.shape as [number, number, number, number];
    if (filter >= outC) {
      throw new CnnLabError('E_MODEL_INVALID', `${names[layerIndex] ?? 'The layer'} has ${outC} filters, numbered 1 to ${outC}; there is no filter ${filter + 1}.`);
    }
    const input = this.inputOf(subject);
    let r: {
      input: Float32Array; inShape: number[]; kernel: Float32Array; bias: number; output: Float32Array; pre: Float32Array; oh: number; ow: number;
    } | undefined;
    tf.tidy(() => {
      const x = tf.tensor4d(input.xs, [1, shape[0], shape[1], shape[2]]);
      const layerIn = this.run(x, 0, layerIndex) as tf.Tensor4D;
      const out = layer.apply(layerIn, { training: false }) as tf.Tensor4D;
      const [, oh, ow] = out.shape;
      const k = tf.slice(kernelVar, [0, 0, 0, filter], [kh, kw, inC, 1]) as tf.Tensor4D;
      const b = biasVar ? tf.slice(biasVar, [filter], [1]) : tf.zeros([1]);
      const pre = tf.add(tf.conv2d(layerIn, k, [spec.strides[0], spec.strides[1]], spec.padding), b);
      r = {
        input: layerIn.dataSync() as Float32Array, inShape: layerIn.shape.slice(1),
        kernel: k.dataSync() as Float32Array, bias: b.dataSync()[0] as number,
        output: tf.slice(out, [0, 0, 0, filter], [1, oh, ow, 1]).dataSync() as Float32Array,
        pre: pre.dataSync() as Float32Array, oh, ow,
      };
    });
    if (r === undefined) throw new CnnLabError('E_INTERNAL', 'the explanation was not computed');
    return {
      type: 'explanation', requestId, epoch: this.epoch, subject: input.ref, layerIndex,
      layerName: names[layerIndex] ?? `layer_${layerIndex + 1}`, filter, filters: outC,
      inputIsImage: layerIndex === 0, inputLayerName: layerIndex === 0 ? null : names[layerIndex - 1] ?? `layer_${layerIndex}`,
      input: floatPayload(r.input, r.inShape), kernel: floatPayload(r.kernel, [kh, kw, inC]), bias: r.bias,
      strides: [spec.strides[0], spec.strides[1]], padding: spec.padding, activation: spec.activation,
      output: floatPayload(r.output, [r.oh, r.ow]), preActivation: floatPayload(r.pre, [r.oh, r.ow]), image: input.image,
    };
  }

  /**
   * The class scores (1 × classes) from the activations `t` of layer `from` − 1 onwards: the
   * output layer's logits when the model ends in softmax (a dense layer's linear part, or the
   * input of a softmax activation layer), else its output, which then is the logits already.
   */
  private scores(t: tf.Tensor, from: number): { scores: tf.Tensor; kind: 'logit' | 'log-probability' } {
    const { layers } = this.c;
    const outIdx = outputLayerIndex(layers);
    const softmax = endsInSoftmax(layers);
    let x = this.run(t, from, outIdx);
    let kind: 'logit' | 'log-probability' = 'logit';
    const spec = layers[outIdx];
    const layer = this.layerAt(outIdx);
    if (!softmax) x = layer.apply(x, { training: false }) as tf.Tensor;
    else if (spec?.type === 'activation') {
      // The logits are this layer's input.
    } else if (spec?.type === 'dense') {
      const [kernel, bias] = layer.getWeights();
      if (!kernel) throw new CnnLabError('E_INTERNAL', 'the output layer has no kernel');
      x = tf.matMul(tf.reshape(x, [-1, kernel.shape[0] ?? 1]), kernel);
      if (bias) x = tf.add(x, bias);
    } else {
      x = tf.log(tf.maximum(layer.apply(x, { training: false }) as tf.Tensor, 1e-30));
      kind = 'log-probability';
    }
    return { scores: tf.reshape(x, [1, -1]), kind };
  }

  saliency(requestId: number, subject: InspectSubject, classIndex: number | null): SaliencyMessage {
    const { layers, names, shape } = this.c;
    const input = this.inputOf(subject);
    const outIdx = outputLayerIndex(layers);
    let camLayer = -1;
    for (let i = 0; i < outIdx; i++) if (CONV_TYPES.has(layers[i]?.type ?? '')) camLayer = i;
    let r: {
      cls: number; score: number; probability: number; kind: 'logit' | 'log-probability'; gradient: Float32Array;
      cam: { acts: Float32Array; grads: Float32Array; hwc: number[] } | null;
    } | undefined;
    tf.tidy(() => {
      const x = tf.tensor4d(input.xs, [1, shape[0], shape[1], shape[2]]);
      const { scores, kind } = this.scores(x, 0);
      const s = scores.dataSync();
      let best = 0;
      for (let i = 1; i < s.length; i++) if ((s[i] as number) > (s[best] as number)) best = i;
      const cls = classIndex ?? best;
      if (cls >= s.length) {
        throw new CnnLabError('E_MODEL_INVALID', `The model has ${s.length} classes, numbered 0 to ${s.length - 1}; there is no class ${cls}.`);
      }
      const pick = (t: tf.Tensor): tf.Scalar => tf.sum(tf.slice(t, [0, cls], [1, 1]));
      const gradient = tf.grad((inp: tf.Tensor) => pick(this.scores(inp, 0).scores))(x).dataSync() as Float32Array;
      let cam: { acts: Float32Array; grads: Float32Array; hwc: number[] } | null = null;
      if (camLayer >= 0) {
        const a = this.run(x, 0, camLayer + 1);
        const g = tf.grad((act: tf.Tensor) => pick(this.scores(act, camLayer + 1).scores))(a);
        cam = { acts: a.dataSync() as Float32Array, grads: g.dataSync() as Float32Array, hwc: a.shape.slice(1) };
      }
      // Logits give the probability by softmax; a log-probability gives it by exp.
      const probability = kind === 'logit' ? softmaxRow(s)[cls] ?? 0 : Math.exp(s[cls] as number);
      r = { cls, score: s[cls] as number, probability, kind, gradient, cam };
    });
    if (r === undefined) throw new CnnLabError('E_INTERNAL', 'the saliency was not computed');
    let gradCam: SaliencyMessage['gradCam'] = null;
    if (r.cam && r.cam.hwc.length === 3) {
      const [h, w, k] = r.cam.hwc as [number, number, number];
      const weights = gradCamWeights(r.cam.grads, h, w, k);
      gradCam = { layerIndex: camLayer, layerName: names[camLayer] ?? `layer_${camLayer + 1}`, map: floatPayload(gradCamMap(r.cam.acts, weights, h, w, k), [h, w]), weights: Array.from(weights) };
    }
    return {
      type: 'saliency', requestId, epoch: this.epoch, subject: input.ref, classIndex: r.cls, score: r.score,
      probability: r.probability, scoreKind: r.kind, gradient: floatPayload(r.gradient, [...shape]), gradCam, image: input.image,
    };
  }
}

let live: { actModel: tf.LayersModel; inspector: Inspector } | null = null;

/**
 * train.ts builds the activation model of its training model once and computes each feature-map
 * message through `featureMaps`; both land here, so that the process wiring (main.ts) can answer
 * `inspectRequest`s while training with the same model, between the same batches in which
 * train.ts answers `featureMapsRequest`.
 */
function noteLive(actModel: tf.LayersModel, o: Omit<InspectorContext, 'model' | 'actModel'> & { readonly epoch: number }): void {
  if (live?.actModel === actModel) {
    live.inspector.epoch = o.epoch;
    return;
  }
  const model = sourceModels.get(actModel);
  if (!model) return;
  live = { actModel, inspector: new Inspector({ ...o, model, actModel }, o.epoch) };
}

/** The inspector of the model this process trains, once its first feature maps were computed; null before. */
export function liveInspector(): Inspector | null {
  return live?.inspector ?? null;
}
