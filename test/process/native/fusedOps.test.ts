/**
 * TensorFlow's fused kernels through tfjs-node's patched binding (issue 12).
 *
 * - The binding patch (scripts/native/binding-patch.mjs): applies exactly once to tfjs-node's
 *   source, is idempotent, refuses a source it was not written for, and the addon in node_modules
 *   was built from it (the stamp scripts/provision-native.mjs writes carries its hash).
 * - `_FusedConv2D` and `_FusedMatMul` with fused_ops [BiasAdd] and [BiasAdd, Relu] give the results
 *   of the unfused ops (Conv2D/MatMul → BiasAdd → Relu) to 1e-5 (largest difference relative to
 *   the largest value) on the course models' layer shapes, batch 1 and 128, both paddings, strides
 *   1 and 2; so do oneDNN's `_MklNativeFusedConv2D`/`_MklNativeFusedMatMul` with oneDNN on. The
 *   fused output also serves the backward pass: ReluGrad on it equals ReluGrad on the unfused
 *   pre-activation.
 * - oneDNN's layout-dependent `_MklFusedConv2D`/`_MklFusedMatMul` are registered too; what they do
 *   when called from eager ops is logged (they take and give oneDNN layout metadata and are not
 *   safe to call this way; see fusedKernels.ts).
 * Each backend run is a child process (libtensorflow reads TF_ENABLE_ONEDNN_OPTS once, at load;
 * a crash in a kernel shows as a signal).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tensorflowAvailable } from '../../../src/trainer/backends/tensorflow';
import type { ComparisonLine } from './fusedOps.child';
import { CONV_LAYERS, DENSE_LAYERS } from './fusedKernels';
import { skipWithoutNative } from './skipWithoutNative';

const root = path.resolve(__dirname, '..', '..', '..');
const child = path.join(__dirname, 'fusedOps.child.ts');
const PKG_DIR = path.join(root, 'node_modules', '@tensorflow', 'tfjs-node');
const PATCH_MODULE = path.join(root, 'scripts', 'native', 'binding-patch.mjs');
/** Fused vs unfused (seen: up to 1.5e-7 for convolutions, 1e-6 for matmuls, relative to the largest value). */
const TOLERANCE = 1e-5;
/**
 * Elements whose ReluGrad differs between the fused output and the unfused pre-activation: only
 * a pre-activation within rounding of zero can flip (seen: none).
 */
const RELU_GRAD_MISMATCH = 1e-5;

interface ChildRun { readonly status: number | null; readonly signal: string | null; readonly lines: Record<string, unknown>[]; readonly stderr: string }

function runChild(mode: 'on' | 'off' | 'layout' | 'totf'): ChildRun {
  const r = spawnSync(process.execPath, ['-r', 'tsx/cjs', child, mode], {
    cwd: root, encoding: 'utf8', timeout: 240_000, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
  });
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  return { status: r.status, signal: r.signal, lines, stderr: r.stderr };
}

/** A run that must complete: no signal, exit 0, all cases, nothing leaked. */
function completeRun(mode: 'on' | 'off'): { detail: string; lines: ComparisonLine[] } {
  const r = runChild(mode);
  assert.equal(r.signal, null, `fused-ops child (oneDNN ${mode}) died by ${String(r.signal)}:\n${r.stderr.slice(-2000)}`);
  assert.equal(r.status, 0, `fused-ops child (oneDNN ${mode}) exited ${String(r.status)}:\n${r.stderr.slice(-2000)}`);
  const head = r.lines[0] as { detail: string; backend: string };
  assert.equal(head.backend, 'tensorflow');
  const tail = r.lines[r.lines.length - 1] as { done?: boolean; leaked: number };
  assert.equal(tail.done, true, 'child did not finish');
  assert.equal(tail.leaked, 0, 'tensors leaked in the child');
  return { detail: head.detail, lines: r.lines.slice(1, -1) as unknown as ComparisonLine[] };
}

function label(l: ComparisonLine): string {
  return `${l.impl} [${l.fusedOps.join(', ')}] ${l.name}, batch ${l.batch}${l.padding ? `, ${l.padding}, stride ${String(l.stride)}` : ''}`;
}

function assertAgree(lines: readonly ComparisonLine[]): void {
  for (const l of lines) {
    assert.equal(l.error, undefined, `${label(l)} failed: ${l.error ?? ''}`);
    assert.ok(l.rel !== null && l.rel <= TOLERANCE, `${label(l)}: differs from the unfused ops by ${String(l.rel)} (relative)`);
    if (l.fusedOps.length === 2) {
      assert.ok(l.reluGradMismatch !== undefined && l.reluGradMismatch <= RELU_GRAD_MISMATCH,
        `${label(l)}: ReluGrad on the fused output differs from ReluGrad on the pre-activation in a fraction ${String(l.reluGradMismatch)}`);
    }
  }
}

/** Conv cases per implementation and fused_ops: every layer × batch 1/128 × SAME/VALID × stride 1/2. */
const CONV_CASES = CONV_LAYERS.length * 2 * 2 * 2;
/** Dense cases: every layer × batch 1/32/128. */
const DENSE_CASES = DENSE_LAYERS.length * 3;

function count(lines: readonly ComparisonLine[], kind: string, impl: string, ops: number): number {
  return lines.filter((l) => l.kind === kind && l.impl === impl && l.fusedOps.length === ops).length;
}

