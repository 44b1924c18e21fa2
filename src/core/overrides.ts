/**
 * Run overrides (the CLI's `--epochs`, `--dataset`, `--grayscale`; the extension's epochs) applied
 * to the model TEXT, not to the parsed spec: the edited text is analysed again (so the input shape
 * is re-inferred from the new data set and every rule of the language still holds) and saved in
 * the run folder by src/host/runSession.ts, so the run's model.cnn.yaml is exactly what was trained. Data-set switches use the core's
 * `datasetEdits` (the refactoring behind the editor's "Switch data set" command: dataset, grayscale,
 * input shape, classes and the output layer's units); `--epochs` is a minimal in-place edit here.
 * Comments and layout are kept; a shape the minimal edit does not handle falls back to
 * re-serialising the document.
 */
import { isMap, isPair, isScalar, parseDocument, type Document, type Pair, type YAMLMap } from 'yaml';
import { applyEdits, datasetEdits } from './edits';
import type { BuiltinDatasetName, DatasetSpec } from '../shared/modelSpec';

export interface ModelOverrides {
  readonly epochs?: number | undefined;
  readonly dataset?: BuiltinDatasetName | undefined;
  readonly grayscale?: boolean | undefined;
}

/** What the file says now (from its analysis): needed to keep the data set when only --grayscale is given. */
export interface CurrentData {
  readonly dataset: DatasetSpec;
  readonly grayscale: boolean;
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

/** The in-place edit that sets train.epochs, or null when the layout needs the fallback. */
function epochsEdit(text: string, map: YAMLMap, epochs: number): Edit | null {
  const train = findPair(map, 'train');
  if (!train) {
    return { start: text.length, end: text.length, text: `${text.endsWith('\n') || text === '' ? '' : '\n'}train:\n  epochs: ${epochs}\n` };
  }
  if (!isMap(train.value)) return null;
  const existing = findPair(train.value, 'epochs');
  if (existing) {
    const r = (existing.value as { range?: [number, number, number] } | null | undefined)?.range;
    return isScalar(existing.value) && r ? { start: r[0], end: r[1], text: String(epochs) } : null;
  }
  if (train.value.flow === true) return null;
  const first = train.value.items[0];
  const kr = first && isScalar(first.key) ? first.key.range : undefined;
  if (!kr) return null;
  const start = lineStart(text, kr[0]);
  const indent = text.slice(start, kr[0]);
  if (!/^[ \t]*$/.test(indent)) return null;
  return { start, end: start, text: `${indent}epochs: ${epochs}\n` };
}

function setEpochs(text: string, epochs: number): string {
  const doc: Document.Parsed = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0 || !isMap(doc.contents)) throw new OverrideError('the model file is not a YAML map; fix it before overriding its settings');
  const e = epochsEdit(text, doc.contents, epochs);
  if (e !== null) return text.slice(0, e.start) + e.text + text.slice(e.end);
  doc.setIn(['train', 'epochs'], epochs);
  return doc.toString();
}

/**
 * The model text with the overrides applied; the text itself when there are none. `current` is
 * what the unedited file says about its data (from `analyzeModelText`).
 */
export function applyOverrides(text: string, o: ModelOverrides, current: CurrentData): string {
  let out = text;
  if (o.dataset !== undefined || (o.grayscale === true && !current.grayscale)) {
    const target = o.dataset ?? (current.dataset.kind === 'builtin' ? current.dataset.name : { folder: current.dataset.path });
    out = applyEdits(out, datasetEdits(out, target, o.grayscale === true || current.grayscale));
  }
  if (o.epochs !== undefined) out = setEpochs(out, o.epochs);
  return out;
}
