/** How a run's status reads in the user's language; used by the Runs view, the status bar, pickers and the Filters view. */
import * as vscode from 'vscode';
import type { ResumePlan } from '../shared/runFiles';

export function statusLabel(status: string): string {
  const labels: Record<string, string> = {
    running: vscode.l10n.t('running'), completed: vscode.l10n.t('completed'), stopped: vscode.l10n.t('stopped'),
    failed: vscode.l10n.t('failed'), interrupted: vscode.l10n.t('interrupted'),
  };
  return labels[status] ?? status;
}

/**
 * What Resume Run does with a folder (the shared `resumePlan`, the same decision the CLI's
 * `--resume` and `cnn-lab runs` show), in the user's language; null when it is not resumable.
 */
export function resumeLabel(plan: ResumePlan, totalEpochs: number | null): string | null {
  if (!plan.resumable) return null;
  if (plan.fromCheckpoint === null) return vscode.l10n.t('Resume Run trains it again from epoch 1: no checkpoint was written yet.');
  if (totalEpochs !== null && plan.fromCheckpoint >= totalEpochs) {
    return vscode.l10n.t('Resume Run redoes only the test evaluation: all {0} epochs are checkpointed.', totalEpochs);
  }
  return vscode.l10n.t('Resume Run continues after the checkpoint of epoch {0}.', plan.fromCheckpoint);
}
