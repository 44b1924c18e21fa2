/**
 * Whole-model refactorings as text edits (commands "Dropout placement…" and "Switch data set…"),
 * plus `applyEdits` for tests and the CLI. Edits keep the user's formatting and comments.
 */
import { DATASETS } from '../shared/datasets';
import { CnnLabError } from '../shared/errors';
import type { BuiltinDatasetName } from '../shared/modelSpec';
import { isLayerType, layerDef } from './layers/index';
import type { LayerKind, LayerType } from './layers/index';
import { edit, insertLayerAfter, removeLayers, replaceLayer, replaceNode, topMap } from './textEdits';
import type { TextEdit } from './types';
import { findPair, isMap, pairValue, isScalar, isSeq, keyName, keyNode, SourceText, valueNode } from './yamlText';
import type { Pair, YamlNode, YAMLMap, YAMLSeq } from './yamlText';

export type DropoutPlacement = 'none' | 'afterFlatten' | 'afterEveryDense' | 'afterEveryConvBlock';

/** Applies non-overlapping edits (LSP semantics: all ranges refer to the original text). */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const starts = lineStarts(text);
  const off = (p: { line: number; character: number }): number => {
    if (p.line >= starts.length) return text.length;
    const s = starts[Math.max(0, p.line)] ?? 0;
    const next = p.line + 1 < starts.length ? (starts[p.line + 1] ?? text.length) : text.length;
    return Math.min(s + p.character, next);
  };
  const sorted = edits
    .map((e, i) => ({ s: off(e.range.start), e: off(e.range.end), t: e.newText, i }))
    .sort((a, b) => a.s - b.s || a.e - b.e || a.i - b.i);
  let out = '';
  let pos = 0;
  for (const e of sorted) {
    if (e.s < pos) throw new CnnLabError('E_INTERNAL', 'overlapping text edits');
    out += text.slice(pos, e.s) + e.t;
    pos = e.e;
  }
  return out + text.slice(pos);
}

/** Line start offsets; lines end at `\n`, `\r\n` or a lone `\r`, as in LSP. */
function lineStarts(text: string): number[] {
  const s = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || (c === 13 && text.charCodeAt(i + 1) !== 10)) s.push(i + 1);
  }
  return s;
}

interface LayerItem { index: number; type: LayerType | null; node: YamlNode | null }

function layersOf(src: SourceText): { seq: YAMLSeq; items: LayerItem[] } {
  if (src.doc.errors.length > 0) throw new CnnLabError('E_MODEL_INVALID', 'the model file has YAML syntax errors', 'Fix the errors shown in the editor first.');
  const top = topMap(src);
  const pair = top ? findPair(top, 'layers') : undefined;
  const seq = pair ? valueNode(pair) : null;
  if (!isSeq(seq)) throw new CnnLabError('E_MODEL_INVALID', 'the model file has no `layers:` list', 'Add a `layers:` list first.');
  const items = seq.items.map((raw, index): LayerItem => {
    const node = raw as YamlNode | null;
    let t: string | null = null;
    if (isScalar(node) && typeof node.value === 'string') t = node.value;
    else if (isMap(node) && node.items[0]) t = keyName(node.items[0]);
    return { index, type: t !== null && isLayerType(t) ? t : null, node };
  });
  return { seq, items };
}

const kindOf = (it: LayerItem | undefined): LayerKind | null => (it?.type ? layerDef(it.type).traits.kind : null);

/** Indices (into the full item list) after which a dropout goes, for a placement. */
function placementTargets(items: readonly LayerItem[], placement: DropoutPlacement): number[] {
  const real = items.filter((it) => kindOf(it) !== 'dropout');
  const denseIdx = real.filter((it) => kindOf(it) === 'dense').map((it) => it.index);
  const outIdx = denseIdx[denseIdx.length - 1] ?? -1;
  switch (placement) {
    case 'none':
      return [];
    case 'afterFlatten': {
      const flat = real.find((it) => kindOf(it) === 'flattening' && (outIdx < 0 || it.index < outIdx));
      if (flat) return [flat.index];
      // No flattening layer: directly before the output layer.
      const k = real.findIndex((it) => it.index === outIdx);
      const prev = k > 0 ? real[k - 1] : undefined;
      return prev ? [prev.index] : [];
    }
    case 'afterEveryDense':
      return denseIdx.filter((i) => i !== outIdx);
    case 'afterEveryConvBlock': {
      const out: number[] = [];
      // A conv block: convolutions with their padding, normalisation, activations and pooling.
      const spatial = new Set<LayerKind | null>(['convolution', 'padding', 'pooling', 'normalization', 'activation']);
      let sawConv = false;
      real.forEach((it, k) => {
        if (!spatial.has(kindOf(it))) { sawConv = false; return; }
        if (kindOf(it) === 'convolution') sawConv = true;
        const next = real[k + 1];
        const isPool = kindOf(it) === 'pooling';
        const nextPool = kindOf(next) === 'pooling';
        // A block ends at its pooling layer, or where the spatial run ends.
        const blockEnd = isPool ? !nextPool : (!next || !spatial.has(kindOf(next)));
        if (sawConv && blockEnd) { out.push(it.index); sawConv = false; }
      });
      return out;
    }
  }
}

