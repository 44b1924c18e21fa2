/** Run commands: Open Dashboard, Export Trained Model, Refresh, Delete Run, Reveal Run, Show Filters. */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { deleteRun as deleteRunFolder, lastCheckpointEpoch } from '../../host/runStore';
import { CnnLabError } from '../../shared/errors';
import { checkpointDirName, RUN_FILES } from '../../shared/runFiles';
import { deleteConfirmOf, exportTargetOf, runDirOf } from './args';
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

/** Export Trained Model: the run's final weights (TensorFlow.js layers format) into a folder. Returns the files written. */
export const exportModel: CommandFactory<Promise<string[] | undefined>> = (ctx) => async (a) => {
  const runDir = runDirOf(a) ?? await pickRun(ctx, vscode.l10n.t('Export which run?'), (r) => r.epochsCompleted > 0);
  if (runDir === undefined) return undefined;
  let source = path.join(runDir, 'final');
  try {
    await fsp.access(path.join(source, 'model.json'));
  } catch {
    const epoch = await lastCheckpointEpoch(runDir);
    if (epoch === null) {
      showError(ctx, new CnnLabError('E_IO', vscode.l10n.t('This run has no trained weights yet.'), vscode.l10n.t('Export after at least one epoch.')));
      return undefined;
    }
    source = path.join(runDir, RUN_FILES.checkpoints, checkpointDirName(epoch));
  }
  let target = exportTargetOf(a);
  if (target === undefined) {
    const picked = await vscode.window.showOpenDialog({
      canSelectFiles: false, canSelectFolders: true, canSelectMany: false, openLabel: vscode.l10n.t('Export here'),
      title: vscode.l10n.t('Folder for the TensorFlow.js model (model.json + weights)'),
    });
    target = picked?.[0]?.fsPath;
    if (target === undefined) return undefined;
  }
  try {
    await fsp.mkdir(target, { recursive: true });
    const written: string[] = [];
    // model.json and its weight shards only: optimizer state stays in the run folder.
    for (const f of await fsp.readdir(source)) {
      if (f !== 'model.json' && !/\.bin$/.test(f)) continue;
      await fsp.copyFile(path.join(source, f), path.join(target, f));
      written.push(path.join(target, f));
    }
    const reveal = vscode.l10n.t('Reveal');
    const folder = target;
    void vscode.window.showInformationMessage(vscode.l10n.t('Exported {0} files to {1}. Load with tf.loadLayersModel().', written.length, folder), reveal)
      .then((p) => { if (p === reveal) void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(path.join(folder, 'model.json'))); });
    return written;
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
