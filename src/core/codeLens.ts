/** CodeLenses over the model: totals and the Train / Summary commands (command ids of the extension). */
import { compact, groupDigits } from './format';
import type { Analysis, Range } from './types';

export const TRAIN_COMMAND = 'cnnLab.trainModel';
export const SUMMARY_COMMAND = 'cnnLab.showModelSummary';

/** `command` null: an informational lens; the server passes the document URI as the only argument. */
export interface CoreCodeLens { range: Range; title: string; command: typeof TRAIN_COMMAND | typeof SUMMARY_COMMAND | null; tooltip?: string }

export function codeLenses(analysis: Analysis): CoreCodeLens[] {
  const range: Range = analysis.layersKeyRange ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  const s = analysis.summary;
  if (!s) {
    const errors = analysis.diagnostics.filter((d) => d.severity === 'error').length;
    return [{ range, title: `$(error) ${errors} error${errors === 1 ? '' : 's'}: fix to see totals and train`, command: null }];
  }
  return [
    {
      range, command: SUMMARY_COMMAND,
      title: `${groupDigits(s.totalParams)} params · ${compact(s.totalMacs)} MACs`,
      tooltip: `${groupDigits(s.trainableParams)} trainable, ${groupDigits(s.nonTrainableParams)} non-trainable; ${groupDigits(s.totalMacs)} multiply-accumulates per sample`,
    },
    { range, title: '$(play) Train', command: TRAIN_COMMAND, tooltip: 'Train this model in a background process' },
    { range, title: 'Summary', command: SUMMARY_COMMAND, tooltip: 'Show the Keras-style summary table' },
  ];
}
