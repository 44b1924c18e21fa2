/**
 * The host's Keras files without Python: the zip writer read back by the zip reader, HDF5 written
 * and read through h5wasm, a run exported to every format and imported back (spec, weights in
 * the trainer's order, the fine-tuning run folder), and the files it must refuse.
 */
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeModelText, kerasExportOf, layerDef, layerLine, modelFromKeras, type TypedModelSpec } from '../../../../src/core/index';
import { yamlString } from '../../../../src/core/keras/modelText';
import { exportRun } from '../../../../src/host/keras/exportRun';
import { readH5, writeH5 } from '../../../../src/host/keras/hdf5';
import { importModelFile, type ImportOptions } from '../../../../src/host/keras/importFile';
import { defaultModelFile, trainedWeightsDir } from '../../../../src/host/keras/interop';
import { readModelFolder, writeModelFolder, type NamedWeight } from '../../../../src/host/keras/tfjsModel';
import { zipBytes } from '../../../../src/host/keras/zipWriter';
import { extractMembers, listZip } from '../../../../src/host/native/zip';
import { listRuns } from '../../../../src/host/runStore';
import { isCompleteModelDir, parseRunRecord } from '../../../../src/shared/runFiles';

const MODEL = `name: every-layer
dataset: mnist
layers:
  - conv2d: { filters: 4, kernel: 3, padding: same, activation: relu }
  - batchnorm: {}
  - separableconv2d: { filters: 6, kernel: 3, padding: same, depthMultiplier: 2, activation: elu }
  - depthwiseconv2d: { kernel: 3, strides: 2, depthMultiplier: 2 }
  - leakyrelu: 0.1
  - maxpool2d: { pool: 2 }
  - flatten: {}
  - dense: { units: 10, activation: softmax, name: output }
train: { epochs: 3, batchSize: 64, optimizer: adagrad, learningRate: 0.01, validationSplit: 0.1, seed: 7 }
`;

/** Deterministic values (an LCG), so every weight differs. */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32 - 0.5;
  }
  return out;
}

/** The model's weights in the trainer's order (trainable layer by layer, then the others), as a checkpoint holds them. */
function trainerWeights(spec: TypedModelSpec): NamedWeight[] {
  const names = ['conv2d', 'batch_normalization', 'separable_conv2d', 'depthwise_conv2d', 'leaky_re_lu', 'max_pooling2d', 'flatten', 'output'];
  let input: readonly number[] = spec.inputShape;
  const all: (NamedWeight & { trainable: boolean })[] = [];
  spec.layers.forEach((l, i) => {
    const def = layerDef(l.type);
    for (const w of def.keras.weights?.(l, input) ?? []) {
      all.push({ name: `${names[i] ?? ''}/${w.name}`, shape: w.shape, trainable: w.trainable, values: values(w.shape.reduce((a, b) => a * b, 1), all.length + 1) });
    }
    const r = def.infer(l, input, 'en');
    assert.ok(r.ok);
    input = r.value.outputShape;
  });
  return [...all.filter((w) => w.trainable), ...all.filter((w) => !w.trainable)].map(({ trainable: _t, ...w }) => w);
}

