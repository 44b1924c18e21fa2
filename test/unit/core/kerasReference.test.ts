/**
 * CNN Lab's shape and parameter inference against real Keras, layer by layer.
 *
 * test/fixtures/keras-reference/reference.json is written by scripts/keras-reference.py, which
 * builds every case of cases.json as `keras.Sequential([keras.Input(shape), ...layers])` with
 * TensorFlow 2.21 / Keras 3 and records each layer's class, default name, output shape and
 * trainable / non-trainable parameters (or the error for a case Keras refuses to build). Here
 * each case becomes a model file, is analysed, and every layer must agree with Keras.
 * Regenerate after editing cases.json:
 *   ~/.cache/cnn-lab/bench-venv/bin/python scripts/keras-reference.py
 */
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeModelText, kerasClassOf } from '../../../src/core/index';
import type { Analysis, CoreDiagnostic, Range } from '../../../src/core/index';

type Scalar = string | number | boolean;
type FieldValue = Scalar | readonly Scalar[];
/** One `layers:` item in CNN Lab's spelling: `{ conv2d: { filters: 8, kernel: 3 } }`. */
type LayerEntry = Readonly<Record<string, Readonly<Record<string, FieldValue>>>>;

interface Case { readonly id: string; readonly input: readonly number[]; readonly layers: readonly LayerEntry[] }

interface KerasLayer {
  readonly class: string;
  readonly name: string;
  readonly outputShape: readonly number[];
  readonly trainableParams: number;
  readonly nonTrainableParams: number;
}

interface ReferenceCase {
  readonly id: string;
  readonly case: { readonly input: readonly number[]; readonly layers: readonly LayerEntry[] };
  readonly layers?: readonly KerasLayer[];
  readonly totalParams?: number;
  readonly error?: string;
  readonly errorLayer?: number | null;
}

interface Reference { readonly keras: string; readonly tensorflow: string; readonly cases: readonly ReferenceCase[] }

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'keras-reference');
const read = <T>(name: string): T => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;
const CASES = read<Case[]>('cases.json');
const REFERENCE = read<Reference>('reference.json');

/** Model-level advice that does not apply: the cases are layer stacks, not finished classifiers. */
const IRRELEVANT = new Set<string>(['output-not-flat', 'class-mismatch']);
/** What CNN Lab reports where Keras refuses a window larger than its input. */
const SHAPE_ERRORS = new Set<string>(['shape-mismatch', 'shape-zero']);

function yamlScalar(v: Scalar): string {
  if (typeof v !== 'string') return String(v);
  return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(v) && !/^(true|false|null|yes|no|on|off|y|n)$/i.test(v) ? v : JSON.stringify(v);
}

function yamlValue(v: FieldValue): string {
  return Array.isArray(v) ? `[${(v as readonly Scalar[]).map(yamlScalar).join(', ')}]` : yamlScalar(v as Scalar);
}

/**
 * The case as a model file. A folder data set with `imageSize: [h, w]` gives input [h, w, 3], or
 * [h, w, 1] with `grayscale: true`; `input` must then agree, so only 1 or 3 channels can be written.
 */
function modelText(c: Case): string {
  const [h, w, ch] = c.input;
  if (c.input.length !== 3 || (ch !== 1 && ch !== 3)) throw new Error(`${c.id}: input ${JSON.stringify(c.input)} is not [h, w, 1|3]`);
  const lines = ['name: ref', `dataset: { folder: ./images, imageSize: [${h}, ${w}] }`];
  if (ch === 1) lines.push('grayscale: true');
  lines.push(`input: [${h}, ${w}, ${ch}]`, 'classes: 10', 'layers:');
  for (const entry of c.layers) {
    const [type, fields] = Object.entries(entry)[0] ?? ['', {}];
    const body = Object.entries(fields).map(([k, v]) => `${k}: ${yamlValue(v)}`).join(', ');
    lines.push(`  - ${type}: ${body === '' ? '{}' : `{ ${body} }`}`);
  }
  return `${lines.join('\n')}\n`;
}

const before = (a: { line: number; character: number }, b: { line: number; character: number }): boolean =>
  a.line < b.line || (a.line === b.line && a.character <= b.character);