/**
 * Edits that remove every existing dropout layer and insert `dropout: { rate }` per placement.
 * A dropout already sitting at a target position is rewritten in place (keeping its comments).
 * Throws `E_MODEL_INVALID` when the file has YAML errors or no `layers:` list, and for a rate
 * outside [0, 1).
 */
export function dropoutPlacementEdits(text: string, placement: DropoutPlacement, rate: number): TextEdit[] {
  if (!(rate >= 0 && rate < 1)) throw new CnnLabError('E_MODEL_INVALID', `dropout rate ${rate} is outside [0, 1)`, 'Pick a rate such as 0.5.');
  const src = new SourceText(text);
  const { seq, items } = layersOf(src);
  const layerText = `dropout: { rate: ${rate} }`;
  const targets = placementTargets(items, placement);
  const kept = new Set<number>();
  const edits: TextEdit[] = [];
  for (const t of targets) {
    const next = items[t + 1];
    if (next?.type === 'dropout') {
      kept.add(next.index);
      const e = replaceLayer(src, seq, next.index, layerText);
      if (e && applyEdits(text, [e]) !== text) edits.push(e);
    } else {
      const e = insertLayerAfter(src, seq, t, layerText);
      if (e) edits.push(e);
    }
  }
  const removed = items.filter((it) => it.type === 'dropout' && !kept.has(it.index)).map((it) => it.index);
  edits.push(...removeLayers(src, seq, removed));
  return edits;
}

function flowScalar(s: string): string {
  return /^[A-Za-z0-9_./~][A-Za-z0-9_./~ -]*$/.test(s) && !/\s$/.test(s) ? s : JSON.stringify(s);
}

function pairSpan(src: SourceText, pair: Pair): { lineStart: number; lineEnd: number } | null {
  const k = keyNode(pair);
  if (!k?.range) return null;
  const vr = valueNode(pair)?.range;
  const end = vr ? src.trimEnd(vr[0], vr[1]) : k.range[1];
  return { lineStart: src.lineStartOf(k.range[0]), lineEnd: src.lineEndAfter(Math.max(k.range[0], end - 1)) };
}

/** Replace the value of a top-level pair, keeping it on the key's line. */
function setValue(src: SourceText, pair: Pair, text: string): TextEdit | null {
  const k = keyNode(pair);
  const v = valueNode(pair);
  if (!k?.range) return null;
  const end = v?.range ? src.trimEnd(v.range[0], v.range[1]) : k.range[1];
  return edit(src, k.range[1], end, `: ${text}`);
}

function insertTopLevelAfter(src: SourceText, top: YAMLMap, after: Pair | undefined, line: string): TextEdit {
  const span = after ? pairSpan(src, after) : null;
  const at = span?.lineEnd ?? 0;
  const first = top.items[0] ? keyNode(top.items[0]) : null;
  const col = first?.range ? first.range[0] - src.lineStartOf(first.range[0]) : 0;
  const nl = at === src.text.length && at > 0 && !src.text.endsWith('\n') ? '\n' : '';
  return edit(src, at, at, `${nl}${' '.repeat(col)}${line}\n`);
}

/**
 * Edits that switch the data set: the `dataset` value, `grayscale`, a given `input` shape, the
 * `classes` key (folders only) and the output layer's units (built-ins know their classes).
 * Throws `E_MODEL_INVALID` when the file has YAML errors or is not a map.
 */
