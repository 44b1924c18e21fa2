/**
 * A fast path for the plain YAML that model files are written in: a block map at the top, block
 * maps and lists nested by indentation, one-line flow maps and lists (`{ filters: 32, kernel: 3 }`),
 * plain scalars and comments. It builds the same nodes, with the same source ranges, as the
 * `yaml` package (the language server's per-keystroke cost is mostly that package's general
 * parser), and gives up — returning null, so the caller runs the full parser — on anything else:
 * quotes, anchors, aliases, tags, block scalars, multi-line flow collections or plain scalars,
 * implicit nulls, duplicate keys, tabs, non-ASCII outside comments, or anything malformed.
 * Giving up is always safe; accepting is only allowed where the full parser would agree exactly
 * (test/unit/core/fastYaml.test.ts compares the two on the examples and thousands of mutations).
 *
 * Ranges follow the `yaml` package: `[start, valueEnd, nodeEnd]`. A scalar or flow collection
 * at the end of a line ends its node at the end of that line (trailing comment and line break
 * included); a block collection's value ends where its last item's node ends, and its node
 * extends to the next token of the document.
 */
import { Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import type { Node as YamlNode } from 'yaml';

/** One line with content: where its content starts and ends (comment and trailing spaces excluded). */
interface Line {
  indent: number;
  /** Offset of the first non-space character. */
  start: number;
  /** Offset just past the last content character. */
  end: number;
  /** Offset just past this line's line break (or the text end). */
  next: number;
}

type Range3 = [number, number, number];

/** Thrown to leave the fast path; one instance, so giving up costs no stack trace. */
class GiveUp extends Error {}
const GIVE_UP = new GiveUp('not plain YAML');
const giveUp = (): never => { throw GIVE_UP; };

const KEY_RE = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const INT_RE = /^[-+]?[0-9]+$/;
const FLOAT_RE = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
/** Characters a plain scalar of the fast path may hold (no indicators, quotes or spaces). */
const SCALAR_CHAR = /[A-Za-z0-9_./+-]/;
/** Words whose type the core schema changes, or that are null: left to the full parser. */
const SPECIAL = new Set(['null', 'Null', 'NULL', '~', 'true', 'True', 'TRUE', 'false', 'False', 'FALSE']);

/** The value the core schema gives a plain scalar; gives up where that is not a plain word or number. */
function scalarValue(s: string): string | number | boolean {
  if (s === 'true' || s === 'True' || s === 'TRUE') return true;
  if (s === 'false' || s === 'False' || s === 'FALSE') return false;
  if (INT_RE.test(s)) return parseInt(s, 10);
  if (FLOAT_RE.test(s)) return parseFloat(s);
  // Other words that start like a number (0x1f, 0o7, 1_000, -.5e, .inf, .nan) or are null: the full parser's call.
  if (/^[-+]?[0-9]|^[-+]?\.[0-9]|^[-+]?\.(?:inf|Inf|INF)$|^\.(?:nan|NaN|NAN)$/.test(s)) giveUp();
  if (s === '-' || SPECIAL.has(s)) giveUp();
  return s;
}

function scalar(value: string | number | boolean, range: Range3): Scalar {
  const node = new Scalar(value);
  node.range = range;
  return node;
}

/** Splits the text into content lines; gives up on anything the line model cannot hold. */
function scanLines(text: string): Line[] {
  const lines: Line[] = [];
  let pos = 0;
  let lastComment = -1;
  const n = text.length;
  while (pos < n) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = n;
    const next = nl < n ? nl + 1 : n;
    let lineEnd = nl;
    if (lineEnd > pos && text.charCodeAt(lineEnd - 1) === 13) {
      if (nl === n) giveUp(); // a lone `\r` at the end
      lineEnd--;
    }
    let i = pos;
    while (i < lineEnd && text.charCodeAt(i) === 32) i++;
    let end = i;
    let comment = false;
    for (let j = i; j < lineEnd; j++) {
      const c = text.charCodeAt(j);
      if (c === 35 /* # */) {
        if (j > i && text.charCodeAt(j - 1) !== 32) giveUp();
        comment = true;
        // Comments may hold any text but characters that some readers take for line breaks.
        for (let k = j + 1; k < lineEnd; k++) {
          const d = text.charCodeAt(k);
          if (d < 32 || d === 0x85 || d === 0x2028 || d === 0x2029 || d === 0xfeff || (d >= 0xd800 && d <= 0xdfff)) giveUp();
        }
        break;
      }
      // Printable ASCII only, and none of the characters that start quotes, anchors, aliases,
      // tags, block scalars, directives or complex keys.
      if (c < 32 || c > 126 || c === 34 || c === 39 || c === 38 || c === 42 || c === 33 || c === 124 || c === 62
        || c === 37 || c === 64 || c === 96 || c === 63) giveUp();
      if (c !== 32) end = j + 1;
    }
    if (end > i) {
      if (i === pos && (text.startsWith('---', i) || text.startsWith('...', i))) giveUp();
      lines.push({ indent: i - pos, start: i, end, next });
    } else if (comment) {
      lastComment = pos;
    }
    pos = next;
  }
  // Comments after the last content line: where the document's range ends then varies.
  const last = lines[lines.length - 1];
  if (last && lastComment > last.start) giveUp();
  return lines;
}

