/**
 * Property test: seeded random mutations of the shipped examples (character insertions and
 * deletions, line swaps and duplications, indentation changes, random YAML fragments, CRLF and
 * lone-CR line ends) fed to every entry point of the core. Nothing may throw (the edit functions
 * may refuse with a CnnLabError only), the analysis never falls back to `internal-error`, and
 * every range or position handed to an editor lies inside the document as LSP counts lines
 * (`\n`, `\r\n` and a lone `\r` all end a line).
 */
import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import {
  analyzeModelText, applyEdits, codeLenses, completionsAt, datasetEdits, dropoutPlacementEdits, formatSummaryTable,
  hoverAt, inlayHints,
} from '../../../src/core/index';
import type { Analysis, DropoutPlacement, Position, Range, TextEdit } from '../../../src/core/index';
import { CnnLabError } from '../../../src/shared/errors';
import { BUILTIN_DATASETS } from '../../../src/shared/modelSpec';
import { parsePlainYaml } from '../../../src/core/fastYaml';
import { normaliseLineEnds } from '../../../src/core/yamlText';
import { EXAMPLES, example, mutate, rng } from './helpers';

let fastPathTaken = 0;

const PLACEMENTS: readonly DropoutPlacement[] = ['none', 'afterFlatten', 'afterEveryDense', 'afterEveryConvBlock'];

/** Line lengths (without terminators) as LSP counts lines. */
function lspLines(text: string): number[] {
  return text.split(/\r\n|\r|\n/).map((l) => l.length);
}

function inDoc(lines: readonly number[], p: Position, what: string): void {
  assert.ok(Number.isInteger(p.line) && Number.isInteger(p.character), `${what}: ${JSON.stringify(p)} not integral`);
  assert.ok(p.line >= 0 && p.line < lines.length, `${what}: line ${p.line} outside 0..${lines.length - 1}`);
  assert.ok(p.character >= 0 && p.character <= (lines[p.line] ?? 0), `${what}: character ${p.character} outside line ${p.line} of length ${lines[p.line] ?? 0}`);
}

function rangeInDoc(lines: readonly number[], r: Range, what: string): void {
  inDoc(lines, r.start, `${what} start`);
  inDoc(lines, r.end, `${what} end`);
  const ordered = r.start.line < r.end.line || (r.start.line === r.end.line && r.start.character <= r.end.character);
  assert.ok(ordered, `${what}: start after end ${JSON.stringify(r)}`);
}

function editsInDoc(text: string, lines: readonly number[], edits: readonly TextEdit[], what: string): string {
  for (const e of edits) rangeInDoc(lines, e.range, what);
  return applyEdits(text, edits);
}

/** Runs an edit function; it may refuse with a CnnLabError, nothing else. */
function refusesOnlyTyped(fn: () => TextEdit[]): TextEdit[] | null {
  try {
    return fn();
  } catch (err) {
    assert.ok(err instanceof CnnLabError, `threw ${String(err)}`);
    return null;
  }
}

function checkEverything(text: string, r: () => number): Analysis {
  const lines = lspLines(text);
  const a = analyzeModelText(text);
  // The plain-YAML fast path, where it applies, must not change a single diagnostic or number.
  if (parsePlainYaml(normaliseLineEnds(text)) !== null) {
    fastPathTaken++;
    assert.deepEqual(a, analyzeModelText(text, { fullYamlParser: true }), 'fast path and full parser disagree');
  }
  let reanalysed = 0;
  for (const d of a.diagnostics) {
    assert.notEqual(d.code, 'internal-error', d.message);
    assert.ok(d.message.length > 0);
    rangeInDoc(lines, d.range, `diagnostic ${d.code}`);
    for (const f of d.fix ?? []) {
      const fixed = editsInDoc(text, lines, f.edits, `fix "${f.title}"`);
      // Re-analysing every fix of an error flood costs time and adds little: the first one.
      if (reanalysed++ < 1) assert.ok(!analyzeModelText(fixed).diagnostics.some((x) => x.code === 'internal-error'));
    }
  }
  for (const l of a.layers) {
    rangeInDoc(lines, l.range, 'layer range');
    rangeInDoc(lines, l.typeRange, 'layer type range');
  }
  if (a.layersKeyRange) rangeInDoc(lines, a.layersKeyRange, 'layers key');
  if (a.summary) assert.ok(formatSummaryTable(a.summary).length > 0);
  for (const l of codeLenses(a)) rangeInDoc(lines, l.range, 'code lens');
  for (const h of inlayHints(text, a)) inDoc(lines, h.position, 'inlay hint');
  const someLine = Math.floor(r() * (lines.length + 2));
  inlayHints(text, a, { start: { line: someLine, character: 0 }, end: { line: someLine + 3, character: 0 } });

  const positions: Position[] = [{ line: lines.length + 5, character: 3 }, { line: 0, character: 10_000 }];
  for (let i = 0; i < 3; i++) {
    const line = Math.floor(r() * lines.length);
    positions.push({ line, character: Math.floor(r() * ((lines[line] ?? 0) + 2)) });
  }
  for (const p of positions) {
    const h = hoverAt(text, a, p);
    if (h) {
      assert.ok(h.markdown.length > 0);
      if (p.line < lines.length && p.character <= (lines[p.line] ?? 0)) rangeInDoc(lines, h.range, 'hover');
    }
    for (const c of completionsAt(text, p)) assert.ok(c.label.length > 0);
  }

  const placed = refusesOnlyTyped(() => dropoutPlacementEdits(text, PLACEMENTS[Math.floor(r() * PLACEMENTS.length)] ?? 'none', 0.5));
  if (placed) editsInDoc(text, lines, placed, 'dropout placement');
  const ds = r() < 0.2 ? { folder: './images' } : BUILTIN_DATASETS[Math.floor(r() * BUILTIN_DATASETS.length)] ?? 'mnist';
  const switched = refusesOnlyTyped(() => datasetEdits(text, ds, r() < 0.5));
  if (switched) editsInDoc(text, lines, switched, 'dataset switch');
  return a;
}

describe('core robustness: seeded mutations of the examples', function () {
  this.timeout(120_000);
  const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.cnn.yaml')).sort();
  const SAMPLES = 2000;

  it(`${SAMPLES} mutated files: no throw, no internal error, every range inside the document`, () => {
    assert.ok(files.length >= 3);
    const r = rng(20_240_601);
    let withSpec = 0, withErrors = 0;
    for (let i = 0; i < SAMPLES; i++) {
      let text = example(files[i % files.length] ?? 'mnist.cnn.yaml');
      const steps = 1 + Math.floor(r() * 4);
      for (let k = 0; k < steps; k++) text = mutate(text, r);
      let a: Analysis;
      try {
        a = checkEverything(text, r);
      } catch (err) {
        assert.fail(`sample ${i}: ${err instanceof Error ? err.message : String(err)}\n--- text ---\n${JSON.stringify(text)}`);
      }
      if (a.spec) withSpec++;
      if (a.diagnostics.some((d) => d.severity === 'error')) withErrors++;
    }
    // The mutations must exercise both sides: files that still validate and files that do not.
    assert.ok(withSpec > SAMPLES / 20, `only ${withSpec} mutated files validated`);
    assert.ok(withErrors > SAMPLES / 4, `only ${withErrors} mutated files had errors`);
    assert.ok(fastPathTaken > SAMPLES / 10, `only ${fastPathTaken} mutated files took the plain-YAML fast path`);
  });
});
