/**
 * Plain-text formatting for the CLI: tables, progress bars, durations, percentages. Pure functions
 * of their arguments, so the unit tests check exact output.
 */
import type { EpochEndMessage } from '../shared/trainerProtocol';

export type Align = 'left' | 'right';

export interface Column<Row> {
  readonly header: string;
  readonly align: Align;
  readonly value: (row: Row) => string;
}

function pad(text: string, width: number, align: Align): string {
  return align === 'left' ? text.padEnd(width) : text.padStart(width);
}

/** Fixed-width columns for one table; rows can be printed one at a time as they arrive. */
export class TableLayout<Row> {
  constructor(readonly columns: readonly Column<Row>[], readonly widths: readonly number[]) {}

  /** Widths fitted to the headers and the given rows (plus `minWidths` where given). */
  static fit<Row>(columns: readonly Column<Row>[], rows: readonly Row[], minWidths: readonly number[] = []): TableLayout<Row> {
    const widths = columns.map((c, i) => Math.max(c.header.length, minWidths[i] ?? 0, ...rows.map((r) => c.value(r).length)));
    return new TableLayout(columns, widths);
  }

  header(): string {
    return this.line(this.columns.map((c) => c.header));
  }

  rule(): string {
    return this.widths.map((w) => '─'.repeat(w)).join('  ');
  }

  row(row: Row): string {
    return this.line(this.columns.map((c) => c.value(row)));
  }

  /** Header, rule and every row. */
  render(rows: readonly Row[]): string {
    return [this.header(), this.rule(), ...rows.map((r) => this.row(r))].join('\n');
  }

  private line(cells: readonly string[]): string {
    return cells.map((cell, i) => pad(cell, this.widths[i] ?? 0, this.columns[i]?.align ?? 'left')).join('  ').trimEnd();
  }
}

/** `0.98123` → `98.12%`; null → `—`. */
export function percent(v: number | null | undefined, digits = 2): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(digits)}%`;
}

/** A loss value with 4 decimals; null → `—`. */
export function fixed(v: number | null | undefined, digits = 4): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(digits);
}

/** Thousands separators: 12345 → `12,345`. */
export function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** Seconds as `0.8s`, `42s`, `3m05s`, `1h02m`. */
export function duration(sec: number | null | undefined): string {
  if (sec === null || sec === undefined || !Number.isFinite(sec) || sec < 0) return '—';
  if (sec < 10) return `${sec.toFixed(1)}s`;
  const s = Math.round(sec);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** `[#########-----------]` with `width` cells between the brackets. */
export function bar(fraction: number, width: number): string {
  const f = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(f * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** Cuts a line to the terminal width so `\r` redraws never wrap. */
export function fitWidth(line: string, columns: number | undefined): string {
  const max = Math.max(20, (columns !== undefined && columns > 0 ? columns : 80) - 1);
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

const EPOCH_COLUMNS: readonly Column<EpochEndMessage>[] = [
  { header: 'epoch', align: 'right', value: (e) => String(e.epoch) },
  { header: 'loss', align: 'right', value: (e) => fixed(e.loss) },
  { header: 'acc', align: 'right', value: (e) => percent(e.acc) },
  { header: 'val_loss', align: 'right', value: (e) => fixed(e.valLoss) },
  { header: 'val_acc', align: 'right', value: (e) => percent(e.valAcc) },
  { header: 'time', align: 'right', value: (e) => duration(e.durationSec) },
  { header: 'samples/s', align: 'right', value: (e) => count(e.samplesPerSec) },
];
/** Wide enough for any realistic row, so rows can be printed one by one as epochs end. */
const EPOCH_WIDTHS = [5, 7, 7, 8, 7, 7, 9];

/** The table of epoch metrics the CLI prints during training. */
export function epochTableLayout(): TableLayout<EpochEndMessage> {
  return new TableLayout(EPOCH_COLUMNS, EPOCH_WIDTHS);
}

export function formatEpochTable(epochs: readonly EpochEndMessage[]): string {
  return epochTableLayout().render(epochs);
}
