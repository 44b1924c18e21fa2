/** Test helpers: locate text in a document as an LSP range, read the shipped examples, mutate them at random (seeded). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Range } from '../../../src/core/index';

export const EXAMPLES = join(__dirname, '..', '..', '..', 'examples');

export function example(name: string): string {
  return readFileSync(join(EXAMPLES, name), 'utf8');
}

/** A small valid MNIST model without a `train` section: no diagnostics at all; tests edit it into faults. */
export const SMALL_MODEL = `name: t
dataset: mnist
layers:
  - conv2d: { filters: 8, kernel: 3, activation: relu }
  - maxpool2d: { pool: 2 }
  - flatten: {}
  - dropout: { rate: 0.5 }
  - dense: { units: 10, activation: softmax }
`;

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

/** mulberry32 (the trainer's seeded generator), so a failure reproduces from its seed. */
export { mulberry32 as rng } from '../../../src/trainer/data/random';

const CHARS = [
  ...'abcdefghijklmnopqrstuvwxyz0123456789', ' ', ' ', ' ', '\n', '\n', '\t', '\r', ':', '-', '{', '}', '[', ']', ',', '#',
  '&', '*', '!', '|', '>', '"', "'", '?', '%', '@', '.', '~', '×', '😀', '\u0000', '\u2028', '\ufeff',
];

const FRAGMENTS = [
  '  - conv2d: { filters: 8, kernel: 3 }', '  - conv2d: { filters: 8, kernel: 40, padding: valid }', '  - flatten',
  '  - flatten: {}', '  - dense: { units: 10, activation: softmax }', '  - dense: { units: 0 }', '  - dense:\n      units: 3',
  '  - dropout: 1.5', '  - dropout: { rate: 0.5 }', '  - dropout: 0', '  - activation: relu', '  - batchnorm: {}',
  '  - globalavgpool2d', '  - maxpool2d: { pool: 9 }', '  - avgpool2d: { pool: [2, 3], strides: 1, padding: same }',
  '  - maxpol2d: {}', '  - conv2d:', '  -', '  - [1, 2]', '  - &x dense: { units: 4 }', '  - *x', '  - *nothing',
  'layers:', 'layers: []', 'layers: [ { flatten: {} }, { dense: { units: 10 } } ]', 'train: { epochs: 1, batchSize: 0 }',
  'train:\n  epochs: 2\n  augment: { flipHorizontal: yes, shift: 2 }', 'dataset: { folder: ./x, imageSize: [8, 8] }',
  'dataset: cifar', 'dataset: shapes', 'grayscale: true', 'grayscale: yes', 'input: [28, 28, 3]', 'input: 5', 'classes: 3',
  'name: ""', 'name: [a]', '? [a]\n: b', '---', '...', '%YAML 1.2', '|\n  text', 'key: >\n  folded', '"unterminated', "'x",
  '{', '}', ']', '# comment', 'a: &a [*a]', 'dataset: !!binary aGk=', '\t- flatten', '      deeply: indented',
];

export function mutate(text: string, r: () => number): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const at = (): number => Math.floor(r() * (text.length + 1));
  switch (Math.floor(r() * 9)) {
    case 0: case 1: { // insert characters
      const i = at();
      let s = '';
      for (let n = 1 + Math.floor(r() * 3); n > 0; n--) s += pick(CHARS);
      return text.slice(0, i) + s + text.slice(i);
    }
    case 2: { // delete a span
      const i = at();
      return text.slice(0, i) + text.slice(i + 1 + Math.floor(r() * 12));
    }
    case 3: { // swap two lines
      const lines = text.split('\n');
      const a = Math.floor(r() * lines.length), b = Math.floor(r() * lines.length);
      [lines[a], lines[b]] = [lines[b] ?? '', lines[a] ?? ''];
      return lines.join('\n');
    }
    case 4: { // duplicate or drop a line
      const lines = text.split('\n');
      const a = Math.floor(r() * lines.length);
      if (r() < 0.5) lines.splice(a, 0, lines[a] ?? '');
      else lines.splice(a, 1);
      return lines.join('\n');
    }
    case 5: case 6: { // insert a YAML fragment as a line
      const lines = text.split('\n');
      lines.splice(Math.floor(r() * (lines.length + 1)), 0, pick(FRAGMENTS));
      return lines.join('\n');
    }
    case 7: { // change a line's indentation
      const lines = text.split('\n');
      const a = Math.floor(r() * lines.length);
      const l = lines[a] ?? '';
      lines[a] = r() < 0.5 ? ` ${l}` : l.replace(/^ {1,2}/, '');
      return lines.join('\n');
    }
    default: // line ends: CRLF, or a lone CR somewhere
      return r() < 0.5 ? text.replace(/\n/g, '\r\n') : text.replace('\n', '\r');
  }
}
