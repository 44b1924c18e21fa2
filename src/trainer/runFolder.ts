/**
 * The run folder on disk, written so that a trainer killed at any instant (SIGKILL included)
 * leaves a folder that can be read and resumed:
 *
 *   model.cnn.yaml         the model text as trained
 *   metrics.jsonl          one MetricRecord per line, appended with write(2) as they happen;
 *                          a torn last line is skipped by readers and dropped on resume
 *   summary.json           RunSummary; every rewrite is temp file + fsync + rename
 *   checkpoints/epoch-N/   TensorFlow.js layers format (model.json + weights.bin) including the
 *                          optimizer state; written to a temp folder that is renamed into place
 *   final/                 the weights at the end (or at stop), same format, no optimizer state
 *   featureMaps.json, filters.json, evaluation.json   the latest of each message, atomically
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { MetricRecord, RunSummary } from '../shared/trainerProtocol';
import { CnnLabError } from '../shared/errors';
import {
  MODEL_DIR_FILES, RUN_FILES, TMP_MARK, checkpointDirName, checkpointEpochOf, isCompleteModelDir, isRunSummary, parseMetrics,
} from '../shared/runFiles';

export { RUN_FILES };

function fsyncPath(p: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(p, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Directories cannot be fsync'ed on every platform; durability there is best effort.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Writes a file so that readers see either the old or the new content, never a mix. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}${TMP_MARK}${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    fs.writeSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value)}\n`);
}

/** Removes temp files and folders a killed writer left behind. */
export function removeStaleTemps(runDir: string): void {
  for (const dir of [runDir, path.join(runDir, RUN_FILES.checkpoints)]) {
    if (!fs.existsSync(dir)) continue;
    for (const name of fs.readdirSync(dir)) {
      if (name.includes(TMP_MARK)) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    }
  }
}

// ---------------------------------------------------------------- metrics.jsonl

