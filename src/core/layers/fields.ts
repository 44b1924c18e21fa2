/**
 * What a key of the model language is: its value kind, range, default and one-line docs (en + ko).
 * Layer definitions (`./<type>.ts`) list their fields with these; validation, completion and hovers
 * read them. The top-level, `train`, `augment` and folder keys live in `../schema.ts`.
 */
import { ACTIVATIONS, PADDINGS } from '../../shared/modelSpec';

export type FieldKind = 'int' | 'number' | 'bool' | 'pair' | 'enum' | 'string';

export interface FieldDef {
  readonly key: string;
  readonly kind: FieldKind;
  readonly doc: string;
  /** The same in Korean (the course language). */
  readonly docKo: string;
  /** Default as shown to the user; absent for required fields. */
  readonly default?: string;
  readonly required?: boolean;
  readonly values?: readonly string[];
  readonly min?: number;
  readonly max?: number;
  /** `min` itself is not allowed. */
  readonly minExclusive?: boolean;
  /** `max` itself is not allowed. */
  readonly maxExclusive?: boolean;
  /** Other accepted spellings (e.g. Keras's `use_bias`). */
  readonly aliases?: readonly string[];
  /**
   * The value changes neither the layer's output shape nor its parameter count (an activation, a
   * rate, a name), so a bad or missing value does not stop the shapes: the analysis infers this
   * layer and the ones below as if the default were there, and the student keeps every shape hint.
   */
  readonly shapeNeutral?: true;
}

/** `name`: every layer has it (the registry appends it to each layer's fields). */
export const NAME_FIELD: FieldDef = { key: 'name', kind: 'string', shapeNeutral: true, doc: 'Layer name shown in the summary (default: Keras-style `conv2d_1`).', docKo: '요약에 표시할 층 이름(기본값: Keras 방식의 `conv2d_1`).' };

export const ACTIVATION_FIELD: FieldDef = { key: 'activation', kind: 'enum', shapeNeutral: true, values: ACTIVATIONS, default: 'linear', doc: 'Activation applied to the output.', docKo: '출력에 적용할 활성화 함수.' };

export const USE_BIAS_FIELD: FieldDef = { key: 'useBias', kind: 'bool', default: 'true', aliases: ['use_bias'], doc: 'Add a learned bias per output unit / filter.', docKo: '출력 유닛/필터마다 학습되는 편향을 더합니다.' };

export const KERNEL_FIELD: FieldDef = { key: 'kernel', kind: 'pair', required: true, min: 1, max: 10_000, aliases: ['kernel_size', 'kernelSize'], doc: 'Kernel size: `3` or `[height, width]`.', docKo: '커널 크기: `3` 또는 `[높이, 너비]`.' };

export const CONV_STRIDES_FIELD: FieldDef = { key: 'strides', kind: 'pair', default: '1', min: 1, max: 10_000, doc: 'Step of the kernel: `1` or `[height, width]`.', docKo: '커널의 이동 간격(스트라이드): `1` 또는 `[높이, 너비]`.' };

export const CONV_PADDING_FIELD: FieldDef = { key: 'padding', kind: 'enum', values: PADDINGS, default: 'valid', doc: '`valid` (no padding, output shrinks) or `same` (output = ceil(input / stride)).', docKo: '`valid`(패딩 없음, 출력이 작아짐) 또는 `same`(출력 = ceil(입력 / stride)).' };

export const DEPTH_MULTIPLIER_FIELD: FieldDef = { key: 'depthMultiplier', kind: 'int', default: '1', min: 1, max: 10_000, aliases: ['depth_multiplier'], doc: 'Depthwise kernels per input channel: the depthwise step outputs `channels × depthMultiplier` maps.', docKo: '입력 채널마다 둘 깊이별(depthwise) 커널 수: 깊이별 단계의 출력은 `채널 × depthMultiplier`장입니다.' };

/** Dropout-style `rate` in [0, 1). */
export function rateField(doc: string, docKo: string): FieldDef {
  return { key: 'rate', kind: 'number', required: true, shapeNeutral: true, min: 0, max: 1, maxExclusive: true, doc, docKo };
}

/** Field of a list by key or alias. */
export function findField(fields: readonly FieldDef[], key: string): FieldDef | undefined {
  return fields.find((f) => f.key === key || (f.aliases?.includes(key) ?? false));
}
