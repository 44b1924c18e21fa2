/**
 * What several commands share with the user: the trust gate, error messages with the log one
 * click away, and the quick picks of a model file or a run. Messages are fire-and-forget so a
 * command (and a test calling it) never waits on a notification.
 */
import * as vscode from 'vscode';
import { listRuns, type RunListEntry } from '../../host/runStore';
import { CnnLabError } from '../../shared/errors';
import { LANGUAGE_ID } from '../languageClient';
import { statusLabel } from '../runLabels';
import { uriOf } from './args';
import type { CommandContext } from './context';

function message(err: unknown): string {
  if (err instanceof CnnLabError) return err.hint !== undefined ? `${err.message} ${err.hint}` : err.message;
  return err instanceof Error ? err.message : String(err);
}

export function showError(ctx: CommandContext, err: unknown): void {
  ctx.log.error(err instanceof Error && err.stack !== undefined ? err.stack : message(err));
  const showLog = vscode.l10n.t('Show Log');
  void vscode.window.showErrorMessage(message(err), showLog).then((p) => { if (p === showLog) ctx.log.show(true); });
}

/** False (with a warning that offers to manage trust) in an untrusted workspace. */
export function requireTrust(): boolean {
  if (vscode.workspace.isTrusted) return true;
  const manage = vscode.l10n.t('Manage Workspace Trust');
  void vscode.window.showWarningMessage(
    vscode.l10n.t('Training is disabled in untrusted workspaces: it reads data sets and runs a training process on files of this workspace. Trust the workspace to train.'),
    manage,
  ).then((pick) => { if (pick === manage) void vscode.commands.executeCommand('workbench.trust.manage'); });
  return false;
}

/** The model file of a command argument (see uriOf), else the active one, else one the user picks. */
export async function modelDocument(a: unknown): Promise<vscode.TextDocument | undefined> {
  const uri = uriOf(a);
  if (uri !== undefined) return vscode.workspace.openTextDocument(uri);
  const active = vscode.window.activeTextEditor?.document;
  if (active !== undefined && (active.languageId === LANGUAGE_ID || /\.cnn\.ya?ml$/.test(active.fileName))) return active;
  const files = await vscode.workspace.findFiles('**/*.cnn.{yaml,yml}', '**/node_modules/**', 50);
  if (files.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Open a *.cnn.yaml model file first, or create one with "CNN Lab: New Model File".'));
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(files.map((f) => ({ label: vscode.workspace.asRelativePath(f), uri: f })), {
    title: vscode.l10n.t('Which model file?'),
  });
  return pick !== undefined ? vscode.workspace.openTextDocument(pick.uri) : undefined;
}

/** A run under the run roots that passes the filter, picked by the user; its folder. */
export async function pickRun(ctx: CommandContext, title: string, filter: (r: RunListEntry) => boolean): Promise<string | undefined> {
  const runs: RunListEntry[] = [];
  for (const root of ctx.runLocations.roots()) runs.push(...(await listRuns(root).catch(() => [])).filter(filter));
  if (runs.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No matching runs. Train a model first.'));
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(runs.map((r) => ({
    label: r.name, description: `${statusLabel(r.status)} · ${vscode.l10n.t('epoch {0}/{1}', r.epochsCompleted, r.totalEpochs ?? '?')}`, detail: r.dir, dir: r.dir,
  })), { title });
  return pick?.dir;
}
