/**
 * TensorFlow.js layers-format folders (`model.json` and its weight files), as the trainer writes
 * them into a run (`checkpoints/epoch-N/`, `final/`) and as the TensorFlow.js converter writes
 * them: read into named float32 weights, and written as a checkpoint the trainer resumes from.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { CnnLabError } from '../../shared/errors';
import { MODEL_DIR_FILES, TMP_MARK, isJsonObject } from '../../shared/runFiles';

export interface NamedWeight {
  /** `<layer>/<weight>` as TensorFlow.js names it (`conv2d/kernel`). */
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

export interface TfjsModel {
  /** The parsed model.json. */
  readonly json: Record<string, unknown>;
  /** The model's weights in manifest order (the optimizer's state left out). */
  readonly weights: readonly NamedWeight[];
}

const BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, uint8: 1, int8: 1, uint16: 2, int16: 2, float16: 2 };

/** Reads a model.json and its weight files (each manifest group's paths, relative to the file). */
export async function readTfjsModel(modelJson: string): Promise<TfjsModel> {
  let json: unknown;
  try {
    json = JSON.parse(await fsp.readFile(modelJson, 'utf8'));
  } catch (err) {
    throw new CnnLabError('E_IO', `Cannot read ${modelJson} as JSON: ${(err as Error).message}`, 'Pick the model.json of a TensorFlow.js layers model.');
  }
  if (!isJsonObject(json) || !Array.isArray(json.weightsManifest)) {
    throw new CnnLabError('E_MODEL_INVALID', `${modelJson} is not a TensorFlow.js layers model (no weightsManifest).`, 'Pick the model.json of a TensorFlow.js layers model.');
  }
  const dir = path.dirname(modelJson);
  const weights: NamedWeight[] = [];
  for (const group of json.weightsManifest as unknown[]) {
    if (!isJsonObject(group) || !Array.isArray(group.paths) || !Array.isArray(group.weights)) throw new CnnLabError('E_MODEL_INVALID', `${modelJson} has a malformed weightsManifest.`);
    const parts = await Promise.all((group.paths as unknown[]).map((p) => fsp.readFile(path.join(dir, String(p)))));
    const buf = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let at = 0;
    for (const p of parts) {
      buf.set(new Uint8Array(p.buffer, p.byteOffset, p.byteLength), at);
      at += p.byteLength;
    }
    let offset = 0;
    for (const w of group.weights as unknown[]) {
      if (!isJsonObject(w) || typeof w.name !== 'string' || !Array.isArray(w.shape) || typeof w.dtype !== 'string') throw new CnnLabError('E_MODEL_INVALID', `${modelJson} has a malformed weight entry.`);
      const shape = (w.shape as unknown[]).map(Number);
      const count = shape.reduce((a, b) => a * b, 1);
      const size = count * (BYTES[w.dtype] ?? 4);
      const optimizer = group.group === 'optimizer' || w.group === 'optimizer';
      if (!optimizer) {
        if (w.quantization !== undefined) throw new CnnLabError('E_MODEL_INVALID', `${modelJson}: weight ${w.name} is quantized; CNN Lab reads float32 weights.`, 'Convert the model again without quantization.');
        if (w.dtype !== 'float32') throw new CnnLabError('E_MODEL_INVALID', `${modelJson}: weight ${w.name} is ${w.dtype}; CNN Lab reads float32 weights.`);
        if (offset + size > buf.byteLength) throw new CnnLabError('E_MODEL_INVALID', `${modelJson}: the weight files end before weight ${w.name}.`, 'Copy every weight file next to model.json.');
        weights.push({ name: w.name, shape, values: new Float32Array(buf.slice(offset, offset + size).buffer) });
      }
      offset += size;
    }
  }
  return { json, weights };
}

/** Reads a run's model folder (`final/` or a checkpoint) into its weights by name. */
export async function readModelFolder(dir: string): Promise<Map<string, NamedWeight>> {
  const model = await readTfjsModel(path.join(dir, MODEL_DIR_FILES.json));
  return new Map(model.weights.map((w) => [w.name, w]));
}

/**
 * Writes a model folder the trainer restores from (`checkpoints/epoch-N/`): model.json with one
 * manifest group over weights.bin, the weights in the order given (the trainer matches them to
 * its model's weights by position and shape). Atomic: written beside, then renamed into place.
 */
export async function writeModelFolder(dir: string, topology: unknown, weights: readonly NamedWeight[], generatedBy: string): Promise<void> {
  const tmp = `${dir}${TMP_MARK}${process.pid}`;
  await fsp.rm(tmp, { recursive: true, force: true });
  await fsp.mkdir(tmp, { recursive: true });
  const bin = new Uint8Array(weights.reduce((n, w) => n + w.values.byteLength, 0));
  let at = 0;
  for (const w of weights) {
    bin.set(new Uint8Array(w.values.buffer, w.values.byteOffset, w.values.byteLength), at);
    at += w.values.byteLength;
  }
  const json = {
    modelTopology: topology, format: 'layers-model', generatedBy, convertedBy: null,
    weightsManifest: [{ paths: [MODEL_DIR_FILES.weights], weights: weights.map((w) => ({ name: w.name, shape: [...w.shape], dtype: 'float32' })) }],
  };
  await fsp.writeFile(path.join(tmp, MODEL_DIR_FILES.weights), bin);
  await fsp.writeFile(path.join(tmp, MODEL_DIR_FILES.json), `${JSON.stringify(json)}\n`);
  await fsp.mkdir(path.dirname(dir), { recursive: true });
  await fsp.rm(dir, { recursive: true, force: true });
  await fsp.rename(tmp, dir);
}
