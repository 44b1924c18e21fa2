/** Open Runs in TensorBoard: the runs folder (of a workspace folder, picked when there are several) in TensorBoard. */
import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import type { CommandFactory } from './context';
import { showError } from './prompts';

/** Resolves with TensorBoard's URL, or undefined when it did not start (cancelled, untrusted, not installed). */
export const openTensorBoard: CommandFactory<Promise<string | undefined>> = (ctx) => async (a) => {
  if (!vscode.workspace.isTrusted) {
    // It runs the Python the workspace's settings name.
    const manage = vscode.l10n.t('Manage Workspace Trust');
    void vscode.window.showWarningMessage(vscode.l10n.t('TensorBoard is disabled in untrusted workspaces: it runs the Python interpreter this workspace configures. Trust the workspace to use it.'), manage)
      .then((pick) => { if (pick === manage) void vscode.commands.executeCommand('workbench.trust.manage'); });
    return undefined;
  }
  let logdir = typeof a === 'string' ? a : undefined;
  if (logdir === undefined) {
    const roots = ctx.runLocations.roots().filter((r) => existsSync(r));
    if (roots.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('No runs yet: train a model first; TensorBoard then shows its curves.'));
      return undefined;
    }
    logdir = roots.length === 1 ? roots[0] : (await vscode.window.showQuickPick(roots, { title: vscode.l10n.t('Open which runs folder in TensorBoard?') }));
    if (logdir === undefined) return undefined;
  }
  try {
    return await ctx.tensorBoard.open(logdir, vscode.workspace.workspaceFolders?.[0]?.uri);
  } catch (err) {
    showError(ctx, err);
    return undefined;
  }
};
