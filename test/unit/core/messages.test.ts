/**
 * English and Korean messages: the catalog is complete in both languages with the same
 * placeholders, and a Korean analysis of broken models reports the same problems (codes, ranges,
 * severities, fix edits) as the English one, only worded in Korean. Hovers, completion, inlay hints
 * and lenses likewise keep their positions and change only their words.
 */
import * as assert from 'node:assert/strict';
import {
  analyzeModelText, codeLenses, completionsAt, hoverAt, inlayHints, LOCALES, MESSAGES, placeholders, resolveLocale, t,
} from '../../../src/core/index';
import type { Analysis, CoreDiagnostic, DiagnosticCode, MessageId } from '../../../src/core/index';
import { DATASET_TEXT_KO } from '../../../src/core/messages';
import { layerDefs, layerFields } from '../../../src/core/layers/index';
import { AUGMENT_FIELDS, FOLDER_FIELDS, TOP_LEVEL_FIELDS, TRAIN_FIELDS } from '../../../src/core/schema';
import { BUILTIN_DATASETS } from '../../../src/shared/modelSpec';
import { example, rangeIn } from './helpers';

const HANGUL = /[가-힣]/;
const UNFILLED = /\{\w+\}/;

/** Broken models, each aimed at one or more diagnostic codes (listed so coverage is checked). */
const BROKEN: readonly { text: string; codes: readonly DiagnosticCode[] }[] = [
  { codes: ['unknown-key', 'unknown-layer', 'unknown-value'], text: 'name: t\ndataset: mnst\nlayrs: []\nlayers:\n  - conv: { filters: 8, kernel: 3 }\n  - conv2d: { filters: 8, kernal: 3, padding: sme }\n  - dense: { units: 10, activation: softmax }\n' },
  { codes: ['wrong-type', 'out-of-range', 'dropout-range', 'missing-key'], text: 'dataset: mnist\nlayers:\n  - conv2d: { filters: -1, kernel: [3, x] }\n  - dense: {}\n  - dropout: { rate: 1.5 }\n  - dense: { units: 2.5, useBias: yes }\ntrain: { epochs: many, optimizer: adamw }\n' },
  { codes: ['shape-mismatch'], text: 'dataset: mnist\nlayers:\n  - conv2d: { filters: 8, kernel: 3 }\n  - maxpool2d: { pool: 2 }\n  - conv2d: { filters: 8, kernel: 30 }\n  - flatten\n  - dense: { units: 10, activation: softmax }\n' },
  { codes: ['shape-zero'], text: 'dataset: mnist\nlayers:\n  - maxpool2d: { pool: 50 }\n  - flatten\n  - dense: { units: 10, activation: softmax }\n' },
  { codes: ['missing-flatten'], text: 'dataset: mnist\nlayers:\n  - conv2d: { filters: 8, kernel: 3 }\n  - dense: { units: 10, activation: softmax }\n' },
  { codes: ['shape-mismatch'], text: 'dataset: mnist\nlayers:\n  - flatten\n  - conv2d: { filters: 8, kernel: 3 }\n  - dense: { units: 10, activation: softmax }\n' },
  { codes: ['class-mismatch', 'output-not-softmax', 'dropout-suggested'], text: 'dataset: mnist\nlayers:\n  - conv2d: { filters: 8, kernel: 3, activation: relu }\n  - flatten: {}\n  - dense: { units: 7, activation: relu }\n' },
  { codes: ['output-not-flat'], text: 'dataset: cifar10\nlayers:\n  - conv2d: { filters: 8, kernel: 3 }\n' },
  { codes: ['dropout-useless'], text: 'dataset: mnist\nlayers:\n  - flatten\n  - dropout: 0.5\n  - dropout: 0\n  - dense: { units: 10, activation: softmax }\n  - dropout: 0.2\n' },
  { codes: ['input-mismatch', 'dataset-classes', 'duplicate-name'], text: 'dataset: mnist\ngrayscale: false\ninput: [32, 32, 3]\nclasses: 5\nlayers:\n  - flatten: { name: a }\n  - dense: { units: 10, activation: softmax, name: a }\n' },
  { codes: ['layer-form', 'unresolved-alias'], text: 'dataset: *nowhere\nlayers:\n  - 42\n  - conv2d:\n    filters: 8\n  - dense: { units: 10, activation: softmax }\n' },
  { codes: ['yaml-syntax'], text: 'dataset: mnist\nlayers:\n  - conv2d: { filters: 8, kernel: 3\n  - ]]\n' },
  { codes: ['empty-model'], text: '# nothing yet\n' },
  { codes: ['not-a-map'], text: '- just\n- a list\n' },
  { codes: ['empty-model', 'wrong-type'], text: 'dataset: { folder: 3, imageSize: [1, 2, 3] }\ntrain: 5\nlayers: []\n' },
];

