/**
 * Shape, parameter and MAC inference with the same arithmetic as Keras's `model.summary()`.
 *
 * Output sizes: `valid` → floor((in − k) / s) + 1; `same` → ceil(in / s) (conv and pooling alike).
 * Parameters: conv kh·kw·inC·filters (+ filters bias); dense in·units (+ units bias);
 * batchnorm 4·C (gamma, beta trainable; moving mean and variance not).
 * MACs (multiply-accumulates per sample, forward pass): conv outH·outW·kh·kw·inC·filters;
 * dense in·units. Pooling, flatten, dropout, batchnorm and activation count as 0 MACs: they do
 * comparisons, additions or element-wise work but no multiply-accumulate of weights, which is
 * also how Keras-style FLOP counters treat them.
 */
import { CnnLabError } from '../shared/errors';
import type { LayerSpec, LayerSummary, LayerType, ModelSpec, ModelSummary, Pair } from '../shared/modelSpec';
import { t } from './messages';
import type { Locale } from './messages';
import { KERAS_NAME } from './schema';

/** A shape error with the layer key it is about (for the diagnostic range). */
export interface ShapeError {
  readonly code: 'shape-mismatch' | 'shape-zero' | 'missing-flatten';
  readonly message: string;
  /** Key of the layer's parameter at fault, or null for the layer keyword itself. */
  readonly key: string | null;
}

export interface LayerShape {
  readonly outputShape: readonly number[];
  readonly trainableParams: number;
  readonly nonTrainableParams: number;
  readonly macs: number;
}

export type LayerShapeResult = { readonly ok: true; readonly value: LayerShape } | { readonly ok: false; readonly error: ShapeError };

/** `28×28×32` (or `3136` for a vector). */
export function formatShape(shape: readonly number[]): string {
  return shape.join('×');
}

function windowOut(size: number, k: number, s: number, padding: 'valid' | 'same'): number {
  return padding === 'same' ? Math.ceil(size / s) : Math.floor((size - k) / s) + 1;
}

function describeInput(shape: readonly number[], locale: Locale): string {
  return shape.length === 1 ? t(locale, 'shape.flatVector', { size: shape[0] ?? 0 }) : t(locale, 'shape.tensor', { shape: formatShape(shape) });
}

function spatial(layer: LayerSpec, input: readonly number[], locale: Locale): ShapeError | null {
  if (input.length === 3) return null;
  return { code: 'shape-mismatch', message: t(locale, 'shape.spatial', { type: layer.type, input: describeInput(input, locale) }), key: null };
}

function windowed(
  layer: LayerSpec & { readonly padding: 'valid' | 'same'; readonly strides: Pair }, input: readonly number[], win: Pair, what: string, key: string, locale: Locale,
): { h: number; w: number } | ShapeError {
  const [ih, iw] = [input[0] ?? 0, input[1] ?? 0];
  const h = windowOut(ih, win[0], layer.strides[0], layer.padding);
  const w = windowOut(iw, win[1], layer.strides[1], layer.padding);
  if (h >= 1 && w >= 1) return { h, w };
  if (layer.type === 'conv2d') {
    return { code: 'shape-mismatch', key, message: t(locale, 'shape.convNoFit', { what, window: formatShape(win), input: formatShape(input), padding: layer.padding }) };
  }
  return {
    code: 'shape-zero', key,
    message: t(locale, 'shape.zero', {
      type: layer.type, what, window: formatShape(win), input: formatShape(input), height: Math.max(0, h), width: Math.max(0, w), padding: layer.padding,
    }),
  };
}