describe('Keras files on disk (host)', function () {
  this.timeout(60_000);
  let tmp = '';
  let runDir = '';
  let spec: TypedModelSpec;
  let weights: NamedWeight[] = [];
  const plan = (text: string, runId: string): ReturnType<typeof kerasExportOf> => kerasExportOf(text, { version: 'test', savedAt: new Date(2026, 0, 2, 3, 4, 5), runId });
  const importOptions = (o: Partial<ImportOptions> = {}): ImportOptions => ({
    overwrite: false, fineTuneRuns: null, convert: (m) => modelFromKeras(m, { version: 'test' }), generatedBy: 'CNN Lab test', ...o,
  });

  before(async () => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'cnnlab-keras-unit-'));
    const a = analyzeModelText(MODEL);
    assert.ok(a.spec, JSON.stringify(a.diagnostics));
    spec = a.spec;
    weights = trainerWeights(spec);
    runDir = path.join(tmp, 'runs', '20260102-030405-every-layer');
    mkdirSync(runDir, { recursive: true });
    writeFileSync(path.join(runDir, 'model.cnn.yaml'), MODEL);
    // A topology tfjs would read back (the Keras config of the same model stands in for tfjs's own).
    await writeModelFolder(path.join(runDir, 'final'), kerasExportOf(MODEL, { version: 'test', savedAt: new Date() }).keras.config, weights, 'test');
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('writes zip files the zip reader lists and extracts with their CRCs (stored and deflated)', async () => {
    const big = new TextEncoder().encode(JSON.stringify({ a: 'x'.repeat(5000) }));
    const raw = new Uint8Array(values(300, 3).buffer);
    const file = path.join(tmp, 'a.zip');
    writeFileSync(file, zipBytes([{ name: 'config.json', data: big, deflate: true }, { name: 'w.h5', data: raw, deflate: false }]));
    const entries = await listZip(file);
    assert.deepEqual(entries.map((e) => [e.name, e.method, e.size]), [['config.json', 8, big.length], ['w.h5', 0, raw.length]]);
    assert.ok((entries[0]?.compressedSize ?? Infinity) < big.length / 10);
    await extractMembers(file, { 'config.json': path.join(tmp, 'c.json'), 'w.h5': path.join(tmp, 'w.h5') });
    assert.deepEqual(new Uint8Array(readFileSync(path.join(tmp, 'c.json'))), big);
    assert.deepEqual(new Uint8Array(readFileSync(path.join(tmp, 'w.h5'))), raw);
  });

  it('writes HDF5 through h5wasm and reads it back: groups, attributes, float32 weights, an int64 scalar', async () => {
    const file = path.join(tmp, 'x.h5');
    const kernel = values(2 * 3 * 4, 9);
    await writeH5(file, [{ path: 'layers', attrs: {} }, { path: 'layers/conv2d', attrs: {} }, { path: 'layers/conv2d/vars', attrs: { name: 'conv2d' } }], [
      { path: 'layers/conv2d/vars/0', dtype: 'float32', shape: [2, 3, 4], data: kernel },
      { path: 'iteration', dtype: 'int64', shape: [], data: BigInt64Array.of(7n) },
    ]);
    await readH5(file, (r) => {
      assert.equal(r.attr('name', 'layers/conv2d/vars'), 'conv2d');
      assert.deepEqual(r.array('layers/conv2d/vars/0'), { shape: [2, 3, 4], values: kernel });
      assert.equal(r.array('layers/conv2d/vars/1'), null);
      assert.ok(r.has('iteration'));
    });
  });

  it('takes final/, else the last complete checkpoint, and refuses a run without trained weights', async () => {
    assert.equal(await trainedWeightsDir(runDir), path.join(runDir, 'final'));
    const empty = path.join(tmp, 'runs', 'empty');
    mkdirSync(path.join(empty, 'checkpoints', 'epoch-0'), { recursive: true });
    await assert.rejects(trainedWeightsDir(empty), /has no trained weights yet/);
    await writeModelFolder(path.join(empty, 'checkpoints', 'epoch-0'), {}, weights, 'test');
    await assert.rejects(trainedWeightsDir(empty), /has no trained weights yet/, 'an imported starting point is not trained');
    await writeModelFolder(path.join(empty, 'checkpoints', 'epoch-2'), {}, weights, 'test');
    assert.equal(await trainedWeightsDir(empty), path.join(empty, 'checkpoints', 'epoch-2'));
  });

  it('exports every format: .keras (Keras\'s members and layout), a script with its weights, the TensorFlow.js folder', async () => {
    const out = path.join(tmp, 'out');
    const all = await exportRun(runDir, { format: 'all', out, plan });
    assert.deepEqual(all.files.map((f) => path.relative(out, f)), ['model.json', 'weights.bin', 'every-layer.keras', 'every-layer.py', 'every-layer.weights.h5']);
    const keras = path.join(out, 'every-layer.keras');
    assert.deepEqual((await listZip(keras)).map((e) => [e.name, e.method]), [['metadata.json', 8], ['config.json', 8], ['model.weights.h5', 0]]);
    await extractMembers(keras, { 'model.weights.h5': path.join(tmp, 'm.h5'), 'config.json': path.join(tmp, 'config.json') });
    const config = JSON.parse(readFileSync(path.join(tmp, 'config.json'), 'utf8')) as { config: { layers: { class_name: string; config: { name: string } }[] }; compile_config: { optimizer: { class_name: string } } };
    assert.deepEqual(config.config.layers.map((l) => l.config.name), ['input_layer', 'conv2d', 'batch_normalization', 'separable_conv2d', 'depthwise_conv2d', 'leaky_re_lu', 'max_pooling2d', 'flatten', 'output']);
    assert.equal(config.compile_config.optimizer.class_name, 'Adagrad');
    const byName = new Map(weights.map((w) => [w.name, w]));
    await readH5(path.join(tmp, 'm.h5'), (r) => {
      // Keras's variable order per layer; the user-named Dense is addressed by its class (layers/dense).
      assert.deepEqual(r.array('layers/batch_normalization/vars/2')?.values, byName.get('batch_normalization/moving_mean')?.values);
      assert.deepEqual(r.array('layers/separable_conv2d/vars/1')?.values, byName.get('separable_conv2d/pointwise_kernel')?.values);
      assert.deepEqual(r.array('layers/dense/vars/0')?.values, byName.get('output/kernel')?.values);
      assert.equal(r.attr('name', 'layers/dense/vars'), 'output');
      // Adagrad's fresh state: iteration, learning rate, one accumulator (0.1) per trainable variable.
      assert.deepEqual(r.array('optimizer/vars/1')?.values, Float32Array.of(0.01));
      assert.deepEqual(r.array('optimizer/vars/2')?.values, new Float32Array(3 * 3 * 4).fill(0.1));
      assert.ok(r.has('optimizer/vars/12') && !r.has('optimizer/vars/13'), '2 + 11 trainable variables');
    });
    assert.deepEqual(readFileSync(path.join(out, 'every-layer.weights.h5')), readFileSync(path.join(tmp, 'm.h5')), 'the script\'s weights are the .keras file\'s');
    const script = readFileSync(path.join(out, 'every-layer.py'), 'utf8');
    assert.match(script, /layers\.Dense\(units=10, activation="softmax", use_bias=True, name="output"\),/);
    assert.match(script, /optimizer=keras\.optimizers\.Adagrad\(learning_rate=0\.01\)/);
    assert.match(script, /default=os\.path\.join\(HERE, "every-layer\.weights\.h5"\)/);

    const one = await exportRun(runDir, { format: 'keras', out: path.join(tmp, 'elsewhere', 'named.keras'), plan });
    assert.deepEqual(one.files, [path.join(tmp, 'elsewhere', 'named.keras')]);
    const py = await exportRun(runDir, { format: 'script', out: path.join(tmp, 'py', 'run_me.py'), plan });
    assert.deepEqual(py.files.map((f) => path.basename(f)), ['run_me.py', 'run_me.weights.h5']);
    assert.match(readFileSync(path.join(tmp, 'py', 'run_me.py'), 'utf8'), /python run_me\.py /);
    const tfjs = await exportRun(runDir, { format: 'tfjs', out: path.join(tmp, 'tfjs'), plan });
    assert.deepEqual(readdirSync(path.join(tmp, 'tfjs')).sort(), ['model.json', 'weights.bin']);
    assert.equal(tfjs.files.length, 2);
  });

  it('imports the export back: the same model, and a run whose checkpoint 0 holds the weights in the trainer\'s order', async () => {
    const keras = path.join(tmp, 'out', 'every-layer.keras');
    const r = await importModelFile(keras, importOptions({ fineTuneRuns: path.join(tmp, 'ft') }));
    assert.equal(r.modelFile, path.join(tmp, 'out', 'every-layer.cnn.yaml'));
    assert.deepEqual(analyzeModelText(readFileSync(r.modelFile, 'utf8')).spec, spec);
    assert.equal(r.weightCount, weights.length);
    assert.ok(r.runDir !== null);
    const ckpt = path.join(r.runDir, 'checkpoints', 'epoch-0');
    assert.ok(isCompleteModelDir(readFileSync(path.join(ckpt, 'model.json'), 'utf8'), readFileSync(path.join(ckpt, 'weights.bin')).length));
    const back = await readModelFolder(ckpt);
    assert.deepEqual([...back.values()].map((w) => w.name), weights.map((w) => w.name), 'the trainer restores by position');
    for (const w of weights) assert.deepEqual(back.get(w.name)?.values, w.values, w.name);
    assert.equal(readFileSync(path.join(r.runDir, 'model.cnn.yaml'), 'utf8'), readFileSync(r.modelFile, 'utf8'));
    assert.deepEqual(parseRunRecord(readFileSync(path.join(r.runDir, 'run.json'), 'utf8'))?.seed, 7);
    const [listed] = await listRuns(path.join(tmp, 'ft'));
    assert.deepEqual(listed?.resume, { resumable: true, fromCheckpoint: 0 }, 'Resume trains from checkpoint 0');

    await assert.rejects(importModelFile(keras, importOptions()), /exists already/);
    const tfjs = await importModelFile(path.join(tmp, 'tfjs', 'model.json'), importOptions({ out: path.join(tmp, 'tfjs.cnn.yaml') }));
    assert.equal(tfjs.weightCount, weights.length);
  });

  it('refuses files that are no model, and weights that do not fit the config', async () => {
    const junk = path.join(tmp, 'junk.keras');
    writeFileSync(junk, 'not a model');
    await assert.rejects(importModelFile(junk, importOptions()), /neither a Keras .keras or .h5 file nor a TensorFlow.js model.json/);
    const zip = path.join(tmp, 'nozip.keras');
    writeFileSync(zip, zipBytes([{ name: 'hello.txt', data: new Uint8Array(3), deflate: false }]));
    await assert.rejects(importModelFile(zip, importOptions()), /has no config.json: it is not a Keras 3 .keras file/);
    const weightsOnly = path.join(tmp, 'weights-only.h5');
    await writeH5(weightsOnly, [{ path: 'layers', attrs: {} }], []);
    await assert.rejects(importModelFile(weightsOnly, importOptions()), /holds weights only/);
    // A model.json whose weights are not what its layers need.
    const bad = path.join(tmp, 'bad');
    const modelJson = JSON.parse(readFileSync(path.join(tmp, 'out', 'model.json'), 'utf8')) as { modelTopology: unknown };
    await writeModelFolder(bad, modelJson.modelTopology, weights.slice(1), 'test');
    await assert.rejects(importModelFile(path.join(bad, 'model.json'), importOptions({ out: path.join(tmp, 'bad.cnn.yaml') })), /layer 1 'conv2d' \(Conv2D\): the file holds 1 weight arrays, its config needs 2/);
  });

  it('names the model file after the imported one', () => {
    assert.equal(defaultModelFile('/a/b/net.keras'), '/a/b/net.cnn.yaml');
    assert.equal(defaultModelFile('/a/b/net.h5'), '/a/b/net.cnn.yaml');
    assert.equal(defaultModelFile('/a/web/model.json'), '/a/web/model.cnn.yaml');
  });
});