/** Append-only metrics log. Each line goes to the OS with one write(2): a kill loses at most that line. */
export class MetricsLog {
  private fd: number;

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'a');
  }

  append(rec: MetricRecord): void {
    fs.writeSync(this.fd, `${JSON.stringify(rec)}\n`);
  }

  /** Forces the lines to disk (end of each epoch). */
  sync(): void {
    fs.fsyncSync(this.fd);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

/** All complete metric lines; a torn or foreign line is skipped. */
export function readMetrics(runDir: string): MetricRecord[] {
  const file = path.join(runDir, RUN_FILES.metrics);
  if (!fs.existsSync(file)) return [];
  return parseMetrics(fs.readFileSync(file, 'utf8')).records;
}

/** Keeps only the lines of epochs ≤ `lastEpoch` (atomic rewrite), so resumed curves stay consistent. */
export function truncateMetrics(runDir: string, lastEpoch: number): number {
  const kept = readMetrics(runDir).filter((r) => r.epoch <= lastEpoch);
  writeFileAtomic(path.join(runDir, RUN_FILES.metrics), kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return kept.length;
}

// ---------------------------------------------------------------- summary.json

export function readSummary(runDir: string): RunSummary | null {
  const file = path.join(runDir, RUN_FILES.summary);
  if (!fs.existsSync(file)) return null;
  try {
    const v: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return isRunSummary(v) ? v : null;
  } catch {
    return null;
  }
}

export function writeSummary(runDir: string, summary: RunSummary): void {
  writeJsonAtomic(path.join(runDir, RUN_FILES.summary), summary);
}

// ---------------------------------------------------------------- checkpoints (TF.js layers format)

const MODEL_JSON = MODEL_DIR_FILES.json;
const WEIGHTS_BIN = MODEL_DIR_FILES.weights;

/** model.json as TensorFlow.js writes it (`tf.io.ModelJSON`). */
type ModelJson = tf.io.ModelJSON;

function toArrayBuffer(data: tf.io.WeightData): ArrayBuffer {
  return Array.isArray(data) ? new tf.io.CompositeArrayBuffer(data).slice() : data;
}

/**
 * The model as TF.js artifacts via the stock `save`, plus the optimizer's state (group
 * `optimizer`, as `save({ includeOptimizer: true })` would write it) when `optimizer` is given.
 * We add the optimizer weights ourselves because the stock path leaks the iteration-count scalar
 * that `Optimizer.getWeights()` creates on every call, one tensor per checkpoint.
 */
export async function modelArtifacts(
  model: tf.LayersModel, optimizer: tf.Optimizer | null, trainingConfig?: tf.io.TrainingConfig,
): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    captured = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  if (!captured) throw new CnnLabError('E_INTERNAL', 'Saving the model produced no artifacts.');
  if (!optimizer) return captured;
  const state = await optimizer.getWeights();
  const encoded = await tf.io.encodeWeights(state, 'optimizer');
  for (const w of state) if (!(w.tensor instanceof tf.Variable)) w.tensor.dispose();
  const modelData = captured.weightData ? toArrayBuffer(captured.weightData) : new ArrayBuffer(0);
  return {
    ...captured,
    ...(trainingConfig ? { trainingConfig } : {}),
    weightSpecs: [...(captured.weightSpecs ?? []), ...encoded.specs],
    weightData: new tf.io.CompositeArrayBuffer([modelData, encoded.data]).slice(),
  };
}

/** Writes model.json + weights.bin into `dir` atomically: a temp folder renamed into place. */
export function writeModelDir(dir: string, artifacts: tf.io.ModelArtifacts): void {
  const parent = path.dirname(dir);
  fs.mkdirSync(parent, { recursive: true });
  const tmp = path.join(parent, `${TMP_MARK.slice(1)}${path.basename(dir)}${TMP_MARK}${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);
  const weights = new Uint8Array(artifacts.weightData ? toArrayBuffer(artifacts.weightData) : new ArrayBuffer(0));
  const json: ModelJson = {
    modelTopology: artifacts.modelTopology ?? {},
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
    weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
  };
  writeFileAtomic(path.join(tmp, WEIGHTS_BIN), weights);
  writeFileAtomic(path.join(tmp, MODEL_JSON), JSON.stringify(json));
  fsyncPath(tmp);
  // A folder of the same name can only be a leftover of an abandoned run of the same epochs.
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
  fsyncPath(parent);
}

export interface ModelDir {
  readonly json: ModelJson;
  readonly specs: readonly tf.io.WeightsManifestEntry[];
  readonly weights: ArrayBuffer;
}

/** Reads a model folder; null when it is missing or incomplete (`isCompleteModelDir`). */
export function readModelDir(dir: string): ModelDir | null {
  try {
    const text = fs.readFileSync(path.join(dir, MODEL_JSON), 'utf8');
    const buf = fs.readFileSync(path.join(dir, WEIGHTS_BIN));
    if (!isCompleteModelDir(text, buf.byteLength)) return null;
    const json = JSON.parse(text) as ModelJson;
    const specs = json.weightsManifest.flatMap((g) => g.weights);
    const weights = new Uint8Array(buf).buffer;
    return { json, specs, weights };
  } catch {
    return null;
  }
}

export function checkpointDir(runDir: string, epoch: number): string {
  return path.join(runDir, RUN_FILES.checkpoints, checkpointDirName(epoch));
}

/** True when `dir` is a complete model folder, by the shared definition (weights are only stat'ed). */
function isCompleteDir(dir: string): boolean {
  let text: string;
  let bytes: number;
  try {
    text = fs.readFileSync(path.join(dir, MODEL_JSON), 'utf8');
    bytes = fs.statSync(path.join(dir, WEIGHTS_BIN)).size;
  } catch {
    return false;
  }
  return isCompleteModelDir(text, bytes);
}

/** Epochs with a complete checkpoint (`isCompleteModelDir`, as the host's run store counts them), ascending. */
export function listCheckpoints(runDir: string): number[] {
  const dir = path.join(runDir, RUN_FILES.checkpoints);
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir)
    .map(checkpointEpochOf)
    .filter((e): e is number => e !== null)
    .filter((e) => isCompleteDir(checkpointDir(runDir, e)))
    .sort((a, b) => a - b);
}

/**
 * tfjs Adam keeps β1ᵗ and β2ᵗ as running float32 products (one multiply per step), but its
 * `setWeights` recomputes them with `pow`, which differs in the last bits; after a resume every
 * update would then differ by ~1e-8 from the uninterrupted run. Redo the products the way the
 * steps did (float32 multiply, `Math.fround`), so a resumed run is bit-identical.
 */
function restoreAdamBetaProducts(optimizer: tf.Optimizer): void {
  if (optimizer.getClassName() !== 'Adam') return;
  const adam = optimizer as unknown as { accBeta1?: tf.Variable; accBeta2?: tf.Variable; beta1: number; beta2: number; iterations: number };
  const product = (beta: number): number => {
    const b = Math.fround(beta);
    let v = b;
    for (let i = 0; i < adam.iterations; i++) v = Math.fround(v * b);
    return v;
  };
  if (!adam.accBeta1 || !adam.accBeta2) return;
  const [p1, p2] = [tf.scalar(product(adam.beta1)), tf.scalar(product(adam.beta2))];
  adam.accBeta1.assign(p1);
  adam.accBeta2.assign(p2);
  tf.dispose([p1, p2]);
}

/**
 * Loads a checkpoint into a freshly built model of the same spec (weights matched in order and
 * checked by shape) and, when present, its optimizer state (Adam's moments and iteration count),
 * so training continues exactly where it left off.
 */
export async function restoreModelDir(saved: ModelDir, model: tf.LayersModel, optimizer: tf.Optimizer | null): Promise<void> {
  const named = tf.io.decodeWeights(saved.weights, [...saved.specs]);
  const modelSpecs = saved.specs.filter((s) => s.group !== 'optimizer');
  const optimizerSpecs = saved.specs.filter((s) => s.group === 'optimizer');
  const weights = model.weights;
  if (modelSpecs.length !== weights.length) {
    tf.dispose(Object.values(named));
    throw new CnnLabError('E_RUN_NOT_RESUMABLE',
      `The checkpoint holds ${modelSpecs.length} weight tensors but the model has ${weights.length}.`,
      'The model file changed since the run started; start a new run instead of resuming.');
  }
  const values = modelSpecs.map((s, i) => {
    const t = named[s.name];
    const w = weights[i];
    if (!t || !w || t.shape.join('x') !== w.shape.join('x')) {
      throw new CnnLabError('E_RUN_NOT_RESUMABLE',
        `Checkpoint weight ${s.name} [${s.shape.join(', ')}] does not fit the model's ${w?.name ?? '?'} [${w?.shape.join(', ') ?? ''}].`,
        'The model file changed since the run started; start a new run instead of resuming.');
    }
    return t;
  });
  model.setWeights(values);
  if (optimizer && optimizerSpecs.length > 0) {
    await optimizer.setWeights(optimizerSpecs.map((s) => ({ name: s.name, tensor: named[s.name] as tf.Tensor })));
    restoreAdamBetaProducts(optimizer);
  }
  // setWeights copies into the variables; the decoded tensors are ours to free.
  tf.dispose(Object.values(named));
}
