/**
 * The plain-YAML fast path against the `yaml` package: wherever the fast path accepts a text,
 * the full parser reads it without errors and builds the same tree — same node kinds, flow
 * flags, keys and values, and the same source ranges (block collections compared without their
 * trailing whitespace, which every range user trims). Run on the examples, hand-written corner
 * cases and thousands of seeded mutations; the fast path must also accept the usual files.
 */
import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import { analyzeModelText } from '../../../src/core/index';
import { parsePlainYaml } from '../../../src/core/fastYaml';
import { EXAMPLES, example, mutate, rng } from './helpers';

type AnyNode = unknown;

function trimEnd(text: string, start: number, end: number): number {
  let e = Math.min(end, text.length);
  while (e > start && /\s/.test(text[e - 1] ?? '')) e--;
  return e;
}

function describeNode(n: AnyNode): string {
  if (isMap(n)) return `map${n.flow === true ? '(flow)' : ''}`;
  if (isSeq(n)) return `seq${n.flow === true ? '(flow)' : ''}`;
  if (isScalar(n)) return `scalar ${typeof n.value} ${JSON.stringify(n.value)}`;
  return String(n);
}

function same(text: string, fast: AnyNode, full: AnyNode, path: string): void {
  assert.equal(describeNode(fast), describeNode(full), `${path}: kind`);
  if (isScalar(fast) && isScalar(full)) assert.ok(Object.is(fast.value, full.value), `${path}: value`);
  const fr = (fast as { range?: number[] }).range, ur = (full as { range?: number[] }).range;
  assert.ok(fr && ur, `${path}: ranges`);
  assert.equal(fr[0], ur[0], `${path}: start`);
  const block = (isMap(full) || isSeq(full)) && full.flow !== true;
  if (block) assert.equal(trimEnd(text, fr[0] ?? 0, fr[1] ?? 0), trimEnd(text, ur[0] ?? 0, ur[1] ?? 0), `${path}: end`);
  else assert.equal(fr[1], ur[1], `${path}: end`);
  if ((isMap(fast) && isMap(full)) || (isSeq(fast) && isSeq(full))) {
    const a = fast.items as AnyNode[], b = full.items as AnyNode[];
    assert.equal(a.length, b.length, `${path}: item count`);
    a.forEach((x, i) => {
      const y = b[i];
      if (isPair(x) && isPair(y)) {
        same(text, x.key, y.key, `${path}.key${i}`);
        same(text, x.value, y.value, `${path}.${String(isScalar(y.key) ? y.key.value : i)}`);
      } else {
        same(text, x, y, `${path}[${i}]`);
      }
    });
  }
}

/** True when the fast path accepted `text` (and then agreed with the full parser). */
function agrees(text: string): boolean {
  const fast = parsePlainYaml(text);
  if (fast === null) return false;
  const full = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  assert.deepEqual(full.errors.map((e) => e.message), [], 'the fast path accepted a text with YAML errors');
  assert.deepEqual(full.warnings.map((e) => e.message), []);
  same(text, fast, full.contents, 'root');
  return true;
}

const CORNERS: Record<string, string> = {
  blockParams: 'dataset: mnist\nlayers:\n  - conv2d:\n      filters: 8\n      kernel: [3, 5]\n  - flatten\n  - dense:\n      units: 10\n      activation: softmax\n',
  sameIndentList: 'dataset: mnist\nlayers:\n- flatten\n- dense: { units: 10 }\ntrain: { epochs: 2 }\n',
  trailingComments: 'name: x  # the name\ndataset: mnist # digits\nlayers:   # all of them\n  - flatten   # flat\n  - dense: { units: 10 }  # out\ntrain:\n  epochs: 2 # two\n',
  headerComments: '# one\n#two\n\n  # three\nname: x\n',
  numbers: 'a: [1, -2, +3, 0, 007, 1.5, .5, 1., -0.25, 1e3, 2.5E-2, 99999999999999999999]\n',
  words: 'a: { b: ./images/x, c: a-b_c, d: x.y, e: true, f: False, g: TRUE, h: on, i: yes, j: -x, k: +x, l: y }\n',
  nested: 'a: { b: [1, [2, 3], { c: d }], e: {}, f: [] }\nb: []\nc: {}\n',
  compactMap: 'layers:\n  - a: 1\n    b: { c: 2 }\n    d:\n      e: 3\n  - f\n',
  crlf: 'name: x\r\ndataset: mnist\r\nlayers:\r\n  - flatten  # c\r\n  - dense: { units: 10 }\r\n',
  noFinalNewline: 'dataset: mnist\nlayers:\n  - dense: { units: 10 }',
  blankLines: 'name: x\n\n\ndataset: mnist\n   \nlayers:\n\n  - flatten\n\n  - dense: { units: 10 }\n\n\n',
  deepEnd: 'a:\n  b:\n    c: 1\nd: 2\n',
  wideSpaces: 'a:    { b:   1 ,  c:  [ 1 ,2 ] }\n',
  commentsBetweenLayers: 'dataset: mnist\nlayers:\n  # features\n  - conv2d: { filters: 8, kernel: 3 }\n\n  # classifier\n  - flatten\n  - dense:\n      units: 10\n      # deeper\n    # mid\n  # item\n  - dropout: 0.5\n  # after the list\n# top level\ntrain:\n  # first\n  epochs: 2\n  b: 1\n',
  commentBeforeValue: 'a:\n  # about b\n  b: 1\nc:\n# odd\n  - x\n',
  commentAfterBlockEnd: 'a:\n  b:\n    c: 1\n    # deep\n  # mid\nz: 2',
};

