/**
 * What the CLI and the extension need of the Keras export and import before loading it (see
 * `./lazy`): the export formats, where a run's trained weights are, where an import writes its
 * model file. Light: no h5wasm.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { CnnLabError } from '../../shared/errors';
import { MODEL_DIR_FILES, RUN_FILES, checkpointDirName, isCompleteModelDir } from '../../shared/runFiles';
import { lastCheckpointEpoch } from '../runStore';

export const EXPORT_FORMATS = ['keras', 'tfjs', 'script', 'all'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The run's trained weights: `final/` when complete, else the last complete checkpoint. */
export async function trainedWeightsDir(runDir: string): Promise<string> {
  const final = path.join(runDir, RUN_FILES.final);
  const text = await fsp.readFile(path.join(final, MODEL_DIR_FILES.json), 'utf8').catch(() => null);
  const bytes = await fsp.stat(path.join(final, MODEL_DIR_FILES.weights)).then((s) => s.size, () => null);
  if (isCompleteModelDir(text, bytes)) return final;
  const epoch = await lastCheckpointEpoch(runDir);
  if (epoch === null || epoch === 0) {
    throw new CnnLabError('E_IO', `${runDir} has no trained weights yet.`, 'Export after at least one epoch.');
  }
  return path.join(runDir, RUN_FILES.checkpoints, checkpointDirName(epoch));
}

/** The model file an import writes by default: `<name>.cnn.yaml` beside the imported file. */
export function defaultModelFile(file: string): string {
  const base = path.basename(file).replace(/\.(keras|h5|hdf5|json)$/i, '');
  return path.join(path.dirname(file), `${base}.cnn.yaml`);
}
