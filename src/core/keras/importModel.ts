/**
 * A Keras or TensorFlow.js Sequential model as a model file: each layer's config through its
 * registry entry (`keras.fromConfig`, the type found by its Keras class, `claims` choosing among
 * the types that share one), the input from the InputLayer (or the first layer's
 * `batch_input_shape`), the `train` block from the compile config, the data set from CNN Lab's
 * own metadata when the file has it (an export), else guessed from the input and the classes.
 * Every setting the language cannot express is a problem naming the layer and the setting; none
 * is dropped. Pure: the host (src/host/keras) reads the files and the weights.
 */
import { BUILTIN_DATASETS, DEFAULT_TRAIN, OPTIMIZERS, type BuiltinDatasetName, type DatasetSpec, type OptimizerName, type TrainSpec } from '../../shared/modelSpec';
import { DATASETS } from '../../shared/datasets';
import type { ForeignModel } from '../../shared/kerasFiles';
import { analyzeModelText } from '../analyze';
import type { KerasWeight } from '../layers/def';
import { layerDefs, type AnyLayerDef, type LayerSpec, type TypedModelSpec } from '../layers/index';
import { KerasConfigReader, KerasMismatch, type KerasDialect } from '../layers/kerasArgs';
import { inferLayer, layerNames } from '../shapes';
import type { CoreDiagnostic } from '../types';
import { HARD_SIGMOID_RELU, HARD_SIGMOID_RESCALING, HARD_SIGMOID_SUFFIX, kerasWeightGroups } from './exportModel';
import { modelFileText } from './modelText';
import { KerasInteropError, type KerasLayerRef, type KerasProblem } from './problems';

export interface ImportOptions {
  /** CNN Lab's version, for the header. */
  readonly version: string;
  /** The data set to write (else the file's CNN Lab metadata, else a guess). */
  readonly dataset?: BuiltinDatasetName;
}

/** A layer as imported: where its weights are in the file and what they must be. */
export interface ImportedLayer {
  /** Its name in the file, which is also its name in the model file (kept as `name:` when not the default). */
  readonly name: string;
  readonly className: string;
  /** Where a `.keras` file keeps its weights (`layers/conv2d_1`, by class; see `kerasWeightGroups`). */
  readonly kerasGroup: string;
  readonly spec: LayerSpec;
  /** In Keras's variable order, with the shapes its config implies. */
  readonly weights: readonly KerasWeight[];
}