/** Output shape, parameters and MACs of one layer for an input shape (no batch dimension); errors worded in `locale`. */
export function inferLayer(layer: LayerSpec, input: readonly number[], locale: Locale = 'en'): LayerShapeResult {
  const fail = (error: ShapeError): LayerShapeResult => ({ ok: false, error });
  const ok = (outputShape: readonly number[], trainableParams: number, macs: number, nonTrainableParams = 0): LayerShapeResult =>
    ({ ok: true, value: { outputShape, trainableParams, nonTrainableParams, macs } });
  const last = input[input.length - 1] ?? 0;
  switch (layer.type) {
    case 'conv2d': {
      const e = spatial(layer, input, locale);
      if (e) return fail(e);
      const r = windowed(layer, input, layer.kernel, 'kernel', 'kernel', locale);
      if ('code' in r) return fail(r);
      const perFilter = layer.kernel[0] * layer.kernel[1] * last;
      const params = perFilter * layer.filters + (layer.useBias ? layer.filters : 0);
      return ok([r.h, r.w, layer.filters], params, r.h * r.w * perFilter * layer.filters);
    }
    case 'maxpool2d':
    case 'avgpool2d': {
      const e = spatial(layer, input, locale);
      if (e) return fail(e);
      const r = windowed(layer, input, layer.pool, 'pool', 'pool', locale);
      if ('code' in r) return fail(r);
      return ok([r.h, r.w, last], 0, 0);
    }
    case 'globalavgpool2d': {
      const e = spatial(layer, input, locale);
      if (e) return fail(e);
      return ok([last], 0, 0);
    }
    case 'flatten':
      return ok([input.reduce((a, b) => a * b, 1)], 0, 0);
    case 'dense': {
      if (input.length !== 1) {
        return fail({
          code: 'missing-flatten', key: null,
          message: t(locale, 'shape.denseNeedsFlat', { shape: formatShape(input) }),
        });
      }
      return ok([layer.units], last * layer.units + (layer.useBias ? layer.units : 0), last * layer.units);
    }
    case 'batchnorm':
      return ok(input, 2 * last, 0, 2 * last);
    case 'dropout':
    case 'activation':
      return ok(input, 0, 0);
  }
}

/** Keras-style default names (`conv2d`, `conv2d_1`, ...), skipping names the user took. */
export function layerNames(layers: readonly (LayerSpec | null)[]): string[] {
  const taken = new Set<string>();
  for (const l of layers) if (l?.name !== undefined) taken.add(l.name);
  const counters = new Map<LayerType, number>();
  return layers.map((l) => {
    if (!l) return '';
    if (l.name !== undefined) return l.name;
    const base = KERAS_NAME[l.type];
    for (;;) {
      const n = counters.get(l.type) ?? 0;
      counters.set(l.type, n + 1);
      const name = n === 0 ? base : `${base}_${n}`;
      if (!taken.has(name)) return name;
    }
  });
}

export function summaryRow(index: number, name: string, layer: LayerSpec, input: readonly number[], s: LayerShape): LayerSummary {
  return {
    index, name, type: layer.type, inputShape: input, outputShape: s.outputShape,
    params: s.trainableParams + s.nonTrainableParams, trainableParams: s.trainableParams,
    nonTrainableParams: s.nonTrainableParams, macs: s.macs,
  };
}

/** Totals over complete rows. */
export function totals(inputShape: readonly number[], rows: readonly LayerSummary[], batchSize: number): ModelSummary {
  const count = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
  let trainable = 0, nonTrainable = 0, macs = 0, elements = count(inputShape);
  for (const r of rows) {
    trainable += r.trainableParams;
    nonTrainable += r.nonTrainableParams;
    macs += r.macs;
    elements += count(r.outputShape);
  }
  return {
    layers: rows, inputShape, totalParams: trainable + nonTrainable, trainableParams: trainable,
    nonTrainableParams: nonTrainable, totalMacs: macs, activationBytesPerBatch: 4 * batchSize * elements,
  };
}

/** Keras `model.summary()` numbers for a spec; throws `E_MODEL_INVALID` on the first shape error. */
export function inferSummary(spec: ModelSpec): ModelSummary {
  const names = layerNames(spec.layers);
  const rows: LayerSummary[] = [];
  let shape: readonly number[] = spec.inputShape;
  spec.layers.forEach((layer, i) => {
    const r = inferLayer(layer, shape);
    if (!r.ok) {
      throw new CnnLabError('E_MODEL_INVALID', `layer ${i + 1} (${layer.type}): ${r.error.message}`, 'Fix the model file; the editor shows the error at the layer.');
    }
    rows.push(summaryRow(i, names[i] ?? layer.type, layer, shape, r.value));
    shape = r.value.outputShape;
  });
  return totals(spec.inputShape, rows, spec.train.batchSize);
}
