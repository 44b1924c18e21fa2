/**
 * The layer registry: every layer type of the model language, one module each. Adding a layer
 * type is one module here (its fields, docs, Keras names, shape inference, traits), one in
 * `src/trainer/layers/` (how to build and train it), and one line in each index.
 */
import type { ModelSpec } from '../../shared/modelSpec';
import { activation } from './activation';
import { avgpool2d } from './avgpool2d';
import { batchnorm } from './batchnorm';
import { conv2d } from './conv2d';
import type { LayerDef } from './def';
import { dense } from './dense';
import { dropout } from './dropout';
import { NAME_FIELD } from './fields';
import type { FieldDef } from './fields';
import { flatten } from './flatten';
import { globalavgpool2d } from './globalavgpool2d';
import { maxpool2d } from './maxpool2d';
import { depthwiseconv2d } from './depthwiseconv2d';
import { elu } from './elu';
import { gelu } from './gelu';
import { globalmaxpool2d } from './globalmaxpool2d';
import { leakyrelu } from './leakyrelu';
import { separableconv2d } from './separableconv2d';
import { spatialdropout2d } from './spatialdropout2d';
import { swish } from './swish';
import { zeropadding2d } from './zeropadding2d';

/** In the order completion offers them. */
const DEFS = [
  conv2d, separableconv2d, depthwiseconv2d, maxpool2d, avgpool2d, globalavgpool2d, globalmaxpool2d, zeropadding2d,
  flatten, dense, dropout, spatialdropout2d, batchnorm, activation, leakyrelu, elu, gelu, swish,
] as const;

type SpecOf<D> = D extends LayerDef<infer S> ? S : never;

/** A validated layer of a model file, one member per layer type. */
export type LayerSpec = SpecOf<(typeof DEFS)[number]>;
export type LayerType = LayerSpec['type'];

/** The definition of any layer type; call its functions only with a spec of its own type. */
export type AnyLayerDef = LayerDef<LayerSpec>;

/** Layer type keywords, in the order completion offers them. */
export const LAYER_TYPES: readonly LayerType[] = DEFS.map((d) => d.type);

const BY_TYPE = new Map<string, AnyLayerDef>(DEFS.map((d) => [d.type, d as AnyLayerDef]));

export function isLayerType(s: string): s is LayerType {
  return BY_TYPE.has(s);
}

/** The registry entry of a layer type. */
export function layerDef(type: LayerType): AnyLayerDef {
  const d = BY_TYPE.get(type);
  if (!d) throw new Error(`no layer type ${type}`);
  return d;
}

/** Every registry entry, in completion order. */
export function layerDefs(): readonly AnyLayerDef[] {
  return DEFS;
}

const FIELDS = new Map<string, readonly FieldDef[]>(DEFS.map((d) => [d.type, [...d.fields, NAME_FIELD]]));

/** A layer type's keys, `name` last. */
export function layerFields(type: LayerType): readonly FieldDef[] {
  return FIELDS.get(type) ?? [NAME_FIELD];
}

/** Other spellings users type for a layer (Keras and PyTorch names), mapped to the type. */
export const LAYER_ALIASES: Readonly<Record<string, LayerType>> = Object.fromEntries(
  DEFS.flatMap((d) => ((d as AnyLayerDef).aliases ?? []).map((a) => [a, d.type])),
);

/** Keras's class name of a layer type (the summary's "(type)" column); the keyword itself for an unknown one. */
export function kerasClassOf(type: string): string {
  return BY_TYPE.get(type)?.keras.className ?? type;
}

/**
 * Index of the layer that gives the model's output: the last layer, looking back over the layers
 * that pass values through (dropout, which is the identity in evaluation, and flatten); -1 when
 * there is none. Validation, the loss (softmax or logits) and the native training step all use
 * this one rule.
 */
export function outputLayerIndex(layers: readonly (LayerSpec | null)[]): number {
  for (let i = layers.length - 1; i >= 0; i--) {
    const l = layers[i];
    if (!l) return i;
    if (!layerDef(l.type).traits.passThrough) return i;
  }
  return -1;
}

/** Whether the output layer (see `outputLayerIndex`) ends in softmax: the model then outputs probabilities. */
export function endsInSoftmax(layers: readonly LayerSpec[]): boolean {
  const l = layers[outputLayerIndex(layers)];
  return l !== undefined && layerDef(l.type).activationOf?.(l) === 'softmax';
}

/** A resolved model whose layers are typed by the registry (what `analyzeModelText` produces). */
export interface TypedModelSpec extends Omit<ModelSpec, 'layers'> {
  readonly layers: readonly LayerSpec[];
}

/**
 * A model spec that crossed a process boundary, with each layer checked against the registry;
 * throws on a layer type the registry does not know (a host and trainer of different versions).
 */
export function typedModelSpec(spec: ModelSpec): TypedModelSpec {
  for (const l of spec.layers) {
    if (!isLayerType(l.type)) throw new Error(`unknown layer type "${l.type}" in the model spec`);
  }
  return spec as TypedModelSpec;
}

export type { AnyLayerDef as LayerDefinition };
export type { FieldReader, LayerDef, LayerDocs, LayerKind, LayerShape, LayerShapeResult, LayerTraits, ShapeError } from './def';
export type { FieldDef, FieldKind } from './fields';
export { findField, NAME_FIELD } from './fields';
export { formatShape } from './geometry';
export type { ActivationLayer } from './activation';
export type { AvgPool2DLayer } from './avgpool2d';
export type { BatchNormLayer } from './batchnorm';
export type { Conv2DLayer } from './conv2d';
export type { DenseLayer } from './dense';
export type { DropoutLayer } from './dropout';
export type { FlattenLayer } from './flatten';
export type { GlobalAvgPool2DLayer } from './globalavgpool2d';
export type { MaxPool2DLayer } from './maxpool2d';
export type { DepthwiseConv2DLayer } from './depthwiseconv2d';
export type { EluLayer } from './elu';
export type { GeluLayer } from './gelu';
export type { GlobalMaxPool2DLayer } from './globalmaxpool2d';
export type { LeakyReluLayer } from './leakyrelu';
export type { SeparableConv2DLayer } from './separableconv2d';
export type { SpatialDropout2DLayer } from './spatialdropout2d';
export type { SwishLayer } from './swish';
export type { ZeroPadding2DLayer } from './zeropadding2d';
