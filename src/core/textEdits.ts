/**
 * Minimal, formatting-preserving text edits on a parsed model file: insert, remove or replace a
 * layer list item, replace a value, add a key to a map. Block and flow YAML alike.
 */
import type { TextEdit } from './types';
import { isMap, itemSpan, keyNode, SourceText, valueNode } from './yamlText';
import type { YamlNode, YAMLMap, YAMLSeq } from './yamlText';

export function edit(src: SourceText, start: number, end: number, newText: string): TextEdit {
  return { range: src.range(start, end), newText };
}

/** `dropout: { rate: 0.5 }` as a list item for this list's style. */
function itemText(seq: YAMLSeq, layerText: string): string {
  return seq.flow === true ? `{ ${layerText} }` : layerText;
}

function itemAt(seq: YAMLSeq, index: number): YamlNode | null {
  const n = seq.items[index];
  return n !== null && typeof n === 'object' && 'range' in (n) ? (n as YamlNode) : null;
}

/** Insert `layerText` (e.g. `flatten: {}`) as a new item before item `index` (or at the end when index = length). */
export function insertLayerBefore(src: SourceText, seq: YAMLSeq, index: number, layerText: string): TextEdit | null {
  const node = itemAt(seq, index);
  if (!node) return index > 0 ? insertLayerAfter(src, seq, index - 1, layerText) : null;
  const span = itemSpan(src, seq, node);
  if (span.flow) return edit(src, span.start, span.start, `${itemText(seq, layerText)}, `);
  return edit(src, span.lineStart, span.lineStart, `${span.indent}- ${layerText}\n`);
}

export function insertLayerAfter(src: SourceText, seq: YAMLSeq, index: number, layerText: string): TextEdit | null {
  const node = itemAt(seq, index);
  if (!node) return null;
  const span = itemSpan(src, seq, node);
  if (span.flow) return edit(src, span.end, span.end, `, ${itemText(seq, layerText)}`);
  const needsNewline = span.lineEnd === src.text.length && !src.text.endsWith('\n');
  return edit(src, span.lineEnd, span.lineEnd, `${needsNewline ? '\n' : ''}${span.indent}- ${layerText}\n`);
}

/** Delete item `index`, with its line (block) or its comma (flow). */
export function removeLayer(src: SourceText, seq: YAMLSeq, index: number): TextEdit | null {
  const node = itemAt(seq, index);
  if (!node) return null;
  const span = itemSpan(src, seq, node);
  if (!span.flow) return edit(src, span.lineStart, span.lineEnd, '');
  const next = itemAt(seq, index + 1);
  if (next?.range) return edit(src, span.start, next.range[0], '');
  const prev = itemAt(seq, index - 1);
  if (prev?.range) return edit(src, prev.range[1], span.end, '');
  return edit(src, span.start, span.end, '');
}

/**
 * Delete several items. In flow lists, neighbouring removals would overlap at their commas, so
 * each run of adjacent items goes in one edit.
 */
export function removeLayers(src: SourceText, seq: YAMLSeq, indices: readonly number[]): TextEdit[] {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  if (seq.flow !== true) return sorted.map((i) => removeLayer(src, seq, i)).filter((e): e is TextEdit => e !== null);
  const out: TextEdit[] = [];
  for (let k = 0; k < sorted.length;) {
    let j = k;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j++;
    const first = sorted[k] ?? 0, last = sorted[j] ?? 0;
    const a = itemAt(seq, first)?.range, b = itemAt(seq, last)?.range;
    const next = itemAt(seq, last + 1)?.range, prev = itemAt(seq, first - 1)?.range;
    if (a && b) {
      if (next) out.push(edit(src, a[0], next[0], ''));
      else if (prev) out.push(edit(src, prev[1], b[1], ''));
      else out.push(edit(src, a[0], b[1], ''));
    }
    k = j + 1;
  }
  return out;
}

/** Replace item `index` by another layer. */
export function replaceLayer(src: SourceText, seq: YAMLSeq, index: number, layerText: string): TextEdit | null {
  const node = itemAt(seq, index);
  if (!node?.range) return null;
  return edit(src, node.range[0], src.trimEnd(node.range[0], node.range[1]), itemText(seq, layerText));
}

export function replaceNode(src: SourceText, node: YamlNode, newText: string): TextEdit {
  const r = node.range ?? [0, 0, 0];
  return edit(src, r[0], src.trimEnd(r[0], r[1]), newText);
}

/** Add `key: value` to a map, keeping its style (flow `{ a: 1, key: value }` or a new block line). */
export function addKeyToMap(src: SourceText, map: YAMLMap, key: string, value: string): TextEdit | null {
  const r = map.range;
  if (!r) return null;
  const last = map.items[map.items.length - 1];
  const lastRange = last ? (valueNode(last)?.range ?? keyNode(last)?.range) : undefined;
  const lastEnd = lastRange ? src.trimEnd(lastRange[0], lastRange[1]) : undefined;
  if (map.flow === true) {
    if (lastEnd === undefined) return edit(src, r[0] + 1, r[0] + 1, ` ${key}: ${value} `);
    return edit(src, lastEnd, lastEnd, `, ${key}: ${value}`);
  }
  const first = map.items[0];
  const firstKey = first ? keyNode(first) : null;
  if (!firstKey?.range || lastEnd === undefined) return null;
  const col = firstKey.range[0] - src.lineStartOf(firstKey.range[0]);
  const at = src.lineEndAfter(Math.max(firstKey.range[0], lastEnd - 1));
  const nl = at === src.text.length && !src.text.endsWith('\n') ? '\n' : '';
  return edit(src, at, at, `${nl}${' '.repeat(col)}${key}: ${value}\n`);
}

/** Top-level map of the document, if it is one. */
export function topMap(src: SourceText): YAMLMap | null {
  const c = src.doc.contents;
  return isMap(c) ? c : null;
}
