/**
 * What max and average pooling share (each type has its own module: `maxpool2d.ts`,
 * `avgpool2d.ts`): the window fields and the shape rule. No weights; 0 MACs (comparisons or
 * additions only, as Keras-style FLOP counters count them).
 */
import { PADDINGS } from '../../shared/modelSpec';
import type { Pair, Padding } from '../../shared/modelSpec';
import type { FieldReader, LayerShapeResult, LayerSpecCommon, LayerTraits } from './def';
import type { FieldDef } from './fields';
import type { Locale } from '../messages';
import type { KerasConfigReader } from './kerasArgs';
import { channelsOf, fail, needsSpatial, ok, slideWindow } from './geometry';

export interface PoolFields {
  /** Default [2, 2]. */
  readonly pool: Pair;
  /** Default: equal to `pool`, as in Keras. */
  readonly strides: Pair;
  /** Default `valid`. */
  readonly padding: Padding;
}

export const POOL_FIELDS: readonly FieldDef[] = [
  { key: 'pool', kind: 'pair', default: '2', min: 1, max: 10_000, aliases: ['pool_size', 'poolSize'], doc: 'Pooling window: `2` or `[height, width]`.', docKo: '풀링 창 크기: `2` 또는 `[높이, 너비]`.' },
  { key: 'strides', kind: 'pair', default: 'pool', min: 1, max: 10_000, doc: 'Step of the window (default: equal to `pool`).', docKo: '창의 이동 간격(기본값: `pool`과 같음).' },
  { key: 'padding', kind: 'enum', values: PADDINGS, default: 'valid', doc: '`valid` or `same`.', docKo: '`valid` 또는 `same`.' },
];

export const POOL_TRAITS: LayerTraits = { kind: 'pooling', spatial: true, hasWeights: false, passThrough: false };

export function buildPool(r: FieldReader): PoolFields {
  const pool = r.pair('pool', [2, 2]);
  return { pool, strides: r.pair('strides', pool), padding: r.choice('padding', PADDINGS, 'valid') };
}

export function inferPool(l: PoolFields & LayerSpecCommon<string>, input: readonly number[], locale: Locale): LayerShapeResult {
  const e = needsSpatial(l.type, input, locale);
  if (e) return fail(e);
  const r = slideWindow(l.type, input, l.pool, l.strides, l.padding, 'pool', false, locale);
  if ('code' in r) return fail(r);
  return ok([r.h, r.w, channelsOf(input)], 0, 0);
}

/** Global pooling: one value per channel. */
export function inferGlobalPool(l: LayerSpecCommon<string>, input: readonly number[], locale: Locale): LayerShapeResult {
  const e = needsSpatial(l.type, input, locale);
  if (e) return fail(e);
  return ok([channelsOf(input)], 0, 0);
}

export const GLOBAL_POOL_TRAITS: LayerTraits = { kind: 'flattening', spatial: true, hasWeights: false, passThrough: false };

/** A Keras pooling layer's config as the fields of max and average pooling (Keras's strides default to the pool). */
export function kerasPoolFields(r: KerasConfigReader): PoolFields {
  r.expect('data_format', 'channels_last');
  const pool = r.pair('pool_size', [2, 2]);
  return { pool, strides: r.pair('strides', pool), padding: r.padding() };
}

/** A Keras global pooling layer's config: channels last, one value per channel (no kept 1×1 grid). */
export function kerasGlobalPoolFields(r: KerasConfigReader): Record<string, never> {
  r.expect('data_format', 'channels_last');
  r.expect('keepdims', false);
  return {};
}
