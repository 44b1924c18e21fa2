/** Keras-style text rendering of a `ModelSummary` (the "Summary" command and the CLI). */
import type { ModelSummary } from '../shared/modelSpec';
import { bytes, groupDigits } from './format';
import { kerasClassOf } from './layers/index';

const COLS = [34, 24, 13, 16] as const;

function pad(s: string, w: number, right = false): string {
  if (s.length >= w) return `${s} `;
  return right ? s.padStart(w) : s.padEnd(w);
}

/**
 * Keras `model.summary()` layout with an extra MACs column, then the totals (Keras 3 style,
 * parameter bytes as float32), total MACs and the activation memory of one batch.
 */
export function formatSummaryTable(summary: ModelSummary, name?: string): string {
  const label = (l: ModelSummary['layers'][number]): string => `${l.name} (${kerasClassOf(l.type)})`;
  // The first column grows to the longest "name (Class)", as Keras widens its table.
  const cols = [Math.max(COLS[0], ...summary.layers.map((l) => label(l).length + 2)), COLS[1], COLS[2], COLS[3]] as const;
  const width = cols.reduce((a, b) => a + b, 0) + 1;
  const lines: string[] = [];
  lines.push(`Model: "${name ?? 'sequential'}"`);
  lines.push('_'.repeat(width));
  lines.push(` ${pad('Layer (type)', cols[0])}${pad('Output Shape', cols[1])}${pad('Param #', cols[2], true)}${pad('MACs', cols[3], true)}`);
  lines.push('='.repeat(width));
  lines.push(` ${pad('input (InputLayer)', cols[0])}${pad(`(None, ${summary.inputShape.join(', ')})`, cols[1])}${pad('0', cols[2], true)}${pad('0', cols[3], true)}`);
  for (const l of summary.layers) {
    const shape = `(None, ${l.outputShape.join(', ')})`;
    lines.push(` ${pad(label(l), cols[0])}${pad(shape, cols[1])}${pad(groupDigits(l.params), cols[2], true)}${pad(groupDigits(l.macs), cols[3], true)}`);
  }
  lines.push('='.repeat(width));
  lines.push(`Total params: ${groupDigits(summary.totalParams)} (${bytes(summary.totalParams * 4)})`);
  lines.push(`Trainable params: ${groupDigits(summary.trainableParams)} (${bytes(summary.trainableParams * 4)})`);
  lines.push(`Non-trainable params: ${groupDigits(summary.nonTrainableParams)} (${bytes(summary.nonTrainableParams * 4)})`);
  lines.push(`Total MACs per sample: ${groupDigits(summary.totalMacs)}`);
  lines.push(`Activation memory per batch: ${bytes(summary.activationBytesPerBatch)}`);
  lines.push('_'.repeat(width));
  return lines.join('\n');
}