describe('model file text (the importer\'s writer)', () => {
  it('quotes only what YAML would read otherwise', () => {
    assert.equal(yamlString('conv2d_1'), 'conv2d_1');
    assert.equal(yamlString('./images'), './images');
    assert.equal(yamlString('a: b'), '"a: b"');
    assert.equal(yamlString('true'), '"true"');
    assert.equal(yamlString('1x'), '"1x"');
  });

  it('writes required keys, and other keys only where they are not the default', () => {
    assert.equal(layerLine({ type: 'conv2d', filters: 8, kernel: [1, 1], strides: [1, 1], padding: 'valid', activation: 'linear', useBias: true }), '- conv2d: { filters: 8, kernel: 1 }');
    assert.equal(layerLine({ type: 'maxpool2d', pool: [3, 3], strides: [3, 3], padding: 'valid' }), '- maxpool2d: { pool: 3 }');
    assert.equal(layerLine({ type: 'maxpool2d', pool: [2, 2], strides: [1, 1], padding: 'same' }), '- maxpool2d: { strides: 1, padding: same }');
    assert.equal(layerLine({ type: 'activation', activation: 'relu' }), '- activation: relu');
    assert.equal(layerLine({ type: 'flatten', name: 'features' }), '- flatten: { name: features }');
    assert.equal(layerLine({ type: 'batchnorm', momentum: 0.9, epsilon: 0.00001 }), '- batchnorm: { momentum: 0.9, epsilon: 0.00001 }');
  });
});
