/**
 * `cnn-lab export` and `cnn-lab import`: the model language (Keras plans, model files) handed to
 * the host's exporter and importer (src/host/keras), results and problems printed.
 */
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { kerasExportOf, modelFromKeras } from '../core/index';
import { kerasInterop } from '../host/keras/lazy';
import { runsRoot } from '../host/runStore';
import { CnnLabError } from '../shared/errors';
import { version } from '../../package.json';
import type { ExportOptions, ImportOptions } from './args';
import { formatDiagnostic, type Terminal } from './terminal';
import { EXIT } from './train';

function fail(term: Terminal, err: unknown): number {
  if (!(err instanceof CnnLabError)) throw err;
  term.error(`error: ${err.message}`);
  if (err.hint !== undefined) term.error(`hint: ${err.hint}`);
  return err.code === 'E_IO' ? EXIT.failed : EXIT.invalid;
}

/** A run folder given as a path, or as a run's name in the runs folder. */
function runFolder(run: string, runs: string | undefined): string {
  if (existsSync(run) && statSync(run).isDirectory()) return path.resolve(run);
  const named = path.join(runs !== undefined ? path.resolve(runs) : runsRoot(process.cwd()), run);
  if (existsSync(named)) return named;
  throw new CnnLabError('E_IO', `No run folder ${run} (nor ${named}).`, 'Pass a run folder, or a run name that `cnn-lab runs` lists.');
}

export async function exportCommand(o: ExportOptions, term: Terminal): Promise<number> {
  try {
    const runDir = runFolder(o.run, o.runs);
    const savedAt = new Date();
    const result = await kerasInterop().exportRun(runDir, {
      format: o.format, out: o.out ?? process.cwd(),
      plan: (modelText, runId) => kerasExportOf(modelText, { version, savedAt, runId }),
    });
    term.info(`weights: ${path.relative(process.cwd(), result.source) || result.source}`);
    for (const f of result.files) term.out(f);
    return EXIT.ok;
  } catch (err) {
    return fail(term, err);
  }
}

export async function importCommand(o: ImportOptions, term: Terminal): Promise<number> {
  try {
    const result = await kerasInterop().importModelFile(o.file, {
      ...(o.out !== undefined ? { out: o.out } : {}),
      overwrite: o.force,
      fineTuneRuns: o.fineTune ? (o.runs !== undefined ? path.resolve(o.runs) : runsRoot(process.cwd())) : null,
      convert: (m) => modelFromKeras(m, { version, ...(o.dataset !== undefined ? { dataset: o.dataset } : {}) }),
      generatedBy: `CNN Lab ${version}`,
    });
    for (const n of result.model.notes) term.info(`note: ${n}`);
    for (const d of result.model.diagnostics) term.error(formatDiagnostic(result.modelFile, { ...d, severity: 'error' }));
    term.out(result.modelFile);
    term.info(`${result.model.layers.length} layers, ${result.weightCount} weight arrays checked`);
    if (result.runDir !== null) {
      term.out(result.runDir);
      term.info(`fine-tune: cnn-lab train --resume ${result.runDir} (trains from the imported weights)`);
    }
    return result.model.diagnostics.length > 0 ? EXIT.invalid : EXIT.ok;
  } catch (err) {
    return fail(term, err);
  }
}
