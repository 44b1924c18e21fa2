/** Train MNIST, Train Model, Stop Training, Resume Run. */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readResumePlan, readRun } from '../../host/runStore';
import { CnnLabError } from '../../shared/errors';
import { analyzeForUser } from '../analysis';
import { DashboardModel } from '../dashboardModel';
import { summarizeModelText } from '../dashboardPanels';
import { runDirOf, trainOverridesOf, type TrainOverrides } from './args';
import type { CommandContext, CommandFactory } from './context';
import { copyExample, TEMPLATES } from './model';
import { modelDocument, pickRun, requireTrust, showError } from './prompts';

/** Trains a model document as the editor shows it; resolves to the run folder once the run ends. */
async function trainDocument(ctx: CommandContext, doc: vscode.TextDocument, overrides: TrainOverrides): Promise<string | undefined> {
  try {
    let text = doc.getText();
    let version = doc.version;
    let result = await ctx.lsp.modelSpec(doc);
    // Edits that landed while the server answered: ask again so text and spec agree.
    for (let i = 0; i < 5 && result.version !== version; i++) {
      text = doc.getText();
      version = doc.version;
      result = await ctx.lsp.modelSpec(doc);
    }
    if (result.spec === null) {
      const show = vscode.l10n.t('Show Problems');
      const list = result.errors.slice(0, 3).join('; ');
      void vscode.window.showErrorMessage(
        vscode.l10n.t('{0} has {1} error(s) and cannot be trained: {2}', path.basename(doc.fileName), result.errors.length, list), show,
      ).then((p) => { if (p === show) void vscode.commands.executeCommand('workbench.actions.view.problems'); });
      ctx.log.warn(`[train] refused ${doc.uri.toString()}: ${result.errors.join(' | ')}`);
      return undefined;
    }
    const modelDir = doc.uri.scheme === 'file' ? path.dirname(doc.uri.fsPath) : (vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? ctx.runLocations.scratchDir());
    const run = await ctx.training.start({
      spec: result.spec, modelText: text, modelDir, modelSummary: result.summary,
      runsRoot: ctx.runLocations.rootFor(doc.uri), ...overrides,
    });
    if (run === undefined) return undefined;
    const done = await run.done;
    return done.runDir;
  } catch (err) {
    showError(ctx, err);
    return undefined;
  }
}

/** Train MNIST: copies examples/mnist.cnn.yaml into the workspace (or scratch) and trains it. */
export const trainMnist: CommandFactory<Promise<string | undefined>> = (ctx) => async (a) => {
  if (!requireTrust()) return undefined;
  const overrides = trainOverridesOf(a);
  // An existing copy is the user's: train it as it is.
  const target = await copyExample(ctx, TEMPLATES.mnist);
  if (target === undefined) return undefined;
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(target));
  await vscode.window.showTextDocument(doc, { preview: true, preserveFocus: true, viewColumn: vscode.ViewColumn.One });
  return trainDocument(ctx, doc, overrides);
};

/** Train Model: the given (see uriOf) or active model file, exactly as the editor shows it. */
export const trainModel: CommandFactory<Promise<string | undefined>> = (ctx) => async (a) => {
  if (!requireTrust()) return undefined;
  const doc = await modelDocument(a);
  if (doc === undefined) return undefined;
  return trainDocument(ctx, doc, trainOverridesOf(a));
};

/** Stop Training: the given run (see runDirOf), else the active one; resolves to its final status. */
export const stopTraining: CommandFactory<Promise<string | undefined>> = (ctx) => async (a) => {
  const done = await ctx.training.stop(runDirOf(a));
  if (done === undefined) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No training is running.'));
    return undefined;
  }
  return done.status;
};

/**
 * Resume Run: continues a stopped, failed or interrupted run from its last checkpoint, or from
 * epoch 1 when it has none yet; what the shared `resumePlan` says, as the CLI's --resume does.
 */
export const resumeRun: CommandFactory<Promise<string | undefined>> = (ctx) => async (a) => {
  if (!requireTrust()) return undefined;
  const runDir = runDirOf(a) ?? await pickRun(ctx, vscode.l10n.t('Resume which run?'), (r) => r.resume.resumable);
  if (runDir === undefined) return undefined;
  try {
    const data = await readRun(runDir);
    const { plan } = await readResumePlan(runDir);
    const total = data.entry.totalEpochs ?? 0;
    if (!plan.resumable) {
      if (plan.reason === 'running') throw new CnnLabError('E_RUN_NOT_RESUMABLE', vscode.l10n.t('This run is still training.'));
      if (plan.reason === 'completed') {
        throw new CnnLabError('E_RUN_NOT_RESUMABLE', vscode.l10n.t('This run already trained all {0} epochs.', total), vscode.l10n.t('Train the model again for more epochs.'));
      }
      throw new CnnLabError('E_RUN_NOT_RESUMABLE', vscode.l10n.t('This run has no model file (model.cnn.yaml) to resume with.'), vscode.l10n.t('Train the model again instead.'));
    }
    if (data.modelText === null) {
      throw new CnnLabError('E_RUN_NOT_RESUMABLE', vscode.l10n.t('This run has no model file (model.cnn.yaml) to resume with.'), vscode.l10n.t('Train the model again instead.'));
    }
    const analysis = analyzeForUser(data.modelText);
    if (analysis.spec === null) throw new CnnLabError('E_RUN_NOT_RESUMABLE', vscode.l10n.t("The run's model file no longer validates."));
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(runDir));
    const model = DashboardModel.fromRunData(data, summarizeModelText, true);
    const run = await ctx.training.start({
      spec: analysis.spec, modelText: data.modelText, modelDir: folder?.uri.fsPath ?? path.dirname(runDir),
      modelSummary: analysis.summary, runsRoot: path.dirname(runDir), resumeDir: runDir,
      // A folder without summary.json (killed while starting, or prepared by Import Model to
      // fine-tune) trains the epochs of its model file.
      ...(data.entry.totalEpochs !== null ? { epochs: data.entry.totalEpochs } : {}),
      ...(data.summary?.backend !== undefined ? { backend: data.summary.backend } : {}),
    }, model);
    if (run === undefined) return undefined;
    return (await run.done).runDir;
  } catch (err) {
    showError(ctx, err);
    return undefined;
  }
};