export function datasetEdits(text: string, dataset: BuiltinDatasetName | { folder: string }, grayscale: boolean): TextEdit[] {
  const src = new SourceText(text);
  if (src.doc.errors.length > 0) throw new CnnLabError('E_MODEL_INVALID', 'the model file has YAML syntax errors', 'Fix the errors shown in the editor first.');
  const top = topMap(src);
  if (!top) throw new CnnLabError('E_MODEL_INVALID', 'the model file is not a map of keys', 'Start from an example model file.');
  const edits: TextEdit[] = [];
  const dsPair = findPair(top, 'dataset');
  let shape: [number, number, number];
  let classes: number | null;
  let dsText: string;
  if (typeof dataset === 'string') {
    const info = DATASETS[dataset];
    shape = [info.inputShape[0], info.inputShape[1], grayscale ? 1 : info.inputShape[2]];
    classes = info.classNames.length;
    dsText = dataset;
  } else {
    // Keep a previous folder's imageSize and testSplit.
    const old = dsPair ? valueNode(dsPair) : null;
    const sizeNode = isMap(old) ? pairValue(old, 'imageSize') : null;
    const splitNode = isMap(old) ? pairValue(old, 'testSplit') : null;
    let size: [number, number] = [32, 32];
    if (isSeq(sizeNode) && sizeNode.items.length === 2) {
      const [h, w] = sizeNode.items.map((n) => (isScalar(n) && typeof n.value === 'number' ? n.value : 32));
      size = [h ?? 32, w ?? 32];
    } else if (isScalar(sizeNode) && typeof sizeNode.value === 'number') size = [sizeNode.value, sizeNode.value];
    const split = isScalar(splitNode) && typeof splitNode.value === 'number' ? `, testSplit: ${splitNode.value}` : '';
    shape = [size[0], size[1], grayscale ? 1 : 3];
    const clsPair = findPair(top, 'classes');
    const cls = clsPair ? valueNode(clsPair) : null;
    classes = isScalar(cls) && typeof cls.value === 'number' ? cls.value : null;
    dsText = `{ folder: ${flowScalar(dataset.folder)}, imageSize: [${size[0]}, ${size[1]}]${split} }`;
  }
  const namePair = findPair(top, 'name');
  if (dsPair) {
    const e = setValue(src, dsPair, dsText);
    if (e) edits.push(e);
  } else edits.push(insertTopLevelAfter(src, top, namePair, `dataset: ${dsText}`));

  const grayPair = findPair(top, 'grayscale');
  if (grayPair) {
    const v = valueNode(grayPair);
    if (!(isScalar(v) && v.value === grayscale)) {
      const e = setValue(src, grayPair, String(grayscale));
      if (e) edits.push(e);
    }
  } else if (grayscale) {
    edits.push(insertTopLevelAfter(src, top, dsPair ?? namePair, 'grayscale: true'));
  }

  const inputPair = findPair(top, 'input');
  if (inputPair) {
    const e = setValue(src, inputPair, `[${shape.join(', ')}]`);
    if (e) edits.push(e);
  }
  const clsPair = findPair(top, 'classes');
  if (clsPair && typeof dataset === 'string') {
    const span = pairSpan(src, clsPair);
    if (span) edits.push(edit(src, span.lineStart, span.lineEnd, ''));
  }

  if (classes !== null) {
    const units = outputUnitsNode(src);
    if (units && !(isScalar(units) && units.value === classes)) edits.push(replaceNode(src, units, String(classes)));
  }
  return edits;
}

/** The `units` value of the last dense layer, if written. */
function outputUnitsNode(src: SourceText): YamlNode | null {
  let items: LayerItem[];
  try {
    items = layersOf(src).items;
  } catch {
    return null;
  }
  const out = [...items].reverse().find((it) => it.type === 'dense');
  if (!out || !isMap(out.node)) return null;
  const params = valueNode(out.node.items[0] as Pair);
  if (!isMap(params)) return null;
  const p = findPair(params, 'units');
  return p ? valueNode(p) : null;
}


/**
 * Edits that set the model's `name:` (inserted as the first key when missing), e.g. for the
 * variants of an experiment, whose runs must read apart in the Runs view. Throws `E_MODEL_INVALID`
 * when the file has YAML errors or is not a map.
 */
export function modelNameEdits(text: string, name: string): TextEdit[] {
  const src = new SourceText(text);
  if (src.doc.errors.length > 0) throw new CnnLabError('E_MODEL_INVALID', 'the model file has YAML syntax errors', 'Fix the errors shown in the editor first.');
  const top = topMap(src);
  if (!top) throw new CnnLabError('E_MODEL_INVALID', 'the model file is not a map of keys', 'Start from an example model file.');
  const pair = findPair(top, 'name');
  const e = pair ? setValue(src, pair, flowScalar(name)) : null;
  if (e) return [e];
  const first = top.items[0] ? keyNode(top.items[0]) : null;
  const at = first?.range ? src.lineStartOf(first.range[0]) : 0;
  const col = first?.range ? first.range[0] - at : 0;
  return [edit(src, at, at, `${' '.repeat(col)}name: ${flowScalar(name)}\n`)];
}
