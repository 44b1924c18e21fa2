/** Position helpers shared by hover, completion and inlay hints. */
import type { Analysis, LayerNode, Position, Range } from './types';
import { normaliseLineEnds } from './yamlText';

export function before(a: Position, b: Position): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}

export function contains(r: Range, p: Position): boolean {
  return !before(p, r.start) && !before(r.end, p);
}

/** The layer whose list item covers the position (its lines, from the dash line to the item end). */
export function layerAt(analysis: Analysis, pos: Position): LayerNode | undefined {
  return analysis.layers.find((l) => pos.line >= l.range.start.line && pos.line <= l.range.end.line);
}

/** The word (letters, digits, `_`, `-`) around a column of a line, with its span. */
export function wordAt(line: string, character: number): { word: string; start: number; end: number } {
  let s = character, e = character;
  while (s > 0 && /[\w-]/.test(line[s - 1] ?? '')) s--;
  while (e < line.length && /[\w-]/.test(line[e] ?? '')) e++;
  return { word: line.slice(s, e), start: s, end: e };
}

/** Line `line` (0-based) without its terminator; '' past the end. Lines end as in LSP: `\n`, `\r\n` or `\r`. */
export function lineOf(text: string, line: number): string {
  if (line < 0) return '';
  const t = normaliseLineEnds(text);
  let start = 0;
  for (let i = 0; i < line; i++) {
    const nl = t.indexOf('\n', start);
    if (nl < 0) return '';
    start = nl + 1;
  }
  const end = t.indexOf('\n', start);
  return t.slice(start, end < 0 ? t.length : end).replace(/\r$/, '');
}

/** All lines, without line terminators (`\n`, `\r\n` or `\r`, as in LSP). */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}
