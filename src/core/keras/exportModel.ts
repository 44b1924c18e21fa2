/**
 * A trained model as a Keras 3 `.keras` file, planned from its spec: `config.json` (a Sequential
 * of the registry's Keras configs, names as the trainer gives them, compiled with the `train`
 * block), `metadata.json`, and the layout of `model.weights.h5`: which checkpoint weight goes to
 * `layers/<name>/vars/<i>` in Keras's variable order, and the optimizer's fresh state. Pure: the
 * host (src/host/keras) reads the checkpoint and writes the zip and the HDF5 file from this plan
 * (its type, `KerasFilePlan`, in src/shared/kerasFiles, which both sides import).
 *
 * The layout is that of Keras 3.15's own files (`keras.Sequential(...).save('x.keras')`): a
 * `layers` group per layer, an empty top-level `vars`, and `optimizer/vars` holding the
 * iteration, the learning rate and each trainable variable's slots. The optimizer's state is the
 * one `compile()` gives (zeros, Adagrad's 0.1), so loading warns about nothing and training goes on
 * in Keras with a fresh optimizer; those constant slots are stored gzip-compressed, so they add
 * next to nothing to the file (the weights are stored as Keras stores them).
 */
import type { H5Dataset, H5Group, Json, JsonObject, KerasFilePlan } from '../../shared/kerasFiles';
import type { DatasetSpec, OptimizerName, TrainSpec } from '../../shared/modelSpec';
import { endsInSoftmax, layerDef, type LayerSpec, type TypedModelSpec } from '../layers/index';
import { KerasMismatch } from '../layers/kerasArgs';
import { inferLayer, layerNames } from '../shapes';
import { KerasInteropError, type KerasProblem } from './problems';

/** The Keras version whose files these are written like (and that the tests load them in). */
export const KERAS_FORMAT_VERSION = '3.15.1';

export interface KerasExportOptions {
  /** CNN Lab's version, recorded in metadata.json. */
  readonly version: string;
  readonly savedAt: Date;
  /** The run the weights come from (its folder name), recorded in metadata.json. */
  readonly runId?: string;
  /**
   * The model file as trained, recorded in metadata.json (`cnn_lab.modelText`; Keras ignores keys
   * it does not know), so that the import writes it back byte for byte when the file still holds that model.
   */
  readonly modelText?: string;
}

/** One layer of the model as exported: its spec, name, input and Keras weights. */
export interface ExportedLayer {
  readonly spec: LayerSpec;
  readonly name: string;
  readonly input: readonly number[];
  readonly className: string;
  /** The registry's arguments plus `name` and `dtype`. */
  readonly config: JsonObject;
  readonly weights: readonly { readonly name: string; readonly shape: readonly number[]; readonly trainable: boolean }[];
}

const FLOAT32_POLICY: JsonObject = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };

/** Keras's class and default name of each optimizer, and the slots it keeps per trainable variable (with their start value). */
const OPTIMIZERS: Readonly<Record<OptimizerName, { readonly className: string; readonly name: string; readonly slots: readonly { readonly fill: number }[] }>> = {
  adam: { className: 'Adam', name: 'adam', slots: [{ fill: 0 }, { fill: 0 }] },
  sgd: { className: 'SGD', name: 'sgd', slots: [] },
  rmsprop: { className: 'RMSprop', name: 'rmsprop', slots: [{ fill: 0 }] },
  adagrad: { className: 'Adagrad', name: 'adagrad', slots: [{ fill: 0.1 }] },
  adamax: { className: 'Adamax', name: 'adamax', slots: [{ fill: 0 }, { fill: 0 }] },
};

