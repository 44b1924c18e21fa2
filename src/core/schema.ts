/**
 * The vocabulary of the model language in one table: top-level keys, layer types and their keys,
 * value kinds and ranges, defaults and one-line docs. Validation, completion and hovers all read it.
 */
import { ACTIVATIONS, BUILTIN_DATASETS, LAYER_TYPES, OPTIMIZERS, PADDINGS } from '../shared/modelSpec';
import type { LayerType } from '../shared/modelSpec';
import { LAYER_DOCS_KO } from './messages';
import type { Locale } from './messages';

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
}

const NAME_FIELD: FieldDef = { key: 'name', kind: 'string', doc: 'Layer name shown in the summary (default: Keras-style `conv2d_1`).', docKo: '요약에 표시할 층 이름(기본값: Keras 방식의 `conv2d_1`).' };
const ACTIVATION_FIELD: FieldDef = { key: 'activation', kind: 'enum', values: ACTIVATIONS, default: 'linear', doc: 'Activation applied to the output.', docKo: '출력에 적용할 활성화 함수.' };
const USE_BIAS_FIELD: FieldDef = { key: 'useBias', kind: 'bool', default: 'true', aliases: ['use_bias'], doc: 'Add a learned bias per output unit / filter.', docKo: '출력 유닛/필터마다 학습되는 편향을 더합니다.' };

const POOL_FIELDS: readonly FieldDef[] = [
  { key: 'pool', kind: 'pair', default: '2', min: 1, max: 10_000, doc: 'Pooling window: `2` or `[height, width]`.', docKo: '풀링 창 크기: `2` 또는 `[높이, 너비]`.' },
  { key: 'strides', kind: 'pair', default: 'pool', min: 1, max: 10_000, doc: 'Step of the window (default: equal to `pool`).', docKo: '창의 이동 간격(기본값: `pool`과 같음).' },
  { key: 'padding', kind: 'enum', values: PADDINGS, default: 'valid', doc: '`valid` or `same`.', docKo: '`valid` 또는 `same`.' },
  NAME_FIELD,
];

export const LAYER_FIELDS: Readonly<Record<LayerType, readonly FieldDef[]>> = {
  conv2d: [
    { key: 'filters', kind: 'int', required: true, min: 1, max: 100_000, doc: 'Number of filters (output channels). Each filter has one kernel slice per input channel.', docKo: '필터 개수(출력 채널 수). 각 필터는 입력 채널마다 커널 조각을 하나씩 가집니다.' },
    { key: 'kernel', kind: 'pair', required: true, min: 1, max: 10_000, doc: 'Kernel size: `3` or `[height, width]`.', docKo: '커널 크기: `3` 또는 `[높이, 너비]`.' },
    { key: 'strides', kind: 'pair', default: '1', min: 1, max: 10_000, doc: 'Step of the kernel: `1` or `[height, width]`.', docKo: '커널의 이동 간격(스트라이드): `1` 또는 `[높이, 너비]`.' },
    { key: 'padding', kind: 'enum', values: PADDINGS, default: 'valid', doc: '`valid` (no padding, output shrinks) or `same` (output = ceil(input / stride)).', docKo: '`valid`(패딩 없음, 출력이 작아짐) 또는 `same`(출력 = ceil(입력 / stride)).' },
    ACTIVATION_FIELD,
    USE_BIAS_FIELD,
    NAME_FIELD,
  ],
  maxpool2d: POOL_FIELDS,
  avgpool2d: POOL_FIELDS,
  globalavgpool2d: [NAME_FIELD],
  flatten: [NAME_FIELD],
  dense: [
    { key: 'units', kind: 'int', required: true, min: 1, max: 10_000_000, doc: 'Number of output units (neurons).', docKo: '출력 유닛(뉴런) 개수.' },
    ACTIVATION_FIELD,
    USE_BIAS_FIELD,
    NAME_FIELD,
  ],
  dropout: [
    { key: 'rate', kind: 'number', required: true, min: 0, max: 1, maxExclusive: true, doc: 'Fraction of inputs zeroed during training, in [0, 1). Inactive at test time.', docKo: '학습 중에 0으로 만들 입력의 비율, [0, 1) 범위. 테스트 때는 작동하지 않습니다.' },
    NAME_FIELD,
  ],
  batchnorm: [
    { key: 'momentum', kind: 'number', default: '0.99', min: 0, max: 1, maxExclusive: true, doc: 'Momentum of the moving mean and variance.', docKo: '이동 평균과 이동 분산의 모멘텀.' },
    { key: 'epsilon', kind: 'number', default: '0.001', min: 0, minExclusive: true, max: 1, doc: 'Small constant added to the variance.', docKo: '분산에 더하는 작은 상수.' },
    NAME_FIELD,
  ],
  activation: [{ ...ACTIVATION_FIELD, required: true, default: undefined }, NAME_FIELD],
};

