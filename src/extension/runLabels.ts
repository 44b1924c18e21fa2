/** How a run's status reads in the user's language; used by the Runs view, the status bar, pickers and the Filters view. */
import * as vscode from 'vscode';

export function statusLabel(status: string): string {
  const labels: Record<string, string> = {
    running: vscode.l10n.t('running'), completed: vscode.l10n.t('completed'), stopped: vscode.l10n.t('stopped'),
    failed: vscode.l10n.t('failed'), interrupted: vscode.l10n.t('interrupted'),
  };
  return labels[status] ?? status;
}
