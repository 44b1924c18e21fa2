/**
 * Import Model, for the CLI (`cnn-lab import`) and the extension alike: a Keras `.keras` file, a
 * legacy Keras `.h5` model or a TensorFlow.js `model.json` read into its configs and weights; the
 * model language (injected as `convert`: src/host may not import the core) turns the configs into
 * a model file; its weights are checked against what each layer's config implies and, to
 * fine-tune, written as the starting checkpoint of a run folder:
 *
 *   <runs>/<time>-<name>/model.cnn.yaml, run.json, checkpoints/epoch-0/{model.json, weights.bin}
 *
 * Resuming that folder (`cnn-lab train --resume`, Resume Run) restores checkpoint 0, the imported
 * weights with a fresh optimizer, and trains epochs 1… from there: the trainer's own resume,
 * unchanged.
 */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CnnLabError } from '../../shared/errors';
import type { ForeignModel } from '../../shared/kerasFiles';
import { RUN_FILES, checkpointDirName, isJsonObject, type RunRecord } from '../../shared/runFiles';
import { extractMembers, listZip } from '../native/zip';
import { newRunDir } from '../runStore';
import { readH5, type H5Reader, type ReadArray } from './hdf5';
import { defaultModelFile } from './interop';
import { readTfjsModel, writeModelFolder, type NamedWeight } from './tfjsModel';

/** What the model language made of it (the core's `ImportedModel`). */
export interface ConvertedModel {
  readonly text: string;
  readonly layers: readonly {
    readonly name: string;
    readonly className: string;
    /** Where a `.keras` file keeps the layer's weights (`layers/conv2d_1`). */
    readonly kerasGroup: string;
    readonly weights: readonly { readonly name: string; readonly shape: readonly number[]; readonly trainable: boolean }[];
  }[];
  readonly notes: readonly string[];
  readonly diagnostics: readonly { readonly message: string; readonly range: { readonly start: { readonly line: number; readonly character: number } } }[];
  readonly spec: { readonly name: string; readonly train: { readonly seed: number } } | null;
}

export type ModelConverter = (m: ForeignModel) => ConvertedModel;

export interface ImportOptions {
  /** The model file to write; default `<file without extension>.cnn.yaml` beside the file. */
  readonly out?: string;
  /** Replace an existing model file. */
  readonly overwrite: boolean;
  /** Prepare a run folder under this runs folder that fine-tunes from the imported weights. */
  readonly fineTuneRuns: string | null;
  readonly convert: ModelConverter;
  /** Who writes the checkpoint (CNN Lab and its version), for its model.json. */
  readonly generatedBy: string;
}

export interface ImportResult {
  readonly modelFile: string;
  readonly model: ConvertedModel;
  /** Weights read and checked. */
  readonly weightCount: number;
  /** The fine-tuning run folder, when asked for. */
  readonly runDir: string | null;
}

/** A layer whose weights to read, and their TensorFlow.js names in Keras's variable order (as its config implies them). */
type LayerToRead = ConvertedModel['layers'][number];

interface ReadModel {
  readonly foreign: ForeignModel;
  /** Each layer's weights as the file holds them, in Keras's variable order. */
  readonly weights: (layers: readonly LayerToRead[]) => Promise<(ReadArray | null)[][]>;
  readonly dispose: () => Promise<void>;
}

const parseJson = (text: string, what: string): unknown => {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CnnLabError('E_MODEL_INVALID', `${what} is not JSON: ${(err as Error).message}`, 'Save the model again with Keras.');
  }
};

/** A Keras 3 `.keras` zip: config.json, metadata.json, model.weights.h5 (`layers/<name>/vars/<i>`). */
async function readKerasZip(file: string): Promise<ReadModel> {
  const names = new Set((await listZip(file)).map((e) => e.name));
  for (const m of ['config.json', 'model.weights.h5']) {
    if (!names.has(m)) throw new CnnLabError('E_MODEL_INVALID', `${path.basename(file)} has no ${m}: it is not a Keras 3 .keras file.`, 'Save the model with model.save("name.keras") in Keras 3.');
  }
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cnn-lab-keras-'));
  const members: Record<string, string> = { 'config.json': path.join(dir, 'config.json'), 'model.weights.h5': path.join(dir, 'model.weights.h5') };
  if (names.has('metadata.json')) members['metadata.json'] = path.join(dir, 'metadata.json');
  let config: unknown;
  let metadata: unknown = null;
  try {
    await extractMembers(file, members);
    config = parseJson(await fsp.readFile(path.join(dir, 'config.json'), 'utf8'), 'config.json');
    if (names.has('metadata.json')) metadata = parseJson(await fsp.readFile(path.join(dir, 'metadata.json'), 'utf8'), 'metadata.json');
  } catch (err) {
    await fsp.rm(dir, { recursive: true, force: true });
    throw err;
  }
  const h5 = path.join(dir, 'model.weights.h5');
  return {
    foreign: {
      format: 'keras', fileName: path.basename(file), modelConfig: config,
      trainingConfig: isJsonObject(config) ? config.compile_config ?? null : null,
      metadata, writtenBy: isJsonObject(metadata) && typeof metadata.keras_version === 'string' ? metadata.keras_version : null,
    },
    weights: (layers) => readH5(h5, (r) => layers.map((l) => {
      const arrays: (ReadArray | null)[] = [];
      for (let i = 0; r.has(`${l.kerasGroup}/vars/${i}`); i++) arrays.push(r.array(`${l.kerasGroup}/vars/${i}`));
      return arrays;
    })),
    dispose: () => fsp.rm(dir, { recursive: true, force: true }),
  };
}