/** Deeper nesting than any model file needs is left to the full parser (and keeps recursion shallow). */
const MAX_DEPTH = 64;

class FastParser {
  private i = 0;
  private depth = 0;

  constructor(private readonly text: string, private readonly lines: readonly Line[]) {}

  private line(k: number): Line | undefined {
    return this.lines[k];
  }

  /** Offset of the next token after content line `k` (the text end after the last line). */
  private nextToken(k: number): number {
    return this.line(k + 1)?.start ?? this.text.length;
  }

  parseRoot(): YAMLMap {
    const first = this.line(0);
    if (!first || first.indent !== 0) return giveUp();
    const map = this.blockMap(0, first.start);
    if (this.i !== this.lines.length) giveUp();
    return map;
  }

  /**
   * A block map whose keys sit at `indent`; its first key starts at offset `from` on line
   * `this.i` (after a `- ` for a map inside a list item).
   */
  private blockMap(indent: number, from: number): YAMLMap {
    if (++this.depth > MAX_DEPTH) giveUp();
    const map = new YAMLMap();
    const start = from;
    let keyAt = from;
    const seen = new Set<string>();
    let end = from;
    for (;;) {
      const l = this.line(this.i) ?? giveUp();
      const colon = this.text.indexOf(':', keyAt);
      if (colon < 0 || colon >= l.end) giveUp();
      const key = this.text.slice(keyAt, colon);
      if (!KEY_RE.test(key) || SPECIAL.has(key) || seen.has(key)) giveUp();
      seen.add(key);
      const keyNode = scalar(key, [keyAt, colon, colon]);
      let value: YamlNode;
      if (colon + 1 === l.end) {
        // `key:` and the value on the following lines.
        this.i++;
        const nl = this.line(this.i);
        if (!nl) return giveUp();
        if (nl.indent > indent) value = this.blockNode(nl);
        else if (nl.indent === indent && this.text.charCodeAt(nl.start) === 45 /* - */) value = this.blockSeq(nl.indent);
        else return giveUp(); // implicit null
        end = (value.range as Range3)[2];
      } else {
        if (this.text.charCodeAt(colon + 1) !== 32) giveUp();
        let v = colon + 1;
        while (this.text.charCodeAt(v) === 32) v++;
        value = this.inlineValue(v, l);
        this.i++;
        end = l.next;
      }
      map.items.push(new Pair(keyNode, value));
      const nl = this.line(this.i);
      if (!nl || nl.indent < indent) break;
      if (nl.indent > indent) giveUp();
      if (this.text.charCodeAt(nl.start) === 45 /* - */) break; // a list at the parent key's indentation ends here
      keyAt = nl.start;
    }
    map.range = [start, end, this.blockEnd()];
    this.depth--;
    return map;
  }

  /** Node end of a block collection that ended on the line before `this.i`. */
  private blockEnd(): number {
    return this.nextToken(this.i - 1);
  }

  /** A block node starting on line `l` (the current line). */
  private blockNode(l: Line): YamlNode {
    return this.text.charCodeAt(l.start) === 45 /* - */ ? this.blockSeq(l.indent) : this.blockMap(l.indent, l.start);
  }

  /** A block list whose dashes sit at `indent`. */
  private blockSeq(indent: number): YAMLSeq {
    if (++this.depth > MAX_DEPTH) giveUp();
    const seq = new YAMLSeq();
    const first = this.line(this.i) ?? giveUp();
    const start = first.start;
    let end = start;
    for (;;) {
      const l = this.line(this.i) ?? giveUp();
      if (this.text.charCodeAt(l.start) !== 45 || this.text.charCodeAt(l.start + 1) !== 32) giveUp();
      let c = l.start + 1;
      while (this.text.charCodeAt(c) === 32) c++;
      if (c >= l.end) giveUp(); // `-` with nothing after it
      const ch = this.text.charCodeAt(c);
      let item: YamlNode;
      if (ch === 123 || ch === 91) {
        item = this.inlineValue(c, l);
        this.i++;
        end = l.next;
      } else if (this.isKeyStart(c, l)) {
        item = this.blockMap(c - l.start + l.indent, c);
        end = (item.range as Range3)[1];
      } else {
        item = this.inlineValue(c, l);
        this.i++;
        end = l.next;
      }
      seq.items.push(item);
      const nl = this.line(this.i);
      if (!nl || nl.indent < indent) break;
      if (nl.indent > indent) giveUp();
      if (this.text.charCodeAt(nl.start) !== 45) break;
    }
    seq.range = [start, end, this.blockEnd()];
    this.depth--;
    return seq;
  }

