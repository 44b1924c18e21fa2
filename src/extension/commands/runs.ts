/** Run commands: Open Dashboard, Export Trained Model, Refresh, Delete Run, Reveal Run, Show Filters. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { version } from '../../../package.json';
import { kerasExportOf } from '../../core/index';
import { EXPORT_FORMATS, trainedWeightsDir, type ExportFormat } from '../../host/keras/interop';
import { kerasInterop } from '../../host/keras/lazy';
import { deleteRun as deleteRunFolder } from '../../host/runStore';
import { CnnLabError } from '../../shared/errors';
import { deleteConfirmOf, exportTargetOf, isObj, runDirOf } from './args';
import type { CommandFactory } from './context';
import { pickRun, showError } from './prompts';

/** Open Dashboard: the given run (see runDirOf), else the training one, else one the user picks. */
export const openDashboard: CommandFactory<Promise<string | undefined>> = (ctx) => async (a) => {
  const runDir = runDirOf(a) ?? ctx.training.active?.runDir ?? await pickRun(ctx, vscode.l10n.t('Open the dashboard of which run?'), () => true);
  if (runDir === undefined) return undefined;
  try {
    await ctx.dashboards.open(runDir, false);
    void ctx.filters.showRun(runDir);
    return runDir;
  } catch (err) {
    showError(ctx, err);
    return undefined;
  }
};

/** The formats Export Trained Model offers, in the order of its quick pick. */
function exportFormats(): { label: string; description: string; format: ExportFormat }[] {
  return [
    { label: vscode.l10n.t('Keras (.keras)'), description: vscode.l10n.t('keras.saving.load_model() in Python gives the same model'), format: 'keras' },
    { label: vscode.l10n.t('TensorFlow.js (model.json + weights)'), description: vscode.l10n.t('tf.loadLayersModel() in JavaScript'), format: 'tfjs' },
    { label: vscode.l10n.t('Keras Python script'), description: vscode.l10n.t('rebuilds, compiles, loads the weights and evaluates; for a Kaggle or Colab notebook'), format: 'script' },
    { label: vscode.l10n.t('All three'), description: vscode.l10n.t('into one folder'), format: 'all' },
  ];
}

/** `{ format }` of a command argument, when it is one of the export formats. */
function exportFormatOf(a: unknown): ExportFormat | undefined {
  return isObj(a) && (EXPORT_FORMATS as readonly unknown[]).includes(a.format) ? (a.format as ExportFormat) : undefined;
}

/**
 * Export Trained Model: the run's trained weights (final/, else its last checkpoint) as a Keras
 * `.keras` file, a Keras Python script with its weights, the TensorFlow.js folder, or all three,
 * into a folder. Called with `{ runDir, format, target }` it asks nothing (a target without a
 * format: the TensorFlow.js folder, as before there was a choice). Returns the files written.
 */
export const exportModel: CommandFactory<Promise<string[] | undefined>> = (ctx) => async (a) => {
  const runDir = runDirOf(a) ?? await pickRun(ctx, vscode.l10n.t('Export which run?'), (r) => r.epochsCompleted > 0);
  if (runDir === undefined) return undefined;
  try {
    await trainedWeightsDir(runDir);
  } catch {
    showError(ctx, new CnnLabError('E_IO', vscode.l10n.t('This run has no trained weights yet.'), vscode.l10n.t('Export after at least one epoch.')));
    return undefined;
  }
  let target = exportTargetOf(a);
  let format = exportFormatOf(a) ?? (target !== undefined ? 'tfjs' : undefined);
  if (format === undefined) {
    const pick = await vscode.window.showQuickPick(exportFormats(), { title: vscode.l10n.t('Export {0} as', path.basename(runDir)) });
    if (pick === undefined) return undefined;
    format = pick.format;
  }
  if (target === undefined) {
    const picked = await vscode.window.showOpenDialog({
      canSelectFiles: false, canSelectFolders: true, canSelectMany: false, openLabel: vscode.l10n.t('Export here'),
      title: vscode.l10n.t('Folder for the exported model'),
    });
    target = picked?.[0]?.fsPath;
    if (target === undefined) return undefined;
  }
  try {
    const savedAt = new Date();
    const { files } = await kerasInterop().exportRun(runDir, { format, out: target, plan: (text, runId) => kerasExportOf(text, { version, savedAt, runId }) });
    ctx.log.info(`[export] ${runDir} as ${format}: ${files.join(', ')}`);
    const reveal = vscode.l10n.t('Reveal');
    const first = files.find((f) => /\.(keras|py)$/.test(f)) ?? files[0];
    const hint = format === 'tfjs' ? vscode.l10n.t('Load with tf.loadLayersModel().')
      : format === 'script' ? vscode.l10n.t('Run it with python, or %run it in a notebook.')
        : vscode.l10n.t('Load with keras.saving.load_model().');
    void vscode.window.showInformationMessage(vscode.l10n.t('Exported {0} files to {1}. {2}', files.length, path.dirname(first ?? target), hint), reveal)
      .then((p) => { if (p === reveal && first !== undefined) void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(first)); });
    return [...files];
  } catch (err) {
    showError(ctx, err);
    return undefined;
  }
};

/** Refresh: lists the runs again. */
export const refreshRuns: CommandFactory = (ctx) => () => ctx.runsTree.refresh();

/** Delete Run: asks first unless called with `{ runDir, confirm: false }`; returns whether it deleted. */
export const deleteRun: CommandFactory<Promise<boolean>> = (ctx) => async (a) => {
  const runDir = runDirOf(a);
  if (runDir === undefined) return false;
  if (ctx.training.activeFor(runDir) !== undefined) {
    void vscode.window.showWarningMessage(vscode.l10n.t('Stop the run before deleting it.'));
    return false;
  }
  if (deleteConfirmOf(a)) {
    const del = vscode.l10n.t('Delete');
    const pick = await vscode.window.showWarningMessage(vscode.l10n.t('Delete the run folder {0} with its checkpoints and metrics?', path.basename(runDir)), { modal: true }, del);
    if (pick !== del) return false;
  }
  try {
    ctx.dashboards.close(runDir);
    await deleteRunFolder(runDir);
    ctx.runsTree.refresh();
    return true;
  } catch (err) {
    showError(ctx, err);
    return false;
  }
};

/** Reveal Run: in the Explorer when inside the workspace, else in the OS file manager. */
export const revealRun: CommandFactory<Promise<void>> = () => async (a) => {
  const runDir = runDirOf(a);
  if (runDir === undefined) return;
  const uri = vscode.Uri.file(runDir);
  // Inside the workspace the Explorer is the natural place (and works in remote windows too).
  if (vscode.workspace.getWorkspaceFolder(uri) !== undefined) await vscode.commands.executeCommand('revealInExplorer', uri);
  else await vscode.commands.executeCommand('revealFileInOS', uri);
};

/** Show Filters: focuses the filters view, on the given run if any. */
export const showFilters: CommandFactory<Promise<void>> = (ctx) => async (a) => {
  const runDir = runDirOf(a);
  await vscode.commands.executeCommand('cnnLab.filters.focus');
  if (runDir !== undefined) await ctx.filters.showRun(runDir);
};