const stringList = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : []);

/** A legacy Keras HDF5 model: `model_config` and `training_config` attributes, `model_weights/<layer>/<weight_names…>`. */
async function readLegacyH5(file: string): Promise<ReadModel> {
  const read = await readH5(file, (r: H5Reader) => {
    const text = r.attr('model_config');
    if (typeof text !== 'string') {
      throw new CnnLabError('E_MODEL_INVALID', `${path.basename(file)} holds weights only (no model_config): CNN Lab needs the whole model.`, 'Save it with model.save("name.h5") (or "name.keras"), not save_weights.');
    }
    const modelConfig = parseJson(text, 'model_config');
    const training = r.attr('training_config');
    const version = r.attr('keras_version');
    const root = r.has('model_weights') ? 'model_weights' : '';
    const layers = isJsonObject(modelConfig) && isJsonObject(modelConfig.config) && Array.isArray(modelConfig.config.layers) ? modelConfig.config.layers : [];
    const weights = new Map<string, (ReadArray | null)[]>();
    for (const l of layers) {
      const name = isJsonObject(l) && isJsonObject(l.config) && typeof l.config.name === 'string' ? l.config.name : null;
      if (name === null) continue;
      const group = root === '' ? name : `${root}/${name}`;
      weights.set(name, stringList(r.attr('weight_names', group)).map((w) => r.array(`${group}/${w}`)));
    }
    return {
      modelConfig, weights,
      trainingConfig: typeof training === 'string' ? parseJson(training, 'training_config') : null,
      writtenBy: typeof version === 'string' ? version : null,
    };
  });
  return {
    foreign: { format: 'h5', fileName: path.basename(file), modelConfig: read.modelConfig, trainingConfig: read.trainingConfig, metadata: null, writtenBy: read.writtenBy },
    weights: async (layers) => layers.map((l) => read.weights.get(l.name) ?? []),
    dispose: async () => {},
  };
}

/** A TensorFlow.js layers model: the topology (CNN Lab's, or the converter's `model_config`) and weights named `<layer>/<weight>`. */
async function readTfjs(file: string): Promise<ReadModel> {
  const model = await readTfjsModel(file);
  const topology = model.json.modelTopology;
  const modelConfig = isJsonObject(topology) && isJsonObject(topology.model_config) ? topology.model_config : topology;
  const trainingConfig = model.json.trainingConfig ?? (isJsonObject(topology) ? topology.training_config ?? null : null);
  const writtenBy = isJsonObject(topology) && typeof topology.keras_version === 'string' ? topology.keras_version
    : typeof model.json.generatedBy === 'string' ? model.json.generatedBy : null;
  return {
    foreign: { format: 'tfjs', fileName: path.basename(file), modelConfig, trainingConfig, metadata: null, writtenBy },
    // By name where the file names them as TensorFlow.js does (`conv2d/kernel`), else by position.
    weights: async (layers) => layers.map((l) => {
      const mine = model.weights.filter((w) => w.name.startsWith(`${l.name}/`));
      if (mine.length !== l.weights.length) return mine;
      return l.weights.map((w, i) => mine.find((m) => m.name === `${l.name}/${w.name}`) ?? mine[i] ?? null);
    }),
    dispose: async () => {},
  };
}