export const LAYER_DOCS: Readonly<Record<LayerType, string>> = {
  conv2d: '2-D convolution (Keras `Conv2D`): slides `filters` kernels of size `kernel` over the image; each kernel has a slice per input channel.',
  maxpool2d: 'Max pooling (Keras `MaxPooling2D`): keeps the largest value of each window; halves height and width with the default `pool: 2`.',
  avgpool2d: 'Average pooling (Keras `AveragePooling2D`): averages each window.',
  globalavgpool2d: 'Global average pooling (Keras `GlobalAveragePooling2D`): one average per channel; replaces `flatten` with far fewer features.',
  flatten: 'Flatten (Keras `Flatten`): turns the height×width×channels feature maps into one vector for dense layers.',
  dense: 'Fully connected layer (Keras `Dense`): every output unit sees every input value.',
  dropout: 'Dropout (Keras `Dropout`): zeroes a random fraction `rate` of its inputs while training to reduce overfitting. The course places it between the flattened features and the output.',
  batchnorm: 'Batch normalisation (Keras `BatchNormalization`): normalises each channel; 4 parameters per channel, 2 of them (moving mean and variance) not trainable.',
  activation: 'Activation layer (Keras `Activation`): applies a function element-wise. Shorthand: `- activation: relu`.',
};

/** Keras class names, used in the summary table's "(type)" column. */
export const KERAS_CLASS: Readonly<Record<LayerType, string>> = {
  conv2d: 'Conv2D', maxpool2d: 'MaxPooling2D', avgpool2d: 'AveragePooling2D',
  globalavgpool2d: 'GlobalAveragePooling2D', flatten: 'Flatten', dense: 'Dense', dropout: 'Dropout',
  batchnorm: 'BatchNormalization', activation: 'Activation',
};

/** Keras default layer names (`max_pooling2d`, `max_pooling2d_1`, ...). */
export const KERAS_NAME: Readonly<Record<LayerType, string>> = {
  conv2d: 'conv2d', maxpool2d: 'max_pooling2d', avgpool2d: 'average_pooling2d',
  globalavgpool2d: 'global_average_pooling2d', flatten: 'flatten', dense: 'dense', dropout: 'dropout',
  batchnorm: 'batch_normalization', activation: 'activation',
};

/** Other spellings users type for a layer (Keras and PyTorch names); offered as "did you mean". */
export const LAYER_ALIASES: Readonly<Record<string, LayerType>> = {
  conv: 'conv2d', convolution2d: 'conv2d', maxpooling2d: 'maxpool2d', maxpool: 'maxpool2d',
  averagepooling2d: 'avgpool2d', avgpool: 'avgpool2d', globalaveragepooling2d: 'globalavgpool2d',
  globalavgpool: 'globalavgpool2d', linear: 'dense', fc: 'dense', batchnormalization: 'batchnorm',
  batchnorm2d: 'batchnorm', bn: 'batchnorm', relu: 'activation',
};

export const TOP_LEVEL_FIELDS: readonly FieldDef[] = [
  { key: 'name', kind: 'string', default: 'model', doc: 'Name of the model, used for runs and the summary.', docKo: '모델 이름. 학습 실행 기록과 요약에 쓰입니다.' },
  { key: 'dataset', kind: 'enum', values: BUILTIN_DATASETS, required: true, doc: 'A built-in data set (`mnist`, `fashion-mnist`, `cifar10`, `shapes`) or an image folder: `{ folder: ./images, imageSize: [32, 32], testSplit: 0.2 }`.', docKo: '내장 데이터셋(`mnist`, `fashion-mnist`, `cifar10`, `shapes`) 또는 이미지 폴더: `{ folder: ./images, imageSize: [32, 32], testSplit: 0.2 }`.' },
  { key: 'grayscale', kind: 'bool', default: 'false', doc: 'Convert colour images to one channel before training: the first conv then needs a third of the weights.', docKo: '학습 전에 컬러 이미지를 채널 하나(흑백)로 바꿉니다. 그러면 첫 합성곱 층의 가중치가 3분의 1로 줄어듭니다.' },
  { key: 'input', kind: 'pair', doc: 'Input shape `[height, width, channels]`; inferred from the data set when omitted, and must agree with it when given.', docKo: '입력 형태 `[높이, 너비, 채널]`. 생략하면 데이터셋에서 추론하고, 쓰면 데이터셋과 일치해야 합니다.' },
  { key: 'classes', kind: 'int', min: 2, max: 100_000, doc: 'Number of classes of an image-folder data set (built-in data sets know theirs).', docKo: '이미지 폴더 데이터셋의 클래스 수(내장 데이터셋은 자동으로 압니다).' },
  { key: 'layers', kind: 'string', required: true, doc: 'The layers, in order: a list of single-key maps such as `- conv2d: { filters: 32, kernel: 3 }`.', docKo: '층 목록(순서대로): `- conv2d: { filters: 32, kernel: 3 }`처럼 키가 하나인 맵의 목록.' },
  { key: 'train', kind: 'string', doc: 'How to train: epochs, batchSize, optimizer, learningRate, validationSplit, seed, augment.', docKo: '학습 설정: epochs, batchSize, optimizer, learningRate, validationSplit, seed, augment.' },
];

