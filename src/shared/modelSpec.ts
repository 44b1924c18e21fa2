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

/** [height, width] pair; a scalar in the file means a square window. */
export type Pair = readonly [number, number];

/**
 * A layer as it crosses a process boundary: its keyword, optional name and fields. Which fields
 * each layer type has is defined by the layer registry (`src/core/layers/`), which also types them
 * (`TypedModelSpec`); the host and the webviews only pass layers on.
 */
export interface LayerSpecBase {
  readonly type: string;
  /** Optional user-given name; the summary falls back to `<type>_<n>` like Keras. */
  readonly name?: string;
}

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
  readonly layers: readonly LayerSpecBase[];
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
  /** The layer type keyword (`conv2d`). */
  readonly type: string;
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
