/**
 * Export Trained Model, for the CLI (`cnn-lab export`) and the extension alike: a run's trained
 * weights (`final/`, else its last complete checkpoint) as
 *  - `keras`: a Keras 3 `.keras` file (zip of metadata.json, config.json and model.weights.h5);
 *  - `script`: a Python script that rebuilds the model in Keras, with the weights beside it
 *    (`<name>.weights.h5`, the same HDF5 file as inside the `.keras`);
 *  - `tfjs`: the TensorFlow.js layers folder (model.json and its weight files) as the run keeps it;
 *  - `all`: the three into one folder.
 * What the files say comes from the model language (its Keras plan and script), injected as
 * `plan`: src/host may not import the core.
 */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CnnLabError } from '../../shared/errors';
import type { KerasExport, KerasFilePlan } from '../../shared/kerasFiles';
import { MODEL_DIR_FILES, RUN_FILES, TMP_MARK } from '../../shared/runFiles';
import { safeName } from '../runStore';
import { writeH5 } from './hdf5';
import { trainedWeightsDir, type ExportFormat } from './interop';
import { readModelFolder, type NamedWeight } from './tfjsModel';
import { zipBytes } from './zipWriter';

/** What the model language makes of a run's model text (the core's `kerasExportOf`; throws when the model cannot be exported). */
export type ExportPlanner = (modelText: string, runId: string) => KerasExport;

export interface ExportOptions {
  readonly format: ExportFormat;
  /**
   * Where to write: a folder (made when missing); for `keras` also a `*.keras` file path, for
   * `script` a `*.py` path (the weights go beside it).
   */
  readonly out: string;
  readonly plan: ExportPlanner;
}

export interface ExportResult {
  /** The files written, absolute. */
  readonly files: readonly string[];
  /** The model folder the weights came from. */
  readonly source: string;
}

async function writeAtomic(file: string, data: Uint8Array | string): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}${TMP_MARK}${process.pid}`;
  await fsp.writeFile(tmp, data);
  await fsp.rename(tmp, file);
}

/** model.weights.h5 of the plan, filled from the checkpoint's weights, as bytes. */
async function weightsFile(plan: KerasFilePlan, weights: ReadonlyMap<string, NamedWeight>, source: string): Promise<Uint8Array> {
  const datasets = plan.datasets.map((d) => {
    const size = d.shape.reduce((a, b) => a * b, 1);
    if ('fill' in d.source) {
      const fill = d.source.fill;
      return { ...d, data: d.dtype === 'int64' ? new BigInt64Array(size).fill(BigInt(Math.round(fill))) : new Float32Array(size).fill(fill) };
    }
    const w = weights.get(d.source.weight);
    if (w === undefined || w.shape.join('x') !== d.shape.join('x')) {
      throw new CnnLabError('E_RUN_NOT_RESUMABLE',
        `${source} ${w === undefined ? `has no weight ${d.source.weight}` : `holds ${d.source.weight} as [${w.shape.join(', ')}], not [${d.shape.join(', ')}]`}; the model file does not describe these weights.`,
        'Export a run whose model.cnn.yaml was not edited after training.');
    }
    return { ...d, data: w.values };
  });
  const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'cnn-lab-h5-'));
  try {
    const file = path.join(dir, 'model.weights.h5');
    await writeH5(file, plan.groups, datasets);
    const b = await fsp.readFile(file);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } finally {
    await fsp.rm(dir, { recursive: true, force: true });
  }
}

const json = (v: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(v));

/** Writes the run's model in `format` under `out`; returns the files written. */
export async function exportRun(runDir: string, o: ExportOptions): Promise<ExportResult> {
  const source = await trainedWeightsDir(runDir);
  const files: string[] = [];
  const out = path.resolve(o.out);
  const isFile = (ext: string): boolean => out.toLowerCase().endsWith(ext);
  const folder = (o.format === 'keras' && isFile('.keras')) || (o.format === 'script' && isFile('.py')) ? path.dirname(out) : out;
  await fsp.mkdir(folder, { recursive: true });

  if (o.format === 'tfjs' || o.format === 'all') {
    // model.json and its weight shards only: the optimizer state stays in the run folder.
    for (const f of await fsp.readdir(source)) {
      if (f !== MODEL_DIR_FILES.json && !/\.bin$/.test(f)) continue;
      await fsp.copyFile(path.join(source, f), path.join(folder, f));
      files.push(path.join(folder, f));
    }
  }
  if (o.format === 'tfjs') return { files, source };

  let modelText: string;
  try {
    modelText = await fsp.readFile(path.join(runDir, RUN_FILES.model), 'utf8');
  } catch {
    throw new CnnLabError('E_IO', `${runDir} has no ${RUN_FILES.model}.`, 'Export a run folder that CNN Lab wrote.');
  }
  const plan = o.plan(modelText, path.basename(runDir));
  const weights = await readModelFolder(source);
  const h5 = await weightsFile(plan.keras, weights, source);
  const base = safeName(plan.modelName);
  if (o.format === 'keras' || o.format === 'all') {
    const file = o.format === 'keras' && isFile('.keras') ? out : path.join(folder, `${base}.keras`);
    // The members in Keras's own order; Keras stores the HDF5 file uncompressed (h5py reads it in place).
    await writeAtomic(file, zipBytes([
      { name: 'metadata.json', data: json(plan.keras.metadata), deflate: true },
      { name: 'config.json', data: json(plan.keras.config), deflate: true },
      { name: 'model.weights.h5', data: h5, deflate: false },
    ]));
    files.push(file);
  }
  if (o.format === 'script' || o.format === 'all') {
    const script = o.format === 'script' && isFile('.py') ? out : path.join(folder, `${base}.py`);
    const weightsName = `${path.basename(script, '.py')}.weights.h5`;
    await writeAtomic(path.join(path.dirname(script), weightsName), h5);
    await writeAtomic(script, plan.script(weightsName, path.basename(script)));
    files.push(script, path.join(path.dirname(script), weightsName));
  }
  return { files, source };
}
