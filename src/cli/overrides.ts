/**
 * Command-line overrides (`--epochs`, `--dataset`, `--grayscale`) applied to the model TEXT, not to
 * the parsed spec: the edited text is analysed again (so the input shape is re-inferred from the
 * new data set and every rule of the language still holds) and saved in the run folder, so the
 * run's model.cnn.yaml is exactly what was trained. Edits are minimal, in place, keeping comments
 * and layout; a shape the minimal edit does not handle falls back to re-serialising the document.
 */
import { isMap, isPair, isScalar, parseDocument, type Document, type Pair, type YAMLMap } from 'yaml';
import type { BuiltinDatasetName } from '../shared/modelSpec';

export interface ModelOverrides {
  readonly epochs?: number | undefined;
  readonly dataset?: BuiltinDatasetName | undefined;
  readonly grayscale?: boolean | undefined;
}

interface Edit { readonly start: number; readonly end: number; readonly text: string }

/** Thrown when the text cannot take the overrides (not a YAML map at the top). */
export class OverrideError extends Error {}

function keyOf(pair: Pair): string | null {
  return isScalar(pair.key) ? String(pair.key.value) : null;
}

function findPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p): p is Pair => isPair(p) && keyOf(p) === key);
}

function lineStart(text: string, offset: number): number {
  const i = text.lastIndexOf('\n', offset - 1);
  return i < 0 ? 0 : i + 1;
}

function lineEnd(text: string, offset: number): number {
  const i = text.indexOf('\n', offset);
  return i < 0 ? text.length : i + 1;
}

/** Offsets of a pair written on one line (`key: value`), or null when it spans lines or has no ranges. */
function singleLinePair(text: string, pair: Pair): { start: number; end: number; valueStart: number; valueEnd: number } | null {
  const k = isScalar(pair.key) ? pair.key.range : undefined;
  const v = (pair.value as { range?: [number, number, number] } | null)?.range;
  if (!k || !v) return null;
  if (text.slice(k[0], v[1]).includes('\n')) return null;
  return { start: lineStart(text, k[0]), end: lineEnd(text, v[1]), valueStart: v[0], valueEnd: v[1] };
}

/** The minimal in-place edits, or null when some override needs the fallback. */
function minimalEdits(text: string, map: YAMLMap, o: ModelOverrides): Edit[] | null {
  const edits: Edit[] = [];
  const changesInput = o.dataset !== undefined || o.grayscale === true;

  if (o.dataset !== undefined) {
    const ds = findPair(map, 'dataset');
    const r = (ds?.value as { range?: [number, number, number] } | null | undefined)?.range;
    if (!ds || !r) return null;
    edits.push({ start: r[0], end: r[1], text: o.dataset });
    // `classes` belongs to image folders; a built-in data set knows its classes.
    const classes = findPair(map, 'classes');
    if (classes) {
      const span = singleLinePair(text, classes);
      if (!span) return null;
      edits.push({ start: span.start, end: span.end, text: '' });
    }
  }
  if (changesInput) {
    // An explicit input shape would contradict the new data set or channel count: drop it and let
    // the shape be inferred again.
    const input = findPair(map, 'input');
    if (input) {
      const span = singleLinePair(text, input);
      if (!span) return null;
      edits.push({ start: span.start, end: span.end, text: '' });
    }
  }
  if (o.grayscale === true) {
    const g = findPair(map, 'grayscale');
    const r = (g?.value as { range?: [number, number, number] } | null | undefined)?.range;
    if (g && r) edits.push({ start: r[0], end: r[1], text: 'true' });
    else if (g) return null;
    else {
      const ds = findPair(map, 'dataset');
      const span = ds ? singleLinePair(text, ds) : null;
      if (!span) return null;
      const indent = /^[ \t]*/.exec(text.slice(span.start))?.[0] ?? '';
      const at = span.end;
      edits.push({ start: at, end: at, text: `${at === text.length && !text.endsWith('\n') ? '\n' : ''}${indent}grayscale: true\n` });
    }
  }
  if (o.epochs !== undefined) {
    const train = findPair(map, 'train');
    if (!train) {
      edits.push({ start: text.length, end: text.length, text: `${text.endsWith('\n') || text === '' ? '' : '\n'}train:\n  epochs: ${o.epochs}\n` });
    } else {
      if (!isMap(train.value)) return null;
      const epochs = findPair(train.value, 'epochs');
      const r = (epochs?.value as { range?: [number, number, number] } | null | undefined)?.range;
      if (epochs && r) edits.push({ start: r[0], end: r[1], text: String(o.epochs) });
      else if (epochs) return null;
      else {
        if (train.value.flow === true) return null;
        const first = train.value.items[0];
        const kr = first && isScalar(first.key) ? first.key.range : undefined;
        if (!kr) return null;
        const start = lineStart(text, kr[0]);
        const indent = text.slice(start, kr[0]);
        if (!/^[ \t]*$/.test(indent)) return null;
        edits.push({ start, end: start, text: `${indent}epochs: ${o.epochs}\n` });
      }
    }
  }
  const sorted = [...edits].sort((a, b) => b.start - a.start);
  for (let i = 1; i < sorted.length; i++) {
    const later = sorted[i - 1];
    const earlier = sorted[i];
    if (later && earlier && earlier.end > later.start) return null; // overlapping: let the fallback do it
  }
  return sorted;
}

function viaDocument(doc: Document.Parsed, o: ModelOverrides): string {
  if (o.dataset !== undefined) {
    doc.set('dataset', o.dataset);
    doc.delete('classes');
  }
  if (o.dataset !== undefined || o.grayscale === true) doc.delete('input');
  if (o.grayscale === true) doc.set('grayscale', true);
  if (o.epochs !== undefined) doc.setIn(['train', 'epochs'], o.epochs);
  return doc.toString();
}

/** The model text with the overrides applied; the text itself when there are none. */
export function applyOverrides(text: string, o: ModelOverrides): string {
  if (o.epochs === undefined && o.dataset === undefined && o.grayscale !== true) return text;
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0 || !isMap(doc.contents)) throw new OverrideError('the model file is not a YAML map; fix it before overriding its settings');
  const edits = minimalEdits(text, doc.contents, o);
  if (edits === null) return viaDocument(doc, o);
  let out = text;
  for (const e of edits) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}
