/**
 * Import Model: a Keras `.keras` or `.h5` model, or a TensorFlow.js `model.json`, as a model file
 * beside it (opened), and on request a run whose starting checkpoint holds the file's weights, so
 * that resuming it fine-tunes them (see src/host/keras/importFile.ts).
 */
import { existsSync, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { version } from '../../../package.json';
import { modelFromKeras } from '../../core/index';
import { defaultModelFile } from '../../host/keras/interop';
import { kerasInterop } from '../../host/keras/lazy';
import { RUN_FILES } from '../../shared/runFiles';
import { analyzeForUser } from '../analysis';
import { isObj, uriOf } from './args';
import type { CommandContext, CommandFactory } from './context';
import { requireTrust, showError } from './prompts';

/** `{ uri, fineTune, overwrite, out }`: with a uri the command asks nothing it was told. */
interface ImportArgs { uri?: vscode.Uri; fineTune?: boolean; overwrite?: boolean; out?: string }

function importArgsOf(a: unknown): ImportArgs {
  const uri = uriOf(a);
  return {
    ...(uri !== undefined ? { uri } : {}),
    ...(isObj(a) && typeof a.fineTune === 'boolean' ? { fineTune: a.fineTune } : {}),
    ...(isObj(a) && typeof a.overwrite === 'boolean' ? { overwrite: a.overwrite } : {}),
    ...(isObj(a) && typeof a.out === 'string' ? { out: a.out } : {}),
  };
}

export interface ImportOutcome {
  readonly modelFile: string;
  /** The run that fine-tunes from the imported weights, when asked for. */
  readonly runDir: string | null;
}

/** Import Model; returns the model file (and fine-tuning run) written. */
export const importModel: CommandFactory<Promise<ImportOutcome | undefined>> = (ctx) => async (a) => {
  const args = importArgsOf(a);
  let uri = args.uri;
  if (uri === undefined) {
    const picked = await vscode.window.showOpenDialog({
      canSelectFiles: true, canSelectFolders: false, canSelectMany: false, openLabel: vscode.l10n.t('Import'),
      title: vscode.l10n.t('Keras (.keras, .h5) or TensorFlow.js (model.json) model to import'),
      filters: { [vscode.l10n.t('Keras and TensorFlow.js models')]: ['keras', 'h5', 'json'] },
    });
    uri = picked?.[0];
    if (uri === undefined) return undefined;
  }
  let fineTune = args.fineTune;
  if (fineTune === undefined) {
    const only = vscode.l10n.t('Model file only');
    const pick = await vscode.window.showQuickPick([
      { label: only, description: vscode.l10n.t('the layers as a *.cnn.yaml; training starts from fresh weights') },
      { label: vscode.l10n.t('Model file and a run to fine-tune'), description: vscode.l10n.t('also a run whose first checkpoint holds the imported weights; resuming it trains on from them') },
    ], { title: vscode.l10n.t('Import {0}', path.basename(uri.fsPath)) });
    if (pick === undefined) return undefined;
    fineTune = pick.label !== only;
  }
  const out = args.out ?? defaultModelFile(uri.fsPath);
  let overwrite = args.overwrite ?? false;
  if (!overwrite && args.overwrite === undefined && existsSync(out)) {
    const replace = vscode.l10n.t('Replace');
    const answer = await vscode.window.showWarningMessage(vscode.l10n.t('{0} exists already. Replace it?', path.basename(out)), { modal: true }, replace);
    if (answer !== replace) return undefined;
    overwrite = true;
  }
  try {
    const result = await kerasInterop().importModelFile(uri.fsPath, {
      out, overwrite, fineTuneRuns: fineTune ? ctx.runLocations.rootFor(uri) : null,
      convert: (m) => modelFromKeras(m, { version }), generatedBy: `CNN Lab ${version}`,
    });
    ctx.log.info(`[import] ${uri.fsPath} → ${result.modelFile}: ${result.model.layers.length} layers, ${result.weightCount} weight arrays${result.runDir !== null ? `; fine-tuning run ${result.runDir}` : ''}`);
    for (const n of result.model.notes) ctx.log.info(`[import] note: ${n}`);
    await vscode.window.showTextDocument(vscode.Uri.file(result.modelFile));
    const { runDir } = result;
    if (runDir !== null) {
      ctx.runsTree.refresh();
      const now = vscode.l10n.t('Fine-tune Now');
      void vscode.window.showInformationMessage(
        vscode.l10n.t('Imported {0} layers into {1}. A run that starts from the imported weights is in the Runs view: resume it to fine-tune.', result.model.layers.length, path.basename(result.modelFile)), now,
      ).then((p) => { if (p === now) void fineTuneNow(ctx, runDir, result.modelFile); });
    } else {
      void vscode.window.showInformationMessage(vscode.l10n.t('Imported {0} layers into {1}.', result.model.layers.length, path.basename(result.modelFile)));
    }
    return { modelFile: result.modelFile, runDir };
  } catch (err) {
    showError(ctx, err);
    return undefined;
  }
};

/** Resumes the prepared run: checkpoint 0 (the imported weights), then the model file's epochs. */
async function fineTuneNow(ctx: CommandContext, runDir: string, modelFile: string): Promise<void> {
  if (!requireTrust()) return;
  try {
    const text = await fsp.readFile(path.join(runDir, RUN_FILES.model), 'utf8');
    const analysis = analyzeForUser(text);
    if (analysis.spec === null) throw new Error(vscode.l10n.t("The run's model file no longer validates."));
    await ctx.training.start({
      spec: analysis.spec, modelText: text, modelDir: path.dirname(modelFile), modelSummary: analysis.summary,
      runsRoot: path.dirname(runDir), resumeDir: runDir,
    });
  } catch (err) {
    showError(ctx, err);
  }
}
