/** Test helpers: locate text in a document as an LSP range, and read the shipped examples. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Range } from '../../../src/core/index';

export const EXAMPLES = join(__dirname, '..', '..', '..', 'examples');

export function example(name: string): string {
  return readFileSync(join(EXAMPLES, name), 'utf8');
}

/** The range of the `nth` (0-based) occurrence of `needle` in `text`. */
export function rangeOf(text: string, needle: string, nth = 0): Range {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`"${needle}" #${nth} not in text`);
  }
  const pos = (o: number): { line: number; character: number } => {
    const before = text.slice(0, o);
    const line = before.split('\n').length - 1;
    return { line, character: o - (before.lastIndexOf('\n') + 1) };
  };
  return { start: pos(at), end: pos(at + needle.length) };
}

/** The range of `inner` inside the first occurrence of `context` (e.g. the `5` of `kernel: 5`). */
export function rangeIn(text: string, context: string, inner: string): Range {
  const at = text.indexOf(context);
  if (at < 0) throw new Error(`"${context}" not in text`);
  const within = context.indexOf(inner);
  if (within < 0) throw new Error(`"${inner}" not in "${context}"`);
  const r = rangeOf(text.slice(0, at + within + inner.length), inner, text.slice(0, at + within).split(inner).length - 1);
  return r;
}