/** Texts the fast path must hand to the full parser. */
const REFUSED: Record<string, string> = {
  quoted: 'name: "x"\n', single: "name: 'x'\n", anchor: 'a: &x 1\nb: *x\n', tag: 'a: !!str 1\n', block: 'a: |\n  x\n',
  folded: 'a: >\n  x\n', implicitNull: 'a:\nb: 1\n', dupKey: 'a: 1\na: 2\n', flowDup: 'a: { b: 1, b: 2 }\n',
  multiLineFlow: 'a: { b: 1,\n  c: 2 }\n', multiLinePlain: 'a: b\n  c\n', tab: 'a:\t1\n', tabIndent: 'a:\n\tb: 1\n',
  nonAscii: 'name: café\n', docStart: '---\na: 1\n', docEnd: 'a: 1\n...\n', directive: '%YAML 1.2\n---\na: 1\n',
  complexKey: '? a\n: 1\n', hex: 'a: 0x1f\n', oct: 'a: 0o17\n', inf: 'a: .inf\n', nan: 'a: .NaN\n', nul: 'a: null\n',
  tilde: 'a: ~\n', spaceInScalar: 'name: my model\n', colonInScalar: 'a: b:c\n', trailingComma: 'a: { b: 1, }\n',
  emptyValue: 'a: { b: }\n', emptyItem: 'a:\n  -\n  - b\n', hashInWord: 'a: b#c\n',
  topList: '- a\n- b\n', topScalar: 'a\n', indentedTop: '  a: 1\n', nestedDash: 'a:\n  - - 1\n', keyNumber: '1: a\n',
  keyBool: 'true: a\n', keySpaceColon: 'a : 1\n', emoji: 'a: 1 # 😀\n', bom: '\ufeffa: 1\n',
  badIndent: 'a:\n    b: 1\n  c: 2\n', trailingComment: 'a: 1\n# end\n', trailingCommentNoNewline: 'a: 1\n  # end', seqAfterScalar: 'a: 1\n- b\n',
};

describe('core fast YAML path: same tree as the yaml package', function () {
  this.timeout(120_000);
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.cnn.yaml')).sort();

  it('accepts every shipped example (LF and CRLF) and builds the yaml package\'s tree', () => {
    for (const f of files) {
      assert.ok(agrees(example(f)), f);
      assert.ok(agrees(example(f).replace(/\n/g, '\r\n')), `${f} (CRLF)`);
    }
  });

  for (const [name, text] of Object.entries(CORNERS)) {
    it(`accepts and agrees: ${name}`, () => assert.ok(agrees(text), 'the fast path refused it'));
  }

  it('hands everything else to the full parser', () => {
    for (const [name, text] of Object.entries(REFUSED)) assert.equal(parsePlainYaml(text), null, name);
  });

  it('agrees on 3,000 seeded mutations of the examples, and accepts a good share of them', () => {
    const r = rng(4_242);
    let accepted = 0;
    const N = 3000;
    for (let i = 0; i < N; i++) {
      let text = example(files[i % files.length] ?? 'mnist.cnn.yaml');
      for (let k = 1 + Math.floor(r() * 3); k > 0; k--) text = mutate(text, r);
      try {
        if (agrees(text)) accepted++;
      } catch (err) {
        assert.fail(`mutation ${i}: ${err instanceof Error ? err.message : String(err)}\n${JSON.stringify(text)}`);
      }
    }
    assert.ok(accepted > N * 0.15, `only ${accepted} of ${N} accepted`);
  });

  it('a 200-layer file takes the fast path and analyses to the same result', () => {
    const lines = ['name: deep', 'dataset: cifar10', 'layers:'];
    for (let i = 0; i < 98; i++) lines.push('  - conv2d: { filters: 8, kernel: 3, padding: same, activation: relu }', '  - batchnorm: {}');
    lines.push('  - flatten: {}', '  - dropout: { rate: 0.5 }', '  - dense: { units: 10, activation: softmax }');
    const text = `${lines.join('\n')}\n`;
    assert.ok(agrees(text));
    // A quote anywhere sends the same model through the full parser: the analysis must not change
    // beyond the renamed model.
    const slow = analyzeModelText(text.replace('name: deep', 'name: "deep"'));
    assert.deepEqual(analyzeModelText(text), slow);
  });
});

describe('core fast YAML path: deep nesting', () => {
  it('gives deep flow and block nesting to the full parser instead of recursing without bound', () => {
    assert.equal(parsePlainYaml(`x: ${'['.repeat(5000)}${']'.repeat(5000)}\n`), null);
    assert.equal(parsePlainYaml(`x: ${'{ a: '.repeat(100)}1${' }'.repeat(100)}\n`), null);
    const deep = Array.from({ length: 100 }, (_, i) => `${' '.repeat(2 * i)}a${i}:`).join('\n') + ' 1\n';
    assert.equal(parsePlainYaml(deep), null);
    const shallow = Array.from({ length: 10 }, (_, i) => `${' '.repeat(2 * i)}a${i}:`).join('\n') + ' 1\n';
    assert.ok(parsePlainYaml(shallow));
  });
});
