/**
 * YAML document access with exact source ranges: parsing, offset ⇄ position conversion (LSP
 * lines), and the text spans of list items and map entries that edits need.
 */
import { Alias, Document, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import type { Node as YamlNode, Pair } from 'yaml';
import { parsePlainYaml } from './fastYaml';
import type { Position, Range } from './types';

export type ParsedDoc = Document.Parsed;
export type { YamlNode, Pair };
export { isAlias, isMap, isPair, isScalar, isSeq, Scalar, YAMLMap, YAMLSeq, Alias };

/**
 * LSP ends a line at `\n`, `\r\n` or a lone `\r`; YAML only at `\n` and `\r\n`. A lone `\r`
 * becomes `\n` (same length, so every offset stays valid) and both agree on line numbers.
 */
export function normaliseLineEnds(text: string): string {
  return text.includes('\r') ? text.replace(/\r(?!\n)/g, '\n') : text;
}

export class SourceText {
  readonly doc: ParsedDoc;
  /** The document text with lone `\r` line ends turned into `\n` (offsets unchanged). */
  readonly text: string;
  /** Offset of the first character of each line. */
  readonly lineStarts: readonly number[];

  /** `fullParser`: skip the plain-YAML fast path (for tests and benchmarks). */
  constructor(text: string, fullParser = false) {
    this.text = normaliseLineEnds(text);
    const starts = [0];
    for (let i = this.text.indexOf('\n'); i >= 0; i = this.text.indexOf('\n', i + 1)) starts.push(i + 1);
    this.lineStarts = starts;
    const plain = fullParser ? null : parsePlainYaml(this.text);
    if (plain) {
      // The common case, several times faster: same nodes and ranges, no errors by construction.
      const doc = new Document() as ParsedDoc;
      doc.contents = plain as YAMLMap.Parsed;
      this.doc = doc;
    } else {
      // uniqueKeys reports duplicate keys as errors; aliases are resolved lazily by the validator
      // (never via toJS), so alias bombs cannot expand.
      // A broken file can make hundreds of YAMLErrors; their stack traces (never read) would
      // cost more than the parse itself.
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 0;
      try {
        this.doc = parseDocument(this.text, { prettyErrors: false, uniqueKeys: true, keepSourceTokens: false });
      } finally {
        Error.stackTraceLimit = limit;
      }
    }
  }

  /** LSP position of an offset (clamped to the text). */
  position(offset: number): Position {
    let o = Math.max(0, Math.min(offset, this.text.length));
    // Between the `\r` and `\n` of a CRLF is no LSP position: use the end of the line's text.
    if (o > 0 && this.text.charCodeAt(o) === 10 && this.text.charCodeAt(o - 1) === 13) o--;
    const starts = this.lineStarts;
    let lo = 0, hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] ?? 0) <= o) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: o - (starts[lo] ?? 0) };
  }

  range(start: number, end: number): Range {
    return { start: this.position(start), end: this.position(Math.max(start, end)) };
  }

  /** Range of a node's value (without trailing comments); whole document start when unknown. */
  nodeRange(node: YamlNode | null | undefined): Range {
    const r = node?.range;
    if (!r) return this.range(0, 0);
    return this.range(r[0], this.trimEnd(r[0], r[1]));
  }

  /** Block collections' ranges end after their last newline; ranges in diagnostics should not. */
  trimEnd(start: number, end: number): number {
    let e = Math.min(end, this.text.length);
    while (e > start && /\s/.test(this.text[e - 1] ?? '')) e--;
    return e;
  }

  offset(pos: Position): number {
    const starts = this.lineStarts;
    if (pos.line < 0) return 0;
    if (pos.line >= starts.length) return this.text.length;
    const start = starts[pos.line] ?? 0;
    const next = pos.line + 1 < starts.length ? (starts[pos.line + 1] ?? this.text.length) : this.text.length;
    return Math.min(start + Math.max(0, pos.character), next);
  }

  /** Offset of the start of the line that contains `offset`. */
  lineStartOf(offset: number): number {
    const i = this.text.lastIndexOf('\n', offset - 1);
    return i < 0 ? 0 : i + 1;
  }

  /** Offset just past the newline ending the line that contains `offset` (or the text end). */
  lineEndAfter(offset: number): number {
    const i = this.text.indexOf('\n', offset);
    return i < 0 ? this.text.length : i + 1;
  }
}

/** Key of a pair as a string, or null when the key is not a plain scalar. */
export function keyName(pair: Pair): string | null {
  const k = pair.key;
  if (isScalar(k) && (typeof k.value === 'string' || typeof k.value === 'number' || typeof k.value === 'boolean')) return String(k.value);
  return null;
}

export function keyNode(pair: Pair): YamlNode | null {
  const k = pair.key;
  return k !== null && typeof k === 'object' && 'range' in k ? (k as YamlNode) : null;
}

export function valueNode(pair: Pair): YamlNode | null {
  const v = pair.value;
  return v !== null && typeof v === 'object' && 'range' in v ? (v as YamlNode) : null;
}

/** The pair named `name` of a map, if any. */
export function findPair(map: YAMLMap, name: string): Pair | undefined {
  for (const it of map.items) if (keyName(it) === name) return it;
  return undefined;
}

/** The value node of key `name` in a map, if any. */
export function pairValue(map: YAMLMap, name: string): YamlNode | null {
  const p = findPair(map, name);
  return p ? valueNode(p) : null;
}

/** True when the value is an explicit or implicit null (`key:` or `key: ~`). */
export function isNullish(node: YamlNode | null): boolean {
  return node === null || (isScalar(node) && node.value === null);
}

/** How a list item sits in the text: its dash line, indentation and end, for line-based edits. */
export interface ItemSpan {
  /** Start of the node (after `- `). */
  start: number;
  /** End of the node's value. */
  end: number;
  /** Flow list item (`[a, b]`) rather than a block one. */
  flow: boolean;
  /** Block items: start of the line holding the dash, and its indentation text. */
  lineStart: number;
  indent: string;
  /** Block items: just past the newline that ends the item's last line. */
  lineEnd: number;
}

export function itemSpan(src: SourceText, seq: YAMLSeq, node: YamlNode): ItemSpan {
  const r = node.range ?? [0, 0, 0];
  const flow = seq.flow === true;
  const lineStart = src.lineStartOf(r[0]);
  const head = src.text.slice(lineStart, r[0]);
  const indent = /^[ \t]*/.exec(head)?.[0] ?? '';
  const end = src.trimEnd(r[0], r[1]);
  const lineEnd = src.lineEndAfter(Math.max(r[0], end - 1));
  return { start: r[0], end, flow, lineStart, indent, lineEnd };
}