function shape(d: CoreDiagnostic): unknown {
  return { range: d.range, severity: d.severity, code: d.code, fix: (d.fix ?? []).map((f) => ({ edits: f.edits, preferred: f.preferred })) };
}

describe('messages: English and Korean', () => {
  it('every catalog entry has both languages, the same placeholders, and real Korean', () => {
    const ids = Object.keys(MESSAGES) as MessageId[];
    assert.ok(ids.length > 80, `catalog has ${ids.length} entries`);
    for (const id of ids) {
      const m = MESSAGES[id];
      for (const l of LOCALES) assert.ok(m[l].trim() !== '', `${id}: empty ${l}`);
      assert.deepEqual(placeholders(m.ko).sort(), placeholders(m.en).sort(), `${id}: placeholders differ`);
      assert.match(m.ko, HANGUL, `${id}: Korean template has no Korean`);
    }
  });

  it('t fills every placeholder, keeps the values verbatim, and leaves unknown ones visible', () => {
    assert.equal(t('en', 'fix.setUnits', { value: 10 }), 'Set units to 10');
    assert.equal(t('ko', 'fix.setUnits', { value: 10 }), 'units를 10(으)로 설정');
    assert.equal(t('ko', 'key.missing', { where: 'conv2d', key: 'kernel', doc: '{x}' }), 'conv2d에 "kernel" 키가 필요합니다: {x}');
    assert.equal(t('en', 'fix.setUnits'), 'Set units to {value}');
  });

  it('every field, layer and built-in data set has a Korean doc', () => {
    const fields = [...TOP_LEVEL_FIELDS, ...TRAIN_FIELDS, ...AUGMENT_FIELDS, ...FOLDER_FIELDS, ...layerDefs().flatMap((d) => layerFields(d.type))];
    for (const f of fields) assert.match(f.docKo, HANGUL, `${f.key}: ${f.docKo}`);
    for (const d of layerDefs()) assert.match(d.docs.ko, HANGUL, d.type);
    for (const d of BUILTIN_DATASETS) assert.match(DATASET_TEXT_KO[d].description, HANGUL, d);
  });

  it('resolveLocale: any ko tag is Korean, everything else English', () => {
    for (const k of ['ko', 'ko-KR', 'KO', 'ko_kr']) assert.equal(resolveLocale(k), 'ko', k);
    for (const e of ['en', 'en-US', 'de', 'kok', 'zh-cn', '', undefined, 42]) assert.equal(resolveLocale(e), 'en', String(e));
  });

  it('a Korean analysis gives the same codes, ranges and fix edits as the English one, in Korean', () => {
    const covered = new Set<DiagnosticCode>();
    for (const { text, codes } of BROKEN) {
      const en = analyzeModelText(text);
      const ko = analyzeModelText(text, { locale: 'ko' });
      assert.deepEqual(analyzeModelText(text, { locale: 'en' }), en, 'en is the default');
      assert.deepEqual(ko.diagnostics.map(shape), en.diagnostics.map(shape), text);
      assert.deepEqual(ko.spec, en.spec);
      for (const code of codes) assert.ok(en.diagnostics.some((d) => d.code === code), `${code} not produced by:\n${text}`);
      ko.diagnostics.forEach((d, i) => {
        covered.add(d.code);
        const e = en.diagnostics[i] as CoreDiagnostic;
        assert.match(d.message, HANGUL, `${d.code}: ${d.message}`);
        assert.notEqual(d.message, e.message);
        assert.doesNotMatch(d.message, UNFILLED, d.message);
        assert.doesNotMatch(e.message, UNFILLED, e.message);
        (d.fix ?? []).forEach((f, j) => {
          assert.match(f.title, HANGUL, f.title);
          assert.notEqual(f.title, e.fix?.[j]?.title);
        });
      });
    }
    const expected = BROKEN.flatMap((b) => b.codes);
    for (const code of expected) assert.ok(covered.has(code), code);
  });

  it('English messages are unchanged in wording (spot checks)', () => {
    const a = analyzeModelText(BROKEN[4]?.text ?? '');
    assert.equal(a.diagnostics[0]?.message, 'dense expects a flat vector, but gets a 26×26×8 tensor; add flatten (or globalavgpool2d) before it');
    assert.equal(a.diagnostics[0]?.fix?.[0]?.title, 'Insert flatten before this layer');
    const k = analyzeModelText(BROKEN[4]?.text ?? '', { locale: 'ko' });
    assert.equal(k.diagnostics[0]?.message, 'dense에는 1차원 벡터가 들어와야 하는데 26×26×8 텐서가 들어옵니다. 앞에 flatten(또는 globalavgpool2d)을 추가하세요');
    assert.equal(k.diagnostics[0]?.fix?.[0]?.title, '이 층 앞에 flatten 넣기');
  });

  describe('hover, completion, inlay hints and lenses', () => {
    const text = example('cifar10-alexnet.cnn.yaml');
    let en: Analysis;
    let ko: Analysis;
    before(() => {
      en = analyzeModelText(text);
      ko = analyzeModelText(text, { locale: 'ko' });
      assert.ok(en.summary && ko.summary, 'the example is valid');
    });

    it('hover on a layer, a layer key, a top-level key and the data set: same range, Korean words, same numbers', () => {
      const spots = [rangeIn(text, '- conv2d', 'conv2d').start, rangeIn(text, 'filters: 16', 'filters').start, rangeIn(text, '\nlayers:', 'layers').start, rangeIn(text, 'dataset: cifar10', 'cifar10').start];
      for (const pos of spots) {
        const he = hoverAt(text, en, pos);
        const hk = hoverAt(text, ko, pos, { locale: 'ko' });
        assert.ok(he && hk, JSON.stringify(pos));
        assert.deepEqual(hk.range, he.range);
        assert.match(hk.markdown, HANGUL, hk.markdown);
        assert.doesNotMatch(hk.markdown, UNFILLED);
        const numbers = (s: string): string[] => (s.match(/\d[\d,]*/g) ?? []).filter((n) => n.length > 2);
        for (const n of numbers(he.markdown).filter((n) => /,/.test(n))) assert.ok(hk.markdown.includes(n), `${n} missing from ${hk.markdown}`);
      }
      const conv = hoverAt(text, ko, rangeIn(text, '- conv2d', 'conv2d').start, { locale: 'ko' });
      assert.match(conv?.markdown ?? '', /\| 출력 \| \*\*/);
      assert.match(conv?.markdown ?? '', /\*\*컬러 입력:\*\*/);
    });

    it('completion: same labels and insert texts, Korean details and docs', () => {
      const spots = [
        { text: 'dataset: mnist\nlayers:\n  - ', pos: { line: 2, character: 4 } },
        { text: 'dataset: mnist\nlayers:\n  - conv2d: { ', pos: { line: 2, character: 14 } },
        { text: 'dataset: mnist\nlayers:\n  - conv2d: { padding: ', pos: { line: 2, character: 23 } },
        { text: 'dataset: ', pos: { line: 0, character: 9 } },
      ];
      for (const s of spots) {
        const ce = completionsAt(s.text, s.pos);
        const ck = completionsAt(s.text, s.pos, { locale: 'ko' });
        assert.ok(ce.length > 0);
        assert.deepEqual(ck.map((c) => [c.label, c.insertText, c.sortText]), ce.map((c) => [c.label, c.insertText, c.sortText]));
        for (const c of ck) {
          if (c.documentation !== undefined) assert.match(c.documentation, HANGUL, `${c.label}: ${c.documentation}`);
          if (c.detail !== undefined) assert.match(c.detail, HANGUL, `${c.label}: ${c.detail}`);
        }
      }
    });

    it('inlay hints and lenses: same positions and commands, Korean labels', () => {
      const he = inlayHints(text, en);
      const hk = inlayHints(text, ko, undefined, { locale: 'ko' });
      assert.deepEqual(hk.map((h) => h.position), he.map((h) => h.position));
      assert.match(hk[0]?.label ?? '', /^ 입력 32×32×3 · 클래스 10개$/);
      assert.ok(hk.some((h) => /파라미터 [\d,]+개/.test(h.label)));
      for (const h of hk.slice(1)) assert.match(h.tooltip ?? '', /출력 .* 샘플당 MAC/);
      const le = codeLenses(en);
      const lk = codeLenses(ko, { locale: 'ko' });
      assert.deepEqual(lk.map((l) => [l.range, l.command]), le.map((l) => [l.range, l.command]));
      assert.deepEqual(lk.map((l) => l.title.replace(/[\d,.]+[kMG]?/g, '#')), ['파라미터 #개 · MAC #', '$(play) 학습', '요약']);
      const broken = analyzeModelText(BROKEN[3]?.text ?? '', { locale: 'ko' });
      assert.equal(codeLenses(broken, { locale: 'ko' })[0]?.title, '$(error) 오류 1개: 고치면 합계를 보고 학습할 수 있습니다');
    });
  });
});
