/** CodeLenses over the model: totals and the Train / Summary commands (command ids of the extension). */
import { compact, groupDigits } from './format';
import { t } from './messages';
import type { LocaleOptions } from './messages';
import type { Analysis, Range } from './types';

export const TRAIN_COMMAND = 'cnnLab.trainModel';
export const SUMMARY_COMMAND = 'cnnLab.showModelSummary';

/** `command` null: an informational lens; the server passes the document URI as the only argument. */
export interface CoreCodeLens { range: Range; title: string; command: typeof TRAIN_COMMAND | typeof SUMMARY_COMMAND | null; tooltip?: string }

/** Titles and tooltips in `options.locale` (English by default). */
export function codeLenses(analysis: Analysis, options: LocaleOptions = {}): CoreCodeLens[] {
  const locale = options.locale ?? 'en';
  const range: Range = analysis.layersKeyRange ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  const s = analysis.summary;
  if (!s) {
    const errors = analysis.diagnostics.filter((d) => d.severity === 'error').length;
    return [{ range, title: t(locale, errors === 1 ? 'lens.errorsOne' : 'lens.errorsMany', { count: errors }), command: null }];
  }
  return [
    {
      range, command: SUMMARY_COMMAND,
      title: t(locale, 'lens.totals', { params: groupDigits(s.totalParams), macs: compact(s.totalMacs) }),
      tooltip: t(locale, 'lens.totalsTooltip', {
        trainable: groupDigits(s.trainableParams), nonTrainable: groupDigits(s.nonTrainableParams), macs: groupDigits(s.totalMacs),
      }),
    },
    { range, title: t(locale, 'lens.train'), command: TRAIN_COMMAND, tooltip: t(locale, 'lens.trainTooltip') },
    { range, title: t(locale, 'lens.summary'), command: SUMMARY_COMMAND, tooltip: t(locale, 'lens.summaryTooltip') },
  ];
}