describe('binding patch: list-valued op attributes (scripts/native/binding-patch.mjs)', () => {
  let patch: typeof import('../../../scripts/native/binding-patch.mjs');
  let source: string | undefined;
  before(async function () {
    patch = await import('../../../scripts/native/binding-patch.mjs');
    const file = path.join(PKG_DIR, patch.PATCHED_FILE);
    if (!fs.existsSync(file)) {
      console.log(`      skipped: ${file} is not installed`);
      this.skip();
    }
    source = fs.readFileSync(file, 'utf8');
  });

  it('applies to tfjs-node 4.22.0\'s binding once, adds the list setters, and is idempotent', () => {
    const src = source as string;
    assert.ok(!src.includes(patch.PATCH_MARKER), 'node_modules holds tfjs-node\'s original sources (the script patches a copy)');
    const once = patch.patchBindingSource(src);
    assert.equal(once.applied, true);
    for (const fn of ['TFE_OpSetAttrStringList', 'TFE_OpSetAttrTypeList']) {
      assert.ok(!src.includes(fn) && once.text.includes(fn), `${fn} is added`);
    }
    // The scalar code paths are kept as they were.
    assert.ok(once.text.includes('TFE_OpSetAttrString(tfe_op, attr_name, str_value.c_str(),'));
    assert.ok(once.text.includes('TFE_OpSetAttrType(tfe_op, attr_name, tf_data_type);'));
    const twice = patch.patchBindingSource(once.text);
    assert.equal(twice.applied, false);
    assert.equal(twice.text, once.text);
    const crlf = patch.patchBindingSource(src.replace(/\n/g, '\r\n'));
    assert.equal(crlf.text, once.text.replace(/\n/g, '\r\n'), 'CRLF sources are patched the same, line endings kept');
  });

  it('refuses a source it was not written for, naming the block', () => {
    const src = (source as string).replace('    case TF_ATTR_TYPE: {\n', '    case TF_ATTR_TYPE:  {\n');
    assert.throws(() => patch.patchBindingSource(src), /TF_ATTR_TYPE case of AssignOpAttr was found 0 times/);
  });

  it('the addon in node_modules was built from this patch (stamp of scripts/provision-native.mjs)', function () {
    if (!tensorflowAvailable(root).available) this.skip();
    const hash = createHash('sha256').update(fs.readFileSync(PATCH_MODULE, 'utf8')).digest('hex').slice(0, 12);
    const stamp = JSON.parse(fs.readFileSync(path.join(PKG_DIR, 'lib', 'napi-v8', 'cnn-lab-addon.json'), 'utf8')) as { key: string; patch: string };
    assert.equal(stamp.patch, hash, 'run npm run provision:native (the patch changed since the addon was built)');
    assert.match(stamp.key, new RegExp(`-patch-${hash}$`));
  });
});

describe('native tensorflow backend: fused kernels agree with the unfused ops', function () {
  this.timeout(300_000);

  before(skipWithoutNative);

  it('with oneDNN on: _FusedConv2D, _MklNativeFusedConv2D, _FusedMatMul and _MklNativeFusedMatMul, [BiasAdd] and [BiasAdd, Relu]', () => {
    const { detail, lines } = completeRun('on');
    assert.match(detail, /^libtensorflow 2\.\d+\.\d+, oneDNN on/);
    for (const ops of [1, 2]) {
      for (const impl of ['stock', 'mklNative', 'mklConv2dWithBias+Relu']) assert.equal(count(lines, 'conv', impl, ops), CONV_CASES, `${impl} conv cases`);
      for (const impl of ['stock', 'mklNative']) assert.equal(count(lines, 'dense', impl, ops), DENSE_CASES, `${impl} dense cases`);
    }
    assertAgree(lines);
  });

  it('with oneDNN off: _FusedConv2D and _FusedMatMul', () => {
    const { detail, lines } = completeRun('off');
    assert.match(detail, /^libtensorflow 2\.\d+\.\d+, oneDNN off/);
    for (const ops of [1, 2]) {
      assert.equal(count(lines, 'conv', 'stock', ops), CONV_CASES);
      assert.equal(count(lines, 'dense', 'stock', ops), DENSE_CASES);
    }
    assertAgree(lines);
  });

  it('the layout-dependent _MklFusedMatMul and _MklFusedConv2D are registered (what they do from eager ops is logged)', () => {
    interface LayoutLine { op?: string; runs?: boolean; error?: string; call?: number; outputShape?: number[]; nhwcElements?: number }
    for (const mode of ['layout', 'totf'] as const) {
      const r = runChild(mode);
      const lines = r.lines as LayoutLine[];
      for (const l of lines.filter((x) => x.op?.startsWith('_MklFused'))) {
        assert.doesNotMatch(l.error ?? '', /neither a type of a primitive operation/, `${l.op ?? ''} is not registered`);
      }
      const seen = lines.filter((l) => l.op !== undefined && l.runs !== undefined).map((l) => (l.runs === true
        ? `${l.op ?? ''} ran${l.outputShape ? ` (output ${JSON.stringify(l.outputShape)} for ${String(l.nhwcElements)} NHWC values)` : ''}`
        : `${l.op ?? ''} failed: ${(l.error ?? '').slice(0, 120)}`));
      const last = lines[lines.length - 1];
      const where = `${last?.op ?? 'start'}${last?.call !== undefined ? ` call ${String(last.call)}` : ''}`;
      console.log(`      ${mode}: ${[...new Set(seen)].join('; ') || 'nothing ran'}; ${r.signal ? `died by ${r.signal} in ${where}` : `exit ${String(r.status)}`}`);
    }
  });
});