export interface ImportedModel {
  readonly text: string;
  readonly layers: readonly ImportedLayer[];
  /** What was kept but changed meaning or was guessed (also written as comments in the file). */
  readonly notes: readonly string[];
  /** Errors the model file's analysis reports (a guessed data set whose classes do not fit, say); empty when it validates. */
  readonly diagnostics: readonly CoreDiagnostic[];
  /** The model file's spec when it validates, else null. */
  readonly spec: TypedModelSpec | null;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const defsByClass = (): Map<string, AnyLayerDef[]> => {
  const m = new Map<string, AnyLayerDef[]>();
  for (const d of layerDefs()) m.set(d.keras.className, [...(m.get(d.keras.className) ?? []), d]);
  return m;
};

/** `[null, h, w, c]` as an image input, or null. */
function imageInput(v: unknown): [number, number, number] | null {
  if (!Array.isArray(v) || v.length !== 4 || (v[0] !== null && v[0] !== undefined && typeof v[0] !== 'number')) return null;
  const dims = v.slice(1);
  return dims.every((d) => Number.isInteger(d) && (d as number) > 0) ? (dims as [number, number, number]) : null;
}

function isFloat32(dtype: unknown): boolean {
  if (dtype === undefined || dtype === null || dtype === 'float32') return true;
  return isRecord(dtype) && isRecord(dtype.config) && dtype.config.name === 'float32';
}

/** The input shape the file gives, wherever it keeps it (InputLayer, first layer, the Sequential's build shape). */
function inputShapeOf(model: Record<string, unknown>, config: Record<string, unknown>, layers: readonly unknown[]): unknown {
  const first = layers[0];
  if (isRecord(first) && isRecord(first.config)) {
    const c = first.config;
    if (c.batch_shape !== undefined || c.batch_input_shape !== undefined) return c.batch_shape ?? c.batch_input_shape;
  }
  if (config.build_input_shape !== undefined) return config.build_input_shape;
  return isRecord(model.build_config) ? model.build_config.input_shape : undefined;
}

/** A config's settings other than its name and `trainable`, when it is float32 and trainable; else null. */
function plainSettings(raw: unknown, className: string): Record<string, unknown> | null {
  if (!isRecord(raw) || raw.class_name !== className || !isRecord(raw.config)) return null;
  const { name: _n, trainable, dtype, ...rest } = raw.config;
  return trainable !== false && isFloat32(dtype) ? rest : null;
}

/** `a` then `b` are CNN Lab's hardSigmoid as Keras layers: Rescaling(scale 0.2, offset 0.5), then ReLU(max_value 1) and nothing else. */
function isHardSigmoidPair(a: unknown, b: unknown): boolean {
  const scale = plainSettings(a, 'Rescaling');
  const clip = plainSettings(b, 'ReLU');
  if (scale === null || clip === null) return false;
  const same = (v: Record<string, unknown>, want: Readonly<Record<string, number>>): boolean => Object.keys(v).every((k) => k in want)
    && Object.entries(want).every(([k, x]) => (v[k] === undefined && x === 0) || v[k] === x);
  return same(scale, HARD_SIGMOID_RESCALING) && same(clip, HARD_SIGMOID_RELU);
}

/** The shortest decimal that is the same float32 (Keras writes 0.0010000000474974513 for 0.001). */
export function float32Decimal(x: number): number {
  for (let p = 1; p <= 17; p++) {
    const d = Number(x.toPrecision(p));
    if (Math.fround(d) === Math.fround(x)) return d;
  }
  return x;
}

/** The `train` block from a compile config, with notes for what CNN Lab trains differently. */
function trainFrom(training: unknown, notes: string[]): TrainSpec {
  if (!isRecord(training)) return DEFAULT_TRAIN;
  const opt = isRecord(training.optimizer) ? training.optimizer : isRecord(training.optimizer_config) ? training.optimizer_config : null;
  let optimizer: OptimizerName = DEFAULT_TRAIN.optimizer;
  let learningRate = DEFAULT_TRAIN.learningRate;
  if (opt !== null) {
    const cls = typeof opt.class_name === 'string' ? opt.class_name : '';
    const known = OPTIMIZERS.find((o) => o === cls.toLowerCase());
    if (known !== undefined) optimizer = known;
    else notes.push(`optimizer ${cls || '?'} is not one CNN Lab trains with (${OPTIMIZERS.join(', ')}); the model file says ${optimizer}`);
    const c = isRecord(opt.config) ? opt.config : {};
    const lr = c.learning_rate ?? c.learningRate ?? c.lr;
    if (typeof lr === 'number' && lr > 0) learningRate = float32Decimal(lr);
    else if (lr !== undefined) notes.push(`learning rate ${JSON.stringify(isRecord(lr) ? lr.class_name : lr)} (a schedule) is not kept; the model file says ${learningRate}`);
    const defaults: Readonly<Record<string, unknown>> = { momentum: 0, nesterov: false, amsgrad: false, centered: false, weight_decay: null, clipnorm: null, global_clipnorm: null, clipvalue: null, use_ema: false };
    for (const [k, d] of Object.entries(defaults)) {
      if (c[k] !== undefined && c[k] !== null && c[k] !== d) notes.push(`optimizer setting ${k} ${JSON.stringify(c[k])} is not kept: CNN Lab trains with ${optimizer}'s defaults`);
    }
  }
  const loss = training.loss;
  const lossName = typeof loss === 'string' ? loss : isRecord(loss) && typeof loss.class_name === 'string' ? loss.class_name : null;
  if (lossName !== null && !/^(categorical_?crossentropy|sparse_?categorical_?crossentropy)$/i.test(lossName)) {
    notes.push(`loss ${lossName} is not kept: CNN Lab trains with categorical cross-entropy`);
  }
  return { ...DEFAULT_TRAIN, optimizer, learningRate };
}

/** CNN Lab's own block of an exported file's metadata, when well-formed. */
function cnnLabMetadata(metadata: unknown): { dataset: DatasetSpec; grayscale: boolean; input: readonly number[]; train: TrainSpec; name: string; modelText: string | null } | null {
  if (!isRecord(metadata) || !isRecord(metadata.cnn_lab)) return null;
  const m = metadata.cnn_lab;
  const t = m.train;
  if (!isRecord(t) || !isRecord(t.augment) || typeof m.name !== 'string' || typeof m.grayscale !== 'boolean' || !Array.isArray(m.input)) return null;
  let dataset: DatasetSpec;
  if (typeof m.dataset === 'string' && (BUILTIN_DATASETS as readonly string[]).includes(m.dataset)) dataset = { kind: 'builtin', name: m.dataset as BuiltinDatasetName };
  else if (isRecord(m.dataset) && typeof m.dataset.folder === 'string' && Array.isArray(m.dataset.imageSize) && typeof m.dataset.testSplit === 'number') {
    const [h, w] = m.dataset.imageSize as number[];
    dataset = { kind: 'folder', path: m.dataset.folder, imageSize: [h ?? 32, w ?? 32], testSplit: m.dataset.testSplit };
  } else return null;
  const num = (v: unknown, d: number): number => (typeof v === 'number' ? v : d);
  const optimizer = (OPTIMIZERS as readonly unknown[]).includes(t.optimizer) ? (t.optimizer as OptimizerName) : DEFAULT_TRAIN.optimizer;
  const train: TrainSpec = {
    epochs: num(t.epochs, DEFAULT_TRAIN.epochs), batchSize: num(t.batchSize, DEFAULT_TRAIN.batchSize), optimizer,
    learningRate: num(t.learningRate, DEFAULT_TRAIN.learningRate), validationSplit: num(t.validationSplit, DEFAULT_TRAIN.validationSplit),
    seed: num(t.seed, DEFAULT_TRAIN.seed),
    augment: { flipHorizontal: t.augment.flipHorizontal === true, shift: num(t.augment.shift, 0) },
  };
  return { dataset, grayscale: m.grayscale, input: m.input as number[], train, name: m.name, modelText: typeof m.modelText === 'string' ? m.modelText : null };
}

/** A data set for an input and a class count, with what was assumed. */
function guessDataset(input: readonly [number, number, number], classes: number | null, notes: string[]): { dataset: DatasetSpec; grayscale: boolean } {
  const [h, w, c] = input;
  const builtins = BUILTIN_DATASETS.filter((n) => DATASETS[n].classNames.length === classes);
  const exact = builtins.find((n) => DATASETS[n].inputShape.join() === input.join());
  if (exact !== undefined) {
    if (exact === 'mnist') notes.push('dataset: mnist is a guess from the 28×28×1 input and 10 classes (fashion-mnist has the same; change it if so)');
    else notes.push(`dataset: ${exact} is a guess from the ${h}×${w}×${c} input and ${classes} classes`);
    return { dataset: { kind: 'builtin', name: exact }, grayscale: false };
  }
  const gray = c === 1 ? builtins.find((n) => { const s = DATASETS[n].inputShape; return s[0] === h && s[1] === w && s[2] === 3; }) : undefined;
  if (gray !== undefined) {
    notes.push(`dataset: ${gray} with grayscale is a guess from the ${h}×${w}×1 input and ${classes} classes`);
    return { dataset: { kind: 'builtin', name: gray }, grayscale: true };
  }
  notes.push(`dataset: no built-in data set has ${h}×${w}×${c} images in ${classes ?? '?'} classes; point \`folder:\` at one sub-folder of images per class`);
  return { dataset: { kind: 'folder', path: './images', imageSize: [h, w], testSplit: 0.2 }, grayscale: c === 1 };
}

/** Names to write: each layer's `name:` only where the default name at its place differs. */
function minimalNames(layers: readonly LayerSpec[], names: readonly string[]): LayerSpec[] {
  const out: LayerSpec[] = layers.map((l, i) => ({ ...l, name: names[i] ?? l.type }));
  for (let i = 0; i < out.length; i++) {
    const { name: _n, ...rest } = out[i] as LayerSpec;
    const without = rest as LayerSpec;
    const trial = [...out.slice(0, i), without, ...out.slice(i + 1)];
    if (layerNames(trial).every((n, k) => n === names[k])) out[i] = without;
  }
  return out;
}

/**
 * The model file of a foreign model, or KerasInteropError listing every layer and setting the
 * language cannot express.
 */
export function modelFromKeras(m: ForeignModel, o: ImportOptions): ImportedModel {
  const problems: KerasProblem[] = [];
  const notes: string[] = [];
  const whole = (message: string, setting: string | null = null): never => {
    throw new KerasInteropError([...problems, { layer: null, setting, message }], `${m.fileName} cannot be imported`, 'CNN Lab reads Sequential image classifiers; change the model in Keras and save it again.');
  };
  const model = m.modelConfig;
  if (!isRecord(model) || typeof model.class_name !== 'string' || !isRecord(model.config)) return whole('the file holds no model configuration (a weights-only file?); save the whole model (model.save).');
  if (model.class_name !== 'Sequential') {
    return whole(model.class_name === 'Functional' || model.class_name === 'Model'
      ? `a ${model.class_name} model (layers wired as a graph); CNN Lab reads Sequential models, one layer after the other.`
      : `a ${model.class_name} model; CNN Lab reads Sequential models only.`);
  }
  const config = model.config;
  const all: readonly unknown[] = Array.isArray(config.layers) ? (config.layers as unknown[]) : whole('the Sequential model lists no layers.');
  const dialect: KerasDialect = m.format === 'tfjs' ? 'tfjs' : 'keras';
  const first = all[0];
  const hasInputLayer = isRecord(first) && first.class_name === 'InputLayer';
  const input = imageInput(inputShapeOf(model, config, all));
  if (input === null) return whole(`the input is not images (height, width, channels): ${JSON.stringify(inputShapeOf(model, config, all) ?? null)}; CNN Lab models take image inputs.`);
  if (hasInputLayer && isRecord(first.config) && !isFloat32(first.config.dtype)) return whole(`the input is ${JSON.stringify(first.config.dtype)}; CNN Lab feeds float32 images.`, 'dtype');

  const byClass = defsByClass();
  const listed = hasInputLayer ? all.slice(1) : all;
  const groups = kerasWeightGroups(listed.map((raw) => (isRecord(raw) && typeof raw.class_name === 'string' ? raw.class_name : '?')));
  // Rescaling(0.2, 0.5) then ReLU(max_value=1) is CNN Lab's hardSigmoid (see exportModel's HARD_SIGMOID_RESCALING).
  const hardSigmoidAt = new Set(dialect === 'keras' ? listed.flatMap((raw, i) => (isHardSigmoidPair(raw, listed[i + 1]) ? [i] : [])) : []);
  const layers: ImportedLayer[] = [];
  /** Index in `listed` of the last layer imported, to fold a hardSigmoid pair right after it. */
  let lastListed = -1;
  let shape: readonly number[] = input;
  listed.forEach((raw, i) => {
    const at = (name: string, className: string): KerasLayerRef => ({ index: i + 1, name, className });
    const cls = isRecord(raw) && typeof raw.class_name === 'string' ? raw.class_name : '?';
    const args = isRecord(raw) && isRecord(raw.config) ? raw.config : {};
    const name = typeof args.name === 'string' && args.name !== '' ? args.name : `layer_${i + 1}`;
    const ref = at(name, cls);
    if (hardSigmoidAt.has(i - 1)) return;
    if (hardSigmoidAt.has(i)) {
      // Folded into the layer before when CNN Lab exported it so (`<layer>_hard_sigmoid` after a linear layer), else an activation layer.
      const prev = layers.at(-1);
      if (prev !== undefined && lastListed === i - 1 && prev.spec.type !== 'activation' && 'activation' in prev.spec
        && prev.spec.activation === 'linear' && name === `${prev.name}${HARD_SIGMOID_SUFFIX}`) {
        layers[layers.length - 1] = { ...prev, spec: { ...prev.spec, activation: 'hardSigmoid' } };
      } else {
        layers.push({ name, className: cls, kerasGroup: groups[i] ?? '', spec: { type: 'activation', activation: 'hardSigmoid' }, weights: [] });
      }
      lastListed = i + 1;
      return;
    }
    const candidates = byClass.get(cls);
    if (candidates === undefined) {
      problems.push({
        layer: ref, setting: null,
        message: cls === 'Sequential' || cls === 'Functional'
          ? 'a nested model; flatten it into one Sequential model in Keras and save again.'
          : `${cls} is not a layer CNN Lab has (it has ${[...byClass.keys()].join(', ')}).`,
      });
      return;
    }
    const { name: _n, trainable, dtype, batch_input_shape: _b, batch_shape: _s, input_shape: _i, ...rest } = args;
    if (trainable === false) {
      problems.push({ layer: ref, setting: 'trainable', message: 'the layer is frozen (trainable: false); CNN Lab trains every layer. Unfreeze it in Keras to import.' });
      return;
    }
    if (!isFloat32(dtype)) {
      problems.push({ layer: ref, setting: 'dtype', message: `dtype ${JSON.stringify(isRecord(dtype) && isRecord(dtype.config) ? dtype.config.name : dtype)}: CNN Lab computes in float32.` });
      return;
    }
    const pick = (r: KerasConfigReader): AnyLayerDef => candidates.find((d) => d.keras.claims?.(r) === true) ?? candidates.find((d) => d.keras.claims === undefined) ?? (candidates[0] as AnyLayerDef);
    const def = pick(new KerasConfigReader(rest, dialect, shape.length));
    const r = new KerasConfigReader(rest, dialect, shape.length);
    let spec: LayerSpec;
    try {
      spec = { type: def.type, ...def.keras.fromConfig(r) } as LayerSpec;
      const unread = r.unread();
      if (unread.length > 0) {
        for (const k of unread) {
          problems.push({ layer: ref, setting: k, message: `${k} ${JSON.stringify(rest[k])} is not a setting CNN Lab's ${def.type} has; remove it in Keras (or set it to its default) and save again.` });
        }
        return;
      }
    } catch (err) {
      if (!(err instanceof KerasMismatch)) throw err;
      problems.push({ layer: ref, setting: err.setting, message: err.message });
      return;
    }
    for (const n of r.notes) notes.push(`layer ${i + 1} '${name}' (${cls}): ${n}`);
    const inferred = inferLayer(spec, shape);
    if (!inferred.ok) {
      problems.push({ layer: ref, setting: inferred.error.key, message: inferred.error.message });
      return;
    }
    layers.push({ name, className: cls, kerasGroup: groups[i] ?? '', spec, weights: def.keras.weights?.(spec, shape) ?? [] });
    lastListed = i;
    shape = inferred.value.outputShape;
  });
  if (layers.length === 0 && problems.length === 0) return whole('the Sequential model has no layers.');
  if (problems.length > 0) {
    throw new KerasInteropError(problems, `${m.fileName} cannot be imported as it is`, 'Change the layers named above in Keras (or in the TensorFlow.js model) and save it again.');
  }
  const names = layers.map((l) => l.name);
  const duplicate = names.find((n, k) => names.indexOf(n) !== k);
  if (duplicate !== undefined) return whole(`two layers are named '${duplicate}'; layer names must be unique.`);

  const own = cnnLabMetadata(m.metadata);
  const classes = shape.length === 1 ? (shape[0] ?? null) : null;
  let dataset: DatasetSpec;
  let grayscale: boolean;
  if (o.dataset !== undefined) {
    dataset = { kind: 'builtin', name: o.dataset };
    const s = DATASETS[o.dataset].inputShape;
    grayscale = s[2] === 3 && input[2] === 1;
  } else if (own !== null) {
    ({ dataset, grayscale } = own);
  } else {
    ({ dataset, grayscale } = guessDataset(input, classes, notes));
  }
  const datasetShape = dataset.kind === 'builtin' ? DATASETS[dataset.name].inputShape : [dataset.imageSize[0], dataset.imageSize[1], 3];
  const given = [datasetShape[0], datasetShape[1], grayscale ? 1 : datasetShape[2]];
  const train = own !== null ? own.train : trainFrom(m.trainingConfig, notes);
  const modelName = own?.name ?? (typeof config.name === 'string' && config.name !== '' && config.name !== 'cnn_lab_model' ? config.name : m.fileName.replace(/(\.cnn)?\.(keras|h5|json)$/i, '') || 'imported-model');
  const specs = minimalNames(layers.map((l) => l.spec), names);
  const by = { keras: 'a Keras 3 .keras file', h5: 'a Keras HDF5 file', tfjs: 'a TensorFlow.js model' }[m.format];
  const text = modelFileText({
    header: [
      `Imported by CNN Lab ${o.version} from ${m.fileName} (${by}${m.writtenBy !== null ? `, written by ${m.format === 'tfjs' ? '' : 'Keras '}${m.writtenBy}` : ''}).`,
      ...notes.map((n) => `Note: ${n}.`),
    ],
    name: modelName, dataset, grayscale,
    input: given.join() === input.join() ? null : input,
    layers: specs, train,
  });
  const analysis = analyzeModelText(text);
  const diagnostics = analysis.diagnostics.filter((d) => d.severity === 'error');
  // CNN Lab's own export: its model file as trained, byte for byte, when the file still holds that
  // very model (same layers, data set and train block; nothing noted on the way).
  if (own !== null && own.modelText !== null && analysis.spec !== null && notes.length === 0) {
    const original = analyzeModelText(own.modelText);
    if (original.spec !== null && sameSpec(original.spec, analysis.spec)) {
      return { text: own.modelText, layers, notes, diagnostics: original.diagnostics.filter((d) => d.severity === 'error'), spec: original.spec };
    }
  }
  return { text, layers, notes, diagnostics, spec: analysis.spec };
}

/** Two specs are the same model: equal as data, whatever order their keys were built in. */
function sameSpec(a: unknown, b: unknown): boolean {
  const canonical = (v: unknown): unknown => (Array.isArray(v) ? v.map(canonical)
    : isRecord(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])])) : v);
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}