/** The weights of the converted model, by its TensorFlow.js names, checked against each layer's config. */
async function collectWeights(converted: ConvertedModel, read: ReadModel): Promise<Map<string, NamedWeight>> {
  const out = new Map<string, NamedWeight>();
  const problems: string[] = [];
  const all = await read.weights(converted.layers);
  converted.layers.forEach((l, i) => {
    const where = `layer ${i + 1} '${l.name}' (${l.className})`;
    const arrays = all[i] ?? [];
    if (arrays.length !== l.weights.length) {
      problems.push(`${where}: the file holds ${arrays.length} weight arrays, its config needs ${l.weights.length} (${l.weights.map((w) => w.name).join(', ') || 'none'})`);
      return;
    }
    l.weights.forEach((w, k) => {
      const a = arrays[k];
      if (a === null || a === undefined) problems.push(`${where}: weight ${w.name} is missing`);
      else if (a.shape.join('x') !== w.shape.join('x')) problems.push(`${where}: weight ${w.name} is [${a.shape.join(', ')}] in the file, its config needs [${w.shape.join(', ')}]`);
      else out.set(`${l.name}/${w.name}`, { name: `${l.name}/${w.name}`, shape: w.shape, values: a.values });
    });
  });
  if (problems.length > 0) {
    throw new CnnLabError('E_MODEL_INVALID', `The weights of ${read.foreign.fileName} do not fit its layers:\n  ${problems.join('\n  ')}`, 'Save the model again from Keras (model.save) after building it.');
  }
  return out;
}

/** The format of a model file, by its name and first bytes. */
async function formatOf(file: string): Promise<ForeignModel['format']> {
  const fh = await fsp.open(file, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new CnnLabError('E_IO', `Cannot open ${file}: ${err.code ?? err.message}`, 'Check the path.');
  });
  const head = new Uint8Array(8);
  try {
    await fh.read(head, 0, 8, 0);
  } finally {
    await fh.close();
  }
  if (head[0] === 0x50 && head[1] === 0x4b) return 'keras';
  if (head[0] === 0x89 && head[1] === 0x48 && head[2] === 0x44 && head[3] === 0x46) return 'h5';
  if (/\.json$/i.test(file)) return 'tfjs';
  throw new CnnLabError('E_MODEL_INVALID', `${path.basename(file)} is neither a Keras .keras or .h5 file nor a TensorFlow.js model.json.`, 'Pick a .keras, .h5 or model.json file.');
}

/** Imports `file`: writes the model file (and the fine-tuning run folder when asked). */
export async function importModelFile(file: string, o: ImportOptions): Promise<ImportResult> {
  const abs = path.resolve(file);
  const format = await formatOf(abs);
  const read = format === 'keras' ? await readKerasZip(abs) : format === 'h5' ? await readLegacyH5(abs) : await readTfjs(abs);
  try {
    const converted = o.convert(read.foreign);
    const weights = await collectWeights(converted, read);
    const modelFile = path.resolve(o.out ?? defaultModelFile(abs));
    if (!o.overwrite && await fsp.access(modelFile).then(() => true, () => false)) {
      throw new CnnLabError('E_IO', `${modelFile} exists already.`, 'Choose another --out file, or pass --force to replace it.');
    }
    await fsp.writeFile(modelFile, converted.text);
    let runDir: string | null = null;
    if (o.fineTuneRuns !== null) {
      const spec = converted.spec;
      if (spec === null) {
        throw new CnnLabError('E_MODEL_INVALID', `${modelFile} was written but does not validate, so no run was prepared to fine-tune.`, 'Fix the errors shown for the model file, then import again with fine-tuning.');
      }
      runDir = await prepareFineTune(o.fineTuneRuns, converted, spec, weights, read.foreign, o.generatedBy);
    }
    return { modelFile, model: converted, weightCount: weights.size, runDir };
  } finally {
    await read.dispose();
  }
}

/**
 * A run folder whose checkpoint 0 holds the imported weights, in the trainer's order (trainable
 * ones layer by layer, then the others, as tfjs's `model.weights` lists them).
 */
async function prepareFineTune(root: string, converted: ConvertedModel, spec: NonNullable<ConvertedModel['spec']>, weights: ReadonlyMap<string, NamedWeight>, foreign: ForeignModel, generatedBy: string): Promise<string> {
  const runDir = newRunDir(root, spec.name);
  const all = converted.layers.flatMap((l) => l.weights.map((w) => ({ key: `${l.name}/${w.name}`, trainable: w.trainable })));
  const ordered = [...all.filter((w) => w.trainable), ...all.filter((w) => !w.trainable)].map((w) => weights.get(w.key) as NamedWeight);
  const record: RunRecord = { version: 1, maxTrainSamples: null, maxTestSamples: null, backend: 'auto', seed: spec.train.seed, overrides: {}, writtenAt: new Date().toISOString() };
  await fsp.writeFile(path.join(runDir, RUN_FILES.model), converted.text);
  await fsp.writeFile(path.join(runDir, RUN_FILES.record), `${JSON.stringify(record, null, 2)}\n`);
  // The topology is the file's own configuration: the trainer builds the model from model.cnn.yaml
  // and restores these weights by position and shape.
  await writeModelFolder(path.join(runDir, RUN_FILES.checkpoints, checkpointDirName(0)), foreign.modelConfig, ordered, `${generatedBy}, imported from ${foreign.fileName}`);
  return runDir;
}