  /** True when a `key:` starts at offset `c` of line `l`. */
  private isKeyStart(c: number, l: Line): boolean {
    let k = c;
    while (k < l.end && SCALAR_CHAR.test(this.text[k] ?? '')) k++;
    return k > c && this.text.charCodeAt(k) === 58 /* : */ && (k + 1 === l.end || this.text.charCodeAt(k + 1) === 32);
  }

  /** A scalar or one-line flow collection from offset `v` to the end of line `l`'s content. */
  private inlineValue(v: number, l: Line): YamlNode {
    const ch = this.text.charCodeAt(v);
    if (ch === 123 || ch === 91) {
      const flow = new FlowParser(this.text, v, l.end);
      const node = flow.collection();
      if (flow.pos !== l.end) giveUp();
      (node.range as Range3)[2] = l.next;
      return node;
    }
    const s = this.text.slice(v, l.end);
    for (let k = 0; k < s.length; k++) if (!SCALAR_CHAR.test(s[k] ?? '')) giveUp();
    return scalar(scalarValue(s), [v, l.end, l.next]);
  }
}

/** One-line flow collections: `{ a: 1, b: [2, 3] }`. */
class FlowParser {
  pos: number;
  private depth = 0;

  constructor(private readonly text: string, start: number, private readonly end: number) {
    this.pos = start;
  }

  private skip(): void {
    while (this.pos < this.end && this.text.charCodeAt(this.pos) === 32) this.pos++;
  }

  private expect(code: number): void {
    if (this.text.charCodeAt(this.pos) !== code || this.pos >= this.end) giveUp();
    this.pos++;
  }

  collection(): YAMLMap | YAMLSeq {
    if (++this.depth > MAX_DEPTH) giveUp();
    const node = this.text.charCodeAt(this.pos) === 123 ? this.map() : this.seq();
    this.depth--;
    return node;
  }

  private map(): YAMLMap {
    const map = new YAMLMap();
    map.flow = true;
    const start = this.pos;
    this.expect(123);
    this.skip();
    const seen = new Set<string>();
    if (this.text.charCodeAt(this.pos) !== 125) {
      for (;;) {
        const k = this.word();
        const key = this.text.slice(k[0], k[1]);
        if (!KEY_RE.test(key) || SPECIAL.has(key) || seen.has(key)) giveUp();
        seen.add(key);
        this.expect(58);
        if (this.text.charCodeAt(this.pos) !== 32) giveUp();
        this.skip();
        const value = this.value();
        map.items.push(new Pair(scalar(key, [k[0], k[1], k[1]]), value));
        this.skip();
        if (this.text.charCodeAt(this.pos) !== 44) break;
        this.pos++;
        this.skip();
      }
    }
    this.expect(125);
    map.range = [start, this.pos, this.pos];
    return map;
  }

  private seq(): YAMLSeq {
    const seq = new YAMLSeq();
    seq.flow = true;
    const start = this.pos;
    this.expect(91);
    this.skip();
    if (this.text.charCodeAt(this.pos) !== 93) {
      for (;;) {
        seq.items.push(this.value());
        this.skip();
        if (this.text.charCodeAt(this.pos) !== 44) break;
        this.pos++;
        this.skip();
      }
    }
    this.expect(93);
    seq.range = [start, this.pos, this.pos];
    return seq;
  }

  /** A flow value: a nested collection or a plain scalar (followed by a space, `,`, `}` or `]`). */
  private value(): YamlNode {
    const ch = this.text.charCodeAt(this.pos);
    if (ch === 123 || ch === 91) return this.collection();
    const [a, b] = this.word();
    // Scalar node ends run to the next token in flow collections; nothing reads them.
    const after = this.text.charCodeAt(b);
    if (b >= this.end || (after !== 32 && after !== 44 && after !== 125 && after !== 93)) giveUp();
    let e = b;
    while (e < this.end && this.text.charCodeAt(e) === 32) e++;
    return scalar(scalarValue(this.text.slice(a, b)), [a, b, e]);
  }

  private word(): [number, number] {
    const a = this.pos;
    while (this.pos < this.end && SCALAR_CHAR.test(this.text[this.pos] ?? '')) this.pos++;
    if (this.pos === a) giveUp();
    return [a, this.pos];
  }
}

/**
 * The top-level map of `text` when it lies in the plain subset, with the `yaml` package's nodes
 * and ranges; null when the full parser must read it (never an exception).
 */
export function parsePlainYaml(text: string): YAMLMap | null {
  try {
    const lines = scanLines(text);
    if (lines.length === 0) return null;
    return new FastParser(text, lines).parseRoot();
  } catch (err) {
    if (err === GIVE_UP) return null;
    throw err;
  }
}
