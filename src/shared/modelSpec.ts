/**
 * The resolved model description: what the language server produces from a `*.cnn.yaml`
 * document once it parses and validates, and what the trainer consumes. Pure data, JSON-safe,
 * so it crosses the LSP (`cnn/modelSpec`) and the host⇄trainer IPC unchanged.
 *
 * Shapes never include the batch dimension and are channels-last (height, width, channels),
 * as in Keras and TensorFlow.js.
 */

/** Activation functions the model language accepts (TensorFlow.js identifiers). */
export const ACTIVATIONS = [
  'linear', 'relu', 'relu6', 'elu', 'selu', 'sigmoid', 'hardSigmoid', 'tanh',
  'softmax', 'softplus', 'softsign', 'swish', 'gelu',
] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export const PADDINGS = ['valid', 'same'] as const;
export type Padding = (typeof PADDINGS)[number];

export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop', 'adagrad', 'adamax'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

/** Layer type keywords, in the order completion offers them. */
export const LAYER_TYPES = [
  'conv2d', 'maxpool2d', 'avgpool2d', 'globalavgpool2d', 'flatten', 'dense',
  'dropout', 'batchnorm', 'activation',
] as const;
export type LayerType = (typeof LAYER_TYPES)[number];

/** [height, width] pair; a scalar in the file means a square window. */
export type Pair = readonly [number, number];

interface LayerBase {
  /** Optional user-given name; the summary falls back to `<type>_<n>` like Keras. */
  readonly name?: string;
}

export interface Conv2DLayer extends LayerBase {
  readonly type: 'conv2d';
  readonly filters: number;
  readonly kernel: Pair;
  /** Default [1, 1]. */
  readonly strides: Pair;
  /** Default `valid`, as in Keras. */
  readonly padding: Padding;
  /** Default `linear`, as in Keras. */
  readonly activation: Activation;
  /** Default true. */
  readonly useBias: boolean;
}

export interface Pool2DLayer extends LayerBase {
  readonly type: 'maxpool2d' | 'avgpool2d';
  /** Default [2, 2]. */
  readonly pool: Pair;
  /** Default: equal to `pool`, as in Keras. */
  readonly strides: Pair;
  /** Default `valid`. */
  readonly padding: Padding;
}

export interface GlobalAvgPool2DLayer extends LayerBase {
  readonly type: 'globalavgpool2d';
}

export interface FlattenLayer extends LayerBase {
  readonly type: 'flatten';
}

export interface DenseLayer extends LayerBase {
  readonly type: 'dense';
  readonly units: number;
  readonly activation: Activation;
  readonly useBias: boolean;
}

export interface DropoutLayer extends LayerBase {
  readonly type: 'dropout';
  /** Fraction of inputs zeroed during training, in [0, 1). */
  readonly rate: number;
}

export interface BatchNormLayer extends LayerBase {
  readonly type: 'batchnorm';
  /** Default 0.99 (Keras). */
  readonly momentum: number;
  /** Default 0.001 (Keras). */
  readonly epsilon: number;
}

export interface ActivationLayer extends LayerBase {
  readonly type: 'activation';
  readonly activation: Activation;
}

export type LayerSpec =
  | Conv2DLayer
  | Pool2DLayer
  | GlobalAvgPool2DLayer
  | FlattenLayer
  | DenseLayer
  | DropoutLayer
  | BatchNormLayer
  | ActivationLayer;

/** Built-in data sets; see `src/shared/datasets.ts` for what each one is. */
export const BUILTIN_DATASETS = ['mnist', 'fashion-mnist', 'cifar10', 'shapes'] as const;
export type BuiltinDatasetName = (typeof BUILTIN_DATASETS)[number];

export type DatasetSpec =
  | { readonly kind: 'builtin'; readonly name: BuiltinDatasetName }
  | {
      /** One sub-folder per class holding PNG/JPEG files, resized to `imageSize`. */
      readonly kind: 'folder';
      /** As written in the model file; resolved against the model file's folder by the host. */
      readonly path: string;
      /** [height, width] every image is resized to. Default [32, 32]. */
      readonly imageSize: Pair;
      /** Fraction of each class held out as the test set when the folder has no train/test split. Default 0.2. */
      readonly testSplit: number;
    };

/** Data augmentation applied to training batches only (colour and grayscale images alike). */
export interface AugmentSpec {
  /** Random left-right flips. */
  readonly flipHorizontal: boolean;
  /** Random translation by up to this fraction of the width/height (0 = off). */
  readonly shift: number;
}

export interface TrainSpec {
  readonly epochs: number;
  readonly batchSize: number;
  readonly optimizer: OptimizerName;
  readonly learningRate: number;
  /** Fraction of the training set held out for validation, in [0, 1). */
  readonly validationSplit: number;
  /** Seeds weight initialisation, shuffling, the validation split and augmentation. */
  readonly seed: number;
  readonly augment: AugmentSpec;
}

export interface ModelSpec {
  readonly name: string;
  readonly dataset: DatasetSpec;
  /** Convert colour input to one channel before training. */
  readonly grayscale: boolean;
  /** Input shape [h, w, c] after `grayscale` is applied; inferred from the data set when omitted. */
  readonly inputShape: readonly [number, number, number];
  /** Number of classes of the data set (known for built-ins; for folders, from the file or the folder). */
  readonly numClasses: number | null;
  readonly layers: readonly LayerSpec[];
  readonly train: TrainSpec;
}

/** Keras defaults for the `train` block. */
export const DEFAULT_TRAIN: TrainSpec = {
  epochs: 10,
  batchSize: 32,
  optimizer: 'adam',
  learningRate: 0.001,
  validationSplit: 0.1,
  seed: 42,
  augment: { flipHorizontal: false, shift: 0 },
};

/** One row of the Keras-style summary, computed by shape inference (`src/core/shapes.ts`). */
export interface LayerSummary {
  readonly index: number;
  /** Keras-like name, e.g. `conv2d_1`, or the user's `name`. */
  readonly name: string;
  readonly type: LayerType;
  /** Input shape without batch dimension. */
  readonly inputShape: readonly number[];
  /** Output shape without batch dimension. */
  readonly outputShape: readonly number[];
  /** Trainable + non-trainable parameters, as Keras's "Param #". */
  readonly params: number;
  readonly trainableParams: number;
  readonly nonTrainableParams: number;
  /** Multiply-accumulate operations per sample in the forward pass. */
  readonly macs: number;
}

export interface ModelSummary {
  readonly layers: readonly LayerSummary[];
  readonly inputShape: readonly number[];
  readonly totalParams: number;
  readonly trainableParams: number;
  readonly nonTrainableParams: number;
  /** Forward MACs per sample. */
  readonly totalMacs: number;
  /** Bytes of float32 activations (all layer outputs and the input) for one batch of `train.batchSize`. */
  readonly activationBytesPerBatch: number;
}
