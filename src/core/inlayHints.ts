/** Inlay hints: each layer's output shape and parameters at the end of its line; the input shape after `dataset`. */
import { groupDigits } from './format';
import { splitLines } from './locate';
import { t } from './messages';
import type { LocaleOptions } from './messages';
import { formatShape } from './shapes';
import type { Analysis, Position, Range } from './types';

export interface CoreInlayHint { position: Position; label: string; tooltip?: string }

/** Hints whose line falls in `range` (all lines when omitted). */
export function inlayHints(text: string, analysis: Analysis, range?: Range, options: LocaleOptions = {}): CoreInlayHint[] {
  const locale = options.locale ?? 'en';
  const lines = splitLines(text);
  const inRange = (line: number): boolean => !range || (line >= range.start.line && line <= range.end.line);
  const endOf = (line: number): Position => ({ line, character: (lines[line] ?? '').replace(/\s+$/, '').length });
  const out: CoreInlayHint[] = [];
  const input = analysis.partialSummary.inputShape;
  if (input) {
    const dsLine = lines.findIndex((l) => /^dataset\s*:/.test(l));
    if (dsLine >= 0 && inRange(dsLine)) {
      out.push({
        position: endOf(dsLine),
        label: `${t(locale, 'hint.input', { shape: formatShape(input) })}${analysis.numClasses !== null ? t(locale, 'hint.classes', { classes: analysis.numClasses }) : ''}`,
      });
    }
  }
  for (const layer of analysis.layers) {
    const row = analysis.partialSummary.layers[layer.index];
    const line = layer.typeRange.start.line;
    if (!row || !inRange(line)) continue;
    const params = row.params > 0 ? t(locale, 'hint.params', { params: groupDigits(row.params) }) : '';
    out.push({
      position: endOf(line),
      label: ` → ${formatShape(row.outputShape)}${params}`,
      tooltip: t(locale, 'hint.tooltip', { name: row.name, shape: formatShape(row.outputShape), params: groupDigits(row.params), macs: groupDigits(row.macs) }),
    });
  }
  return out;
}
