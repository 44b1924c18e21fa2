/**
 * Every CNN Lab command, registered over one context. Each works interactively (quick picks,
 * dialogs) and non-interactively with an argument (see args.ts), so the CodeLens, the runs view,
 * the integration tests and other commands can call it. Commands never await a notification:
 * messages are fire-and-forget so a test never hangs on one.
 */
import * as vscode from 'vscode';
import { selectBackend, setUpNative } from './backend';
import { compareColour, compareDropout, openComparison, resumeExperiment } from './compare';
import type { CommandContext, CommandFactory } from './context';
import { importModel } from './importModel';
import { openLab } from './labs';
import { configureDropout, newModelFile, selectDataset, showModelSummary } from './model';
import { deleteRun, exportModel, openDashboard, refreshRuns, revealRun, showFilters } from './runs';
import { openTensorBoard } from './tensorboard';
import { resumeRun, stopTraining, trainMnist, trainModel } from './training';

export type { CommandContext } from './context';

/** Command id → factory; the ids are those of package.json's `contributes.commands`. */
const COMMANDS: Readonly<Record<string, CommandFactory>> = {
  'cnnLab.trainMnist': trainMnist,
  'cnnLab.trainModel': trainModel,
  'cnnLab.stopTraining': stopTraining,
  'cnnLab.resumeRun': resumeRun,
  'cnnLab.openDashboard': openDashboard,
  'cnnLab.showModelSummary': showModelSummary,
  'cnnLab.newModelFile': newModelFile,
  'cnnLab.exportModel': exportModel,
  'cnnLab.importModel': importModel,
  'cnnLab.selectDataset': selectDataset,
  'cnnLab.configureDropout': configureDropout,
  'cnnLab.selectBackend': selectBackend,
  'cnnLab.setUpNative': setUpNative,
  'cnnLab.refreshRuns': refreshRuns,
  'cnnLab.deleteRun': deleteRun,
  'cnnLab.revealRun': revealRun,
  'cnnLab.showFilters': showFilters,
  'cnnLab.openTensorBoard': openTensorBoard,
  'cnnLab.compareDropout': compareDropout,
  'cnnLab.compareColour': compareColour,
  'cnnLab.resumeExperiment': resumeExperiment,
  'cnnLab.openComparison': openComparison,
  'cnnLab.openLab': openLab,
};

/** Registers every command; the disposables belong to the extension's lifetime. */
export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([id, factory]) => {
    const handler = factory(ctx);
    // The first argument only: a tree item's context menu also passes the selection.
    return vscode.commands.registerCommand(id, (arg?: unknown) => handler(arg));
  });
}