const within = (inner: Range, outer: Range): boolean => before(outer.start, inner.start) && before(inner.end, outer.end);

const show = (ds: readonly CoreDiagnostic[]): string =>
  ds.length === 0 ? 'none' : ds.map((d) => `[${d.code} @${d.range.start.line + 1}:${d.range.start.character + 1}] ${d.message}`).join('; ');

function layerType(c: Case, i: number): string {
  return Object.keys(c.layers[i] ?? {})[0] ?? '?';
}

function checkAccepted(c: Case, ref: ReferenceCase, a: Analysis): void {
  const keras = ref.layers ?? [];
  const errors = a.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(a.layers.length, keras.length, `${c.id}: CNN Lab sees ${a.layers.length} layers, Keras ${keras.length}`);
  let total = 0;
  keras.forEach((k, i) => {
    const where = `${c.id} layer ${i} (${layerType(c, i)})`;
    const row = a.partialSummary.layers[i];
    const here = errors.filter((d) => within(d.range, a.layers[i]?.range ?? d.range));
    if (!row) assert.fail(`${where}: CNN Lab inferred nothing (Keras: ${k.class} ${JSON.stringify(k.outputShape)}); errors: ${show(here.length > 0 ? here : errors)}`);
    assert.deepEqual(row.outputShape, k.outputShape, `${where}: output shape`);
    assert.equal(row.trainableParams, k.trainableParams, `${where}: trainable params`);
    assert.equal(row.nonTrainableParams, k.nonTrainableParams, `${where}: non-trainable params`);
    assert.equal(kerasClassOf(row.type), k.class, `${where}: Keras class`);
    assert.equal(row.name, k.name, `${where}: default name`);
    total += row.params;
  });
  assert.equal(total, ref.totalParams, `${c.id}: total params`);
  const unexpected = errors.filter((d) => !IRRELEVANT.has(d.code));
  assert.deepEqual(unexpected, [], `${c.id}: unexpected errors: ${show(unexpected)}`);
}

function checkRejected(c: Case, ref: ReferenceCase, a: Analysis): void {
  const at = ref.errorLayer;
  assert.ok(typeof at === 'number', `${c.id}: reference.json says Keras refused it but names no layer`);
  const where = `${c.id} layer ${at} (${layerType(c, at)})`;
  const node = a.layers[at];
  assert.ok(node, `${where}: CNN Lab sees only ${a.layers.length} layers`);
  for (let i = 0; i < at; i++) {
    assert.ok(a.partialSummary.layers[i], `${c.id} layer ${i} (${layerType(c, i)}): CNN Lab inferred nothing before the refused layer; errors: ${show(a.diagnostics.filter((d) => d.severity === 'error'))}`);
  }
  const errors = a.diagnostics.filter((d) => d.severity === 'error' && within(d.range, node.range));
  assert.ok(errors.some((d) => SHAPE_ERRORS.has(d.code)),
    `${where}: Keras refuses it ("${ref.error ?? ''}") but CNN Lab reports no shape error there; errors on it: ${show(errors)}`);
  assert.equal(a.partialSummary.layers[at], null, `${where}: CNN Lab inferred a shape Keras refuses`);
}

describe(`core shapes: layer by layer against Keras ${REFERENCE.keras} (TensorFlow ${REFERENCE.tensorflow})`, () => {
  it('reference.json was generated from the current cases.json', () => {
    assert.deepEqual(REFERENCE.cases.map((r) => r.id), CASES.map((c) => c.id), 'case ids differ: rerun scripts/keras-reference.py');
    for (const c of CASES) {
      const r = REFERENCE.cases.find((x) => x.id === c.id);
      assert.deepEqual(r?.case, { input: c.input, layers: c.layers }, `${c.id}: cases.json changed since reference.json was written: rerun scripts/keras-reference.py`);
    }
  });

  for (const c of CASES) {
    const ref = REFERENCE.cases.find((r) => r.id === c.id);
    it(c.id, () => {
      assert.ok(ref, `${c.id}: not in reference.json: rerun scripts/keras-reference.py`);
      const a = analyzeModelText(modelText(c));
      if (ref.error !== undefined) checkRejected(c, ref, a);
      else checkAccepted(c, ref, a);
    });
  }
});
