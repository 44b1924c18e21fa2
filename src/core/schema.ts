/**
 * The vocabulary of the model language in one table: top-level keys, layer types and their keys,
 * value kinds and ranges, defaults and one-line docs. Validation, completion and hovers all read it.
 */
import { ACTIVATIONS, BUILTIN_DATASETS, LAYER_TYPES, OPTIMIZERS, PADDINGS } from '../shared/modelSpec';
import type { LayerType } from '../shared/modelSpec';

export type FieldKind = 'int' | 'number' | 'bool' | 'pair' | 'enum' | 'string';

export interface FieldDef {
  readonly key: string;
  readonly kind: FieldKind;
  readonly doc: string;
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

const NAME_FIELD: FieldDef = { key: 'name', kind: 'string', doc: 'Layer name shown in the summary (default: Keras-style `conv2d_1`).' };
const ACTIVATION_FIELD: FieldDef = { key: 'activation', kind: 'enum', values: ACTIVATIONS, default: 'linear', doc: 'Activation applied to the output.' };
const USE_BIAS_FIELD: FieldDef = { key: 'useBias', kind: 'bool', default: 'true', aliases: ['use_bias'], doc: 'Add a learned bias per output unit / filter.' };

const POOL_FIELDS: readonly FieldDef[] = [
  { key: 'pool', kind: 'pair', default: '2', min: 1, max: 10_000, doc: 'Pooling window: `2` or `[height, width]`.' },
  { key: 'strides', kind: 'pair', default: 'pool', min: 1, max: 10_000, doc: 'Step of the window (default: equal to `pool`).' },
  { key: 'padding', kind: 'enum', values: PADDINGS, default: 'valid', doc: '`valid` or `same`.' },
  NAME_FIELD,
];

export const LAYER_FIELDS: Readonly<Record<LayerType, readonly FieldDef[]>> = {
  conv2d: [
    { key: 'filters', kind: 'int', required: true, min: 1, max: 100_000, doc: 'Number of filters (output channels). Each filter has one kernel slice per input channel.' },
    { key: 'kernel', kind: 'pair', required: true, min: 1, max: 10_000, doc: 'Kernel size: `3` or `[height, width]`.' },
    { key: 'strides', kind: 'pair', default: '1', min: 1, max: 10_000, doc: 'Step of the kernel: `1` or `[height, width]`.' },
    { key: 'padding', kind: 'enum', values: PADDINGS, default: 'valid', doc: '`valid` (no padding, output shrinks) or `same` (output = ceil(input / stride)).' },
    ACTIVATION_FIELD,
    USE_BIAS_FIELD,
    NAME_FIELD,
  ],
  maxpool2d: POOL_FIELDS,
  avgpool2d: POOL_FIELDS,
  globalavgpool2d: [NAME_FIELD],
  flatten: [NAME_FIELD],
  dense: [
    { key: 'units', kind: 'int', required: true, min: 1, max: 10_000_000, doc: 'Number of output units (neurons).' },
    ACTIVATION_FIELD,
    USE_BIAS_FIELD,
    NAME_FIELD,
  ],
  dropout: [
    { key: 'rate', kind: 'number', required: true, min: 0, max: 1, maxExclusive: true, doc: 'Fraction of inputs zeroed during training, in [0, 1). Inactive at test time.' },
    NAME_FIELD,
  ],
  batchnorm: [
    { key: 'momentum', kind: 'number', default: '0.99', min: 0, max: 1, maxExclusive: true, doc: 'Momentum of the moving mean and variance.' },
    { key: 'epsilon', kind: 'number', default: '0.001', min: 0, minExclusive: true, max: 1, doc: 'Small constant added to the variance.' },
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
  { key: 'name', kind: 'string', default: 'model', doc: 'Name of the model, used for runs and the summary.' },
  { key: 'dataset', kind: 'enum', values: BUILTIN_DATASETS, required: true, doc: 'A built-in data set (`mnist`, `fashion-mnist`, `cifar10`, `shapes`) or an image folder: `{ folder: ./images, imageSize: [32, 32], testSplit: 0.2 }`.' },
  { key: 'grayscale', kind: 'bool', default: 'false', doc: 'Convert colour images to one channel before training: the first conv then needs a third of the weights.' },
  { key: 'input', kind: 'pair', doc: 'Input shape `[height, width, channels]`; inferred from the data set when omitted, and must agree with it when given.' },
  { key: 'classes', kind: 'int', min: 2, max: 100_000, doc: 'Number of classes of an image-folder data set (built-in data sets know theirs).' },
  { key: 'layers', kind: 'string', required: true, doc: 'The layers, in order: a list of single-key maps such as `- conv2d: { filters: 32, kernel: 3 }`.' },
  { key: 'train', kind: 'string', doc: 'How to train: epochs, batchSize, optimizer, learningRate, validationSplit, seed, augment.' },
];

export const TRAIN_FIELDS: readonly FieldDef[] = [
  { key: 'epochs', kind: 'int', default: '10', min: 1, max: 1_000_000, doc: 'Passes over the training set.' },
  { key: 'batchSize', kind: 'int', default: '32', min: 1, max: 1_000_000, aliases: ['batch_size'], doc: 'Samples per gradient step.' },
  { key: 'optimizer', kind: 'enum', values: OPTIMIZERS, default: 'adam', doc: 'Optimisation algorithm.' },
  { key: 'learningRate', kind: 'number', default: '0.001', min: 0, minExclusive: true, max: 10, aliases: ['learning_rate'], doc: 'Step size of the optimizer.' },
  { key: 'validationSplit', kind: 'number', default: '0.1', min: 0, max: 1, maxExclusive: true, aliases: ['validation_split'], doc: 'Fraction of the training set held out for validation, in [0, 1).' },
  { key: 'seed', kind: 'int', default: '42', min: 0, max: 2 ** 31 - 1, doc: 'Seeds weight initialisation, shuffling, the validation split and augmentation.' },
  { key: 'augment', kind: 'string', doc: 'Training-time augmentation: `{ flipHorizontal: true, shift: 0.1 }`.' },
];

export const AUGMENT_FIELDS: readonly FieldDef[] = [
  { key: 'flipHorizontal', kind: 'bool', default: 'false', doc: 'Random left-right flips.' },
  { key: 'shift', kind: 'number', default: '0', min: 0, max: 1, maxExclusive: true, doc: 'Random translation by up to this fraction of width/height.' },
];

export const FOLDER_FIELDS: readonly FieldDef[] = [
  { key: 'folder', kind: 'string', required: true, doc: 'Folder with one sub-folder of PNG/JPEG images per class, relative to this file.' },
  { key: 'imageSize', kind: 'pair', default: '[32, 32]', min: 1, max: 4096, doc: '`[height, width]` every image is resized to.' },
  { key: 'testSplit', kind: 'number', default: '0.2', min: 0, minExclusive: true, max: 1, maxExclusive: true, doc: 'Fraction of each class held out as the test set.' },
];

export function isLayerType(s: string): s is LayerType {
  return (LAYER_TYPES as readonly string[]).includes(s);
}

/** Field of a list by key or alias. */
export function findField(fields: readonly FieldDef[], key: string): FieldDef | undefined {
  return fields.find((f) => f.key === key || (f.aliases?.includes(key) ?? false));
}
