/**
 * Shape, parameter and MAC inference with the same arithmetic as Keras's `model.summary()`: each
 * layer type's rule is in its registry entry (`./layers/<type>.ts`); this module chains them.
 *
 * MACs are multiply-accumulates of weights per sample in the forward pass: pooling, flatten,
 * dropout, batch norm and activations count 0 (comparisons, additions or element-wise work), as
 * Keras-style FLOP counters treat them.
 */
import { CnnLabError } from '../shared/errors';
import type { LayerSummary, ModelSummary } from '../shared/modelSpec';
import { layerDef } from './layers/index';
import type { LayerShape, LayerShapeResult, LayerSpec, TypedModelSpec } from './layers/index';
import type { Locale } from './messages';

export { formatShape } from './layers/index';
export type { LayerShape, LayerShapeResult, ShapeError } from './layers/index';

/** Output shape, parameters and MACs of one layer for an input shape (no batch dimension); errors worded in `locale`. */
export function inferLayer(layer: LayerSpec, input: readonly number[], locale: Locale = 'en'): LayerShapeResult {
  return layerDef(layer.type).infer(layer, input, locale);
}

/** Keras-style default names (`conv2d`, `conv2d_1`, ...), skipping names the user took. */
export function layerNames(layers: readonly (LayerSpec | null)[]): string[] {
  const taken = new Set<string>();
  for (const l of layers) if (l?.name !== undefined) taken.add(l.name);
  // One counter per Keras prefix, as Keras counts per class: `gelu` and `activation` layers are
  // both Keras `Activation` layers, named activation, activation_1, ...
  const counters = new Map<string, number>();
  return layers.map((l) => {
    if (!l) return '';
    if (l.name !== undefined) return l.name;
    const base = layerDef(l.type).keras.name;
    for (;;) {
      const n = counters.get(base) ?? 0;
      counters.set(base, n + 1);
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
export function inferSummary(spec: TypedModelSpec): ModelSummary {
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