export const TRAIN_FIELDS: readonly FieldDef[] = [
  { key: 'epochs', kind: 'int', default: '10', min: 1, max: 1_000_000, doc: 'Passes over the training set.', docKo: '학습 데이터 전체를 도는 횟수(에포크).' },
  { key: 'batchSize', kind: 'int', default: '32', min: 1, max: 1_000_000, aliases: ['batch_size'], doc: 'Samples per gradient step.', docKo: '경사 하강 한 단계에 쓰는 샘플 수(배치 크기).' },
  { key: 'optimizer', kind: 'enum', values: OPTIMIZERS, default: 'adam', doc: 'Optimisation algorithm.', docKo: '최적화 알고리즘(옵티마이저).' },
  { key: 'learningRate', kind: 'number', default: '0.001', min: 0, minExclusive: true, max: 10, aliases: ['learning_rate'], doc: 'Step size of the optimizer.', docKo: '옵티마이저의 학습률.' },
  { key: 'validationSplit', kind: 'number', default: '0.1', min: 0, max: 1, maxExclusive: true, aliases: ['validation_split'], doc: 'Fraction of the training set held out for validation, in [0, 1).', docKo: '검증용으로 떼어 둘 학습 데이터의 비율, [0, 1) 범위.' },
  { key: 'seed', kind: 'int', default: '42', min: 0, max: 2 ** 31 - 1, doc: 'Seeds weight initialisation, shuffling, the validation split and augmentation.', docKo: '가중치 초기화, 셔플, 검증 데이터 분할, 데이터 증강에 쓰는 시드.' },
  { key: 'augment', kind: 'string', doc: 'Training-time augmentation: `{ flipHorizontal: true, shift: 0.1 }`.', docKo: '학습 중 데이터 증강: `{ flipHorizontal: true, shift: 0.1 }`.' },
];

export const AUGMENT_FIELDS: readonly FieldDef[] = [
  { key: 'flipHorizontal', kind: 'bool', default: 'false', doc: 'Random left-right flips.', docKo: '무작위 좌우 뒤집기.' },
  { key: 'shift', kind: 'number', default: '0', min: 0, max: 1, maxExclusive: true, doc: 'Random translation by up to this fraction of width/height.', docKo: '너비/높이의 이 비율까지 무작위로 평행 이동합니다.' },
];

export const FOLDER_FIELDS: readonly FieldDef[] = [
  { key: 'folder', kind: 'string', required: true, doc: 'Folder with one sub-folder of PNG/JPEG images per class, relative to this file.', docKo: '클래스마다 PNG/JPEG 이미지 하위 폴더가 하나씩 있는 폴더(이 파일 기준 상대 경로).' },
  { key: 'imageSize', kind: 'pair', default: '[32, 32]', min: 1, max: 4096, doc: '`[height, width]` every image is resized to.', docKo: '모든 이미지를 맞출 크기 `[높이, 너비]`.' },
  { key: 'testSplit', kind: 'number', default: '0.2', min: 0, minExclusive: true, max: 1, maxExclusive: true, doc: 'Fraction of each class held out as the test set.', docKo: '클래스마다 테스트 세트로 떼어 둘 비율.' },
];

export function isLayerType(s: string): s is LayerType {
  return (LAYER_TYPES as readonly string[]).includes(s);
}

/** Field of a list by key or alias. */
export function findField(fields: readonly FieldDef[], key: string): FieldDef | undefined {
  return fields.find((f) => f.key === key || (f.aliases?.includes(key) ?? false));
}

/** A field's one-line doc in `locale`. */
export function fieldDoc(locale: Locale, f: FieldDef): string {
  return locale === 'ko' ? f.docKo : f.doc;
}

/** A layer type's one-line doc in `locale`. */
export function layerDoc(locale: Locale, type: LayerType): string {
  return locale === 'ko' ? LAYER_DOCS_KO[type] : LAYER_DOCS[type];
}