/** Keras's `naming.to_snake_case` of a class name (`LeakyReLU` → `leaky_re_lu`). */
export function kerasSnakeCase(name: string): string {
  return name.replace(/\W+/g, '').replace(/(.)([A-Z][a-z]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

/**
 * The groups of a `.keras` weights file that hold each layer's variables: `layers/<class in snake
 * case>`, numbered per class in model order (`conv2d`, `conv2d_1`), whatever the layers are named
 * (Keras 3's saving_lib addresses them so, as names are not reproducible).
 */
export function kerasWeightGroups(classNames: readonly string[]): string[] {
  const used = new Map<string, number>();
  return classNames.map((c) => {
    const base = kerasSnakeCase(c);
    const n = used.get(base);
    used.set(base, n === undefined ? 0 : n + 1);
    return `layers/${n === undefined ? base : `${base}_${n + 1}`}`;
  });
}

/** Keras's class of an optimizer of the language. */
export function kerasOptimizerClass(o: OptimizerName): string {
  return OPTIMIZERS[o].className;
}

/** A Keras model name: anything but `/`. */
export function kerasModelName(name: string): string {
  return name.replace(/\//g, '_') || 'model';
}

/**
 * CNN Lab's `hardSigmoid` is TensorFlow.js's (and Keras 2's): clip(0.2·x + 0.5, 0, 1). Keras 3's
 * `hard_sigmoid` is another function, relu6(x + 3) / 6 = clip(x / 6 + 0.5, 0, 1). So a layer with
 * hardSigmoid goes to Keras as the layer with a linear activation, then Keras's built-in
 * `Rescaling(scale=0.2, offset=0.5)` (x · 0.2 + 0.5 in float32, as TensorFlow.js computes it) and
 * `ReLU(max_value=1)` (the clip to [0, 1]): the same operations in the same order, loaded without
 * custom code. A standalone `activation: hardSigmoid` is the pair alone. The pair's names say
 * which (`<layer>_hard_sigmoid` after a layer; the activation layer's own name when standalone);
 * the import (importModel) folds it back.
 */
export const HARD_SIGMOID_RESCALING = { scale: 0.2, offset: 0.5 } as const;
export const HARD_SIGMOID_RELU = { max_value: 1, negative_slope: 0, threshold: 0 } as const;
/** The suffix of the Rescaling that ends a layer with hardSigmoid (`dense_1_hard_sigmoid`). */
export const HARD_SIGMOID_SUFFIX = '_hard_sigmoid';
/** The suffix of the ReLU after that Rescaling. */
const HARD_SIGMOID_CLIP_SUFFIX = '_clip';

/**
 * Each layer as Keras sees it (a layer with hardSigmoid as two or three, see HARD_SIGMOID_RESCALING);
 * throws KerasInteropError naming every layer Keras cannot compute exactly.
 */
export function exportedLayers(spec: TypedModelSpec): ExportedLayer[] {
  const names = layerNames(spec.layers);
  const problems: KerasProblem[] = [];
  const out: ExportedLayer[] = [];
  let input: readonly number[] = spec.inputShape;
  spec.layers.forEach((l, i) => {
    const def = layerDef(l.type);
    const name = names[i] ?? l.type;
    if (name.includes('/')) {
      problems.push({ layer: { index: i + 1, name, className: def.keras.className }, setting: 'name', message: 'Keras layer names cannot hold "/"; rename the layer.' });
    }
    const r = inferLayer(l, input);
    const output = r.ok ? r.value.outputShape : input;
    const hardSigmoid = 'activation' in l && l.activation === 'hardSigmoid';
    try {
      if (!(hardSigmoid && l.type === 'activation')) {
        const args = def.keras.config(hardSigmoid ? { ...l, activation: 'linear' } : l) as JsonObject;
        out.push({
          spec: l, name, input, className: def.keras.className,
          config: { name, dtype: FLOAT32_POLICY, ...args },
          weights: def.keras.weights?.(l, input) ?? [],
        });
      }
      if (hardSigmoid) {
        const scale = l.type === 'activation' ? name : `${name}${HARD_SIGMOID_SUFFIX}`;
        out.push(
          { spec: l, name: scale, input: output, className: 'Rescaling', config: { name: scale, dtype: FLOAT32_POLICY, ...HARD_SIGMOID_RESCALING }, weights: [] },
          { spec: l, name: `${scale}${HARD_SIGMOID_CLIP_SUFFIX}`, input: output, className: 'ReLU', config: { name: `${scale}${HARD_SIGMOID_CLIP_SUFFIX}`, dtype: FLOAT32_POLICY, ...HARD_SIGMOID_RELU }, weights: [] },
        );
      }
    } catch (err) {
      if (!(err instanceof KerasMismatch)) throw err;
      problems.push({ layer: { index: i + 1, name, className: def.keras.className }, setting: err.setting, message: err.message });
    }
    input = output;
  });
  if (problems.length > 0) {
    throw new KerasInteropError(problems, 'This model cannot be exported to Keras exactly', 'Change the layers named above, train again, and export.');
  }
  return out;
}

/** The data set as the model file writes it (`mnist`, or the folder's keys), for metadata.json. */
function datasetJson(d: DatasetSpec): Json {
  return d.kind === 'builtin' ? d.name : { folder: d.path, imageSize: [d.imageSize[0], d.imageSize[1]], testSplit: d.testSplit };
}

function trainJson(t: TrainSpec): JsonObject {
  return {
    epochs: t.epochs, batchSize: t.batchSize, optimizer: t.optimizer, learningRate: t.learningRate,
    validationSplit: t.validationSplit, seed: t.seed, augment: { flipHorizontal: t.augment.flipHorizontal, shift: t.augment.shift },
  };
}

/** The loss CNN Lab trains with: categorical cross-entropy, on probabilities or (without a final softmax) on logits. */
export function kerasLoss(spec: TypedModelSpec): Json {
  if (endsInSoftmax(spec.layers)) return 'categorical_crossentropy';
  return {
    module: 'keras.losses', class_name: 'CategoricalCrossentropy',
    config: { name: 'categorical_crossentropy', reduction: 'sum_over_batch_size', from_logits: true, label_smoothing: 0, axis: -1 },
    registered_name: null,
  };
}

function kerasDate(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}@${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The `.keras` file of a model: its JSON files and the layout of its weights file. */
export function kerasFilePlan(spec: TypedModelSpec, o: KerasExportOptions): KerasFilePlan {
  const layers = exportedLayers(spec);
  const modelName = kerasModelName(spec.name);
  const batchShape: Json = [null, ...spec.inputShape];
  const optimizer = OPTIMIZERS[spec.train.optimizer];
  const config: JsonObject = {
    module: 'keras', class_name: 'Sequential',
    config: {
      name: modelName, trainable: true, dtype: FLOAT32_POLICY,
      layers: [
        { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: batchShape, dtype: 'float32', name: 'input_layer' }, registered_name: null },
        ...layers.map((l): JsonObject => ({
          module: 'keras.layers', class_name: l.className, config: l.config, registered_name: null,
          build_config: { input_shape: [null, ...l.input] },
        })),
      ],
    },
    registered_name: null,
    build_config: { input_shape: batchShape },
    compile_config: {
      optimizer: { module: 'keras.optimizers', class_name: optimizer.className, config: { name: optimizer.name, learning_rate: spec.train.learningRate }, registered_name: null },
      loss: kerasLoss(spec),
      metrics: ['accuracy'],
    },
  };
  const metadata: JsonObject = {
    keras_version: KERAS_FORMAT_VERSION,
    date_saved: kerasDate(o.savedAt),
    // What the Keras config cannot say, so that importing the file gives back the model file.
    cnn_lab: {
      version: o.version, ...(o.runId !== undefined ? { run: o.runId } : {}),
      name: spec.name, dataset: datasetJson(spec.dataset), grayscale: spec.grayscale, input: [...spec.inputShape], train: trainJson(spec.train),
      ...(o.modelText !== undefined ? { modelText: o.modelText } : {}),
    },
  };

  const groups: H5Group[] = [{ path: 'layers', attrs: {} }, { path: 'vars', attrs: { name: modelName } }];
  const datasets: H5Dataset[] = [];
  const paths = kerasWeightGroups(layers.map((l) => l.className));
  layers.forEach((l, k) => {
    const at = paths[k] as string;
    groups.push({ path: at, attrs: {} }, { path: `${at}/vars`, attrs: { name: l.name } });
    l.weights.forEach((w, i) => datasets.push({ path: `${at}/vars/${i}`, dtype: 'float32', shape: w.shape, source: { weight: `${l.name}/${w.name}` } }));
  });
  groups.push({ path: 'optimizer', attrs: {} }, { path: 'optimizer/vars', attrs: { name: optimizer.name } });
  datasets.push(
    { path: 'optimizer/vars/0', dtype: 'int64', shape: [], source: { fill: 0 } },
    { path: 'optimizer/vars/1', dtype: 'float32', shape: [], source: { fill: spec.train.learningRate } },
  );
  // Keras's optimizer variables: per trainable variable (in the model's order), its slots in turn.
  let n = 2;
  for (const l of layers) {
    for (const w of l.weights) {
      if (!w.trainable) continue;
      for (const slot of optimizer.slots) datasets.push({ path: `optimizer/vars/${n++}`, dtype: 'float32', shape: w.shape, source: { fill: slot.fill }, compressed: true });
    }
  }
  return { config, metadata, groups, datasets };
}
