/**
 * Inspect mode (`StartRequest.mode: 'inspect'`): the real trainer process opens a run that a short
 * real training produced, serves feature maps for samples the host picks, and leaves the run
 * folder exactly as it found it, byte for byte, whether it is stopped or killed.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { TrainerClient } from '../../../src/host/trainerClient';
import { asBytes } from '../../../src/shared/bytes';
import type {
  ExplanationMessage, FeatureMapsMessage, FloatPayload, InspectFailedMessage, InspectRequest, SaliencyMessage, TrainerMessage,
} from '../../../src/shared/trainerProtocol';
import { historyEpochOf, isEpochHistoryEntry } from '../../../src/shared/runFiles';
import { RUN_FILES, listCheckpoints, readModelDir, readSummary } from '../../../src/trainer/runFolder';
import type { TypedModelSpec } from '../../../src/core';
import { TrainerHarness, smallSpec, startRequest } from './harness';

const MAIN = path.resolve(__dirname, '../../../src/trainer/main.ts');

/** Every file under `dir` with its SHA-256 (and nothing else may appear or vanish). */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), createHash('sha256').update(asBytes(fs.readFileSync(p))).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

const isMaps = (m: TrainerMessage): m is FeatureMapsMessage => m.type === 'featureMaps';
const bytesOf = (b64: string): Buffer => Buffer.from(b64, 'base64');
const floats = (p: FloatPayload): Float32Array => {
  const b = bytesOf(p.f32Base64);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
};
const answerTo = (id: number) => (m: TrainerMessage): boolean => 'requestId' in m && m.requestId === id;

/** Largest |a − b| over two arrays of equal length. */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs((a[i] as number) - (b[i] as number)));
  return d;
}

/** Two conv layers (the second on the first's output), a pooling and a softmax classifier. */
function twoConvSpec(epochs: number): TypedModelSpec {
  const base = smallSpec({ epochs });
  return {
    ...base,
    layers: [
      { type: 'conv2d', filters: 4, kernel: [3, 3], strides: [1, 1], padding: 'valid', activation: 'relu', useBias: true },
      { type: 'conv2d', filters: 6, kernel: [3, 3], strides: [2, 2], padding: 'same', activation: 'relu', useBias: true },
      { type: 'maxpool2d', pool: [2, 2], strides: [2, 2], padding: 'valid' },
      { type: 'flatten' },
      { type: 'dense', units: 10, activation: 'softmax', useBias: true },
    ],
  };
}

describe('trainer process: inspect mode', function () {
  let tmp: string;
  let dataDir: string;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cnnlab-inspect-'));
    dataDir = path.join(tmp, 'data');
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('serves feature maps of a finished run from its final weights, per picked sample, and changes nothing on disk', async () => {
    const runDir = path.join(tmp, 'run-done');
    const spec = smallSpec({ epochs: 2 });
    const trainer = new TrainerHarness();
    trainer.send(startRequest(runDir, dataDir, spec));
    assert.equal((await trainer.done()).status, 'completed', trainer.stderr.join(''));
    const trainedMaps = trainer.of('featureMaps').at(-1);
    assert.ok(trainedMaps && trainedMaps.sampleIndex === 0 && trainedMaps.epoch === 2);
    const before = snapshot(runDir);
    const summary = readSummary(runDir);
    assert.ok(summary);

    const t = new TrainerHarness();
    t.send(startRequest(runDir, dataDir, spec, { mode: 'inspect', featureSample: 3 }));
    const first = await t.waitFor(isMaps);
    assert.deepEqual(t.messages.map((m) => m.type).filter((ty) => ty !== 'progress' && ty !== 'log' && ty !== 'pong'),
      ['ready', 'backend', 'dataset', 'featureMaps'], 'nothing is trained: no started, batch or epochEnd');
    assert.equal(first.sampleIndex, 3);
    assert.equal(first.epoch, 2, 'the epoch of the final weights');

    const tensorsNow = async (sentAt: number): Promise<number> => {
      t.send({ type: 'ping', sentAt });
      const pong = await t.waitFor((m): m is Extract<TrainerMessage, { type: 'pong' }> => m.type === 'pong' && m.sentAt === sentAt);
      return pong.numTensors;
    };
    const tensorsAtStart = await tensorsNow(1);

    t.send({ type: 'featureMapsRequest', sampleIndex: 10 });
    const other = await t.waitFor((m): m is FeatureMapsMessage => isMaps(m) && m.sampleIndex === 10);
    t.send({ type: 'featureMapsRequest', sampleIndex: 0 });
    const zero = await t.waitFor((m): m is FeatureMapsMessage => isMaps(m) && m.sampleIndex === 0);

    // Two samples: different inputs, different activations, same layers.
    assert.notEqual(first.input.pixelsBase64, other.input.pixelsBase64);
    assert.deepEqual(first.layers.map((l) => [l.name, l.type, l.shape]), other.layers.map((l) => [l.name, l.type, l.shape]));
    assert.notEqual(first.layers[0]?.valuesBase64, other.layers[0]?.valuesBase64);
    assert.notDeepEqual(first.layers[0]?.ranges, other.layers[0]?.ranges);
    // Sample 0 with the final weights is what training itself showed after its last epoch.
    assert.deepEqual(zero.layers, trainedMaps.layers);
    assert.equal(zero.label, trainedMaps.label);
    assert.equal(await tensorsNow(2), tensorsAtStart, 'answering requests leaks no tensors');

    // And it is the model in final/: stock tf.loadLayersModel gives the same first-conv activations.
    const final = readModelDir(path.join(runDir, RUN_FILES.final));
    assert.ok(final);
    const model = await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: final.json.modelTopology, weightSpecs: [...final.specs], weightData: final.weights,
    }));
    const conv = tf.model({ inputs: model.inputs, outputs: model.layers[0]?.output as tf.SymbolicTensor });
    const x = tf.tensor4d(Float32Array.from(bytesOf(other.input.pixelsBase64), (v) => v / 255), [1, 28, 28, 1]);
    const act = conv.predict(x) as tf.Tensor;
    const values = act.dataSync();
    const layer0 = other.layers[0];
    assert.ok(layer0);
    const channels = layer0.shape[2];
    const scaled = bytesOf(layer0.valuesBase64);
    assert.equal(scaled.length, values.length);
    for (let ch = 0; ch < channels; ch++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = ch; i < values.length; i += channels) { lo = Math.min(lo, values[i] as number); hi = Math.max(hi, values[i] as number); }
      const [rlo, rhi] = layer0.ranges[ch] as [number, number];
      assert.ok(Math.abs(rlo - lo) < 1e-4 && Math.abs(rhi - hi) < 1e-4, `channel ${ch}: [${rlo}, ${rhi}] vs [${lo}, ${hi}]`);
      for (let i = ch; i < values.length; i += channels) {
        const expected = hi > lo ? ((values[i] as number) - lo) / (hi - lo) * 255 : 0;
        assert.ok(Math.abs((scaled[i] as number) - expected) <= 1, `channel ${ch} value ${i}`);
      }
    }
    tf.dispose([x, act]);
    model.dispose();

    t.send({ type: 'stop' });
    const done = await t.done();
    assert.equal(t.exitCode, 0);
    assert.equal(done.status, 'completed', 'the run\'s recorded status');
    assert.equal(done.epochsCompleted, 2);
    assert.equal(done.testAcc, summary.testAcc);
    assert.equal(t.of('error').length, 0, t.stderr.join(''));
    assert.deepEqual(snapshot(runDir), before, 'the run folder is byte-identical');
  });

  it('falls back to the last checkpoint of a killed run; killing the inspector through TrainerClient leaves the folder untouched', async () => {
    const runDir = path.join(tmp, 'run-killed');
    const spec = smallSpec({ epochs: 50 });
    const trainer = new TrainerHarness();
    trainer.send(startRequest(runDir, dataDir, spec));
    await trainer.waitFor((m) => m.type === 'epochEnd' && m.epoch === 1);
    trainer.child.kill('SIGKILL');
    await trainer.exited;
    assert.equal(readSummary(runDir)?.status, 'running');
    assert.ok(listCheckpoints(runDir).length >= 1 && !fs.existsSync(path.join(runDir, RUN_FILES.final)));
    const lastCheckpoint = listCheckpoints(runDir).at(-1);
    const before = snapshot(runDir);

    const { type: _type, ...request } = startRequest(runDir, dataDir, spec, { mode: 'inspect', featureSample: 1 });
    const client = TrainerClient.launch(request, { trainerPath: MAIN, execArgv: ['--import', 'tsx'], pingIntervalMs: 200, stopGraceMs: 2000 });
    const maps = await new Promise<FeatureMapsMessage>((resolve) => {
      const sub = client.onMessage((m) => { if (isMaps(m)) { sub.dispose(); resolve(m); } });
    });
    assert.equal(maps.epoch, lastCheckpoint, 'the weights of the last complete checkpoint');
    assert.equal(maps.sampleIndex, 1);
    client.kill();
    const done = await client.done;
    assert.equal(done.status, 'interrupted');
    assert.equal(readSummary(runDir)?.status, 'running', 'the client does not mark an inspected run');
    assert.deepEqual(snapshot(runDir), before, 'the run folder is byte-identical');
  });

  it('answers inspections (own image, one filter\'s arithmetic, saliency, Grad-CAM) while training and in inspect mode, with tfjs\'s own numbers', async () => {
    const runDir = path.join(tmp, 'run-explain');
    const spec = twoConvSpec(2);
    const trainer = new TrainerHarness();
    trainer.send(startRequest(runDir, dataDir, spec));
    // While training: answered between two batches, by the model being trained.
    await trainer.waitFor((m) => m.type === 'batch' && m.epoch === 1 && m.batch === 2);
    trainer.send({ type: 'inspectRequest', requestId: 1, subject: { kind: 'test', index: 2 }, what: { kind: 'saliency', classIndex: null } });
    const liveAnswer = await trainer.waitFor(answerTo(1));
    assert.equal(liveAnswer.type, 'saliency');
    assert.equal(liveAnswer.type === 'saliency' && liveAnswer.epoch, 1);
    assert.equal((await trainer.done()).status, 'completed', trainer.stderr.join(''));

    // Every epoch's pictures are kept in the run folder: before training, and after each epoch.
    const historyDir = path.join(runDir, RUN_FILES.history);
    const epochs = fs.readdirSync(historyDir).map(historyEpochOf).filter((e): e is number => e !== null).sort();
    assert.deepEqual(epochs, [0, 1, 2]);
    for (const e of epochs) {
      const entry: unknown = JSON.parse(fs.readFileSync(path.join(historyDir, `epoch-${e}.json`), 'utf8'));
      assert.ok(isEpochHistoryEntry(entry));
      assert.equal(entry.featureMaps.epoch, e);
      assert.equal(entry.filters.epoch, e);
      assert.deepEqual(entry.filters.layers.map((l) => l.layerIndex), [0, 1]);
    }
    const trainedFilters = trainer.of('filters').at(-1);
    assert.ok(trainedFilters);

    const t = new TrainerHarness();
    t.send(startRequest(runDir, dataDir, spec, { mode: 'inspect', featureSample: 4 }));
    const maps4 = await t.waitFor(isMaps);
    assert.ok(maps4.probabilities !== undefined && maps4.probabilities.length === 10);
    assert.ok(Math.abs(maps4.probabilities.reduce((a, b) => a + b, 0) - 1) < 1e-5, 'probabilities sum to 1');
    const tensorsNow = async (sentAt: number): Promise<number> => {
      t.send({ type: 'ping', sentAt });
      const pong = await t.waitFor((m): m is Extract<TrainerMessage, { type: 'pong' }> => m.type === 'pong' && m.sentAt === sentAt);
      return pong.numTensors;
    };
    const tensorsAtStart = await tensorsNow(1);
    const ask = async <T extends TrainerMessage>(req: Omit<InspectRequest, 'type'>): Promise<T> => {
      t.send({ type: 'inspectRequest', ...req });
      return await t.waitFor(answerTo(req.requestId)) as T;
    };

    // The user's own image with the pixels of test sample 4 gives sample 4's maps and prediction.
    const own = await ask<FeatureMapsMessage>({ requestId: 10, subject: { kind: 'own', image: maps4.input }, what: { kind: 'featureMaps' } });
    assert.equal(own.type, 'featureMaps');
    assert.equal(own.sampleIndex, null);
    assert.equal(own.label, null);
    assert.deepEqual(own.layers, maps4.layers);
    assert.deepEqual(own.probabilities, maps4.probabilities);

    // The model as tfjs loads it from final/, for the numbers to compare with.
    const final = readModelDir(path.join(runDir, RUN_FILES.final));
    assert.ok(final);
    const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: final.json.modelTopology, weightSpecs: [...final.specs], weightData: final.weights }));
    const x = tf.tensor4d(Float32Array.from(bytesOf(maps4.input.pixelsBase64), (v) => v / 255), [1, 28, 28, 1]);
    const upTo = (i: number): tf.LayersModel => tf.model({ inputs: model.inputs, outputs: model.layers[i]?.output as tf.SymbolicTensor });
    const conv1 = (upTo(0).predict(x) as tf.Tensor).dataSync();
    const conv2 = (upTo(1).predict(x) as tf.Tensor).dataSync();

    // One filter's arithmetic, first layer: the image ⊛ the kernel + bias is the layer's output.
    const ex = await ask<ExplanationMessage>({ requestId: 11, subject: { kind: 'test', index: 4 }, what: { kind: 'explanation', layerIndex: 0, filter: 2 } });
    assert.equal(ex.type, 'explanation');
    assert.equal(ex.inputIsImage, true);
    assert.deepEqual(ex.input.shape, [28, 28, 1]);
    assert.deepEqual(ex.kernel.shape, [3, 3, 1]);
    assert.deepEqual(ex.output.shape, [26, 26]);
    assert.ok(maxDiff(floats(ex.input), x.dataSync()) === 0, 'the input is the image / 255');
    const w1 = trainedFilters.layers[0];
    assert.ok(w1 && w1.bias);
    assert.deepEqual(Array.from(floats(ex.kernel)), Array.from({ length: 9 }, (_, i) => Math.fround(w1.weights[i * 4 + 2] as number)));
    assert.equal(ex.bias, Math.fround(w1.bias[2] as number));
    const input1 = floats(ex.input);
    const k1 = floats(ex.kernel);
    const direct = new Float64Array(26 * 26);
    for (let y = 0; y < 26; y++) for (let xx = 0; xx < 26; xx++) {
      let sum = ex.bias;
      for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) sum += (input1[(y + i) * 28 + xx + j] as number) * (k1[i * 3 + j] as number);
      direct[y * 26 + xx] = sum;
    }
    assert.ok(maxDiff(floats(ex.preActivation), direct) < 1e-5, 'TensorFlow\'s conv2d + bias = the sum of products');
    assert.ok(maxDiff(floats(ex.output), Array.from(direct, (v) => Math.max(0, v))) < 1e-5, 'ReLU of it is the layer output');
    assert.ok(maxDiff(floats(ex.output), Array.from({ length: 26 * 26 }, (_, p) => conv1[p * 4 + 2] as number)) < 1e-5, 'as tfjs computes channel 3 of conv 1');

    // Deeper layer: its input is the first layer's output, strides 2 and same padding.
    const ex2 = await ask<ExplanationMessage>({ requestId: 12, subject: { kind: 'test', index: 4 }, what: { kind: 'explanation', layerIndex: 1, filter: 5 } });
    assert.equal(ex2.inputIsImage, false);
    assert.equal(ex2.inputLayerName, ex.layerName);
    assert.deepEqual(ex2.input.shape, [26, 26, 4]);
    assert.deepEqual(ex2.output.shape, [13, 13]);
    assert.ok(maxDiff(floats(ex2.input), conv1) < 1e-6);
    assert.ok(maxDiff(floats(ex2.output), Array.from({ length: 13 * 13 }, (_, p) => conv2[p * 6 + 5] as number)) < 1e-5);

    // Saliency: ∂ logit / ∂ input, against tf.grad through the loaded model (the dense layer's linear part by hand).
    const sal = await ask<SaliencyMessage>({ requestId: 13, subject: { kind: 'test', index: 4 }, what: { kind: 'saliency', classIndex: 7 } });
    assert.equal(sal.type, 'saliency');
    assert.equal(sal.classIndex, 7);
    assert.equal(sal.scoreKind, 'logit');
    const dense = model.layers[4] as tf.layers.Layer;
    const [kernel, bias] = dense.getWeights() as [tf.Tensor2D, tf.Tensor1D];
    const flat = upTo(3);
    const logit = (inp: tf.Tensor): tf.Scalar => tf.sum(tf.slice(tf.add(tf.matMul(flat.apply(inp) as tf.Tensor2D, kernel), bias), [0, 7], [1, 1]));
    const gradient = tf.grad(logit)(x);
    assert.deepEqual(sal.gradient.shape, [28, 28, 1]);
    const gmax = Math.max(...Array.from(gradient.dataSync(), Math.abs));
    assert.ok(gmax > 0, 'the gradient is not all zero');
    assert.ok(maxDiff(floats(sal.gradient), gradient.dataSync()) < 1e-5 * Math.max(1, gmax), 'saliency = tf.grad of the logit');
    assert.ok(Math.abs(sal.score - logit(x).dataSync()[0]!) < 1e-4);
    assert.ok(Math.abs(sal.probability - (maps4.probabilities[7] as number)) < 1e-5);

    // Grad-CAM on the last conv layer (conv 2): α_k = mean ∂logit/∂A_k, map = ReLU(Σ α_k A_k).
    assert.ok(sal.gradCam);
    assert.equal(sal.gradCam.layerIndex, 1);
    const a = upTo(1).predict(x) as tf.Tensor;
    const tail = (act: tf.Tensor): tf.Scalar => {
      const pooled = (model.layers[2] as tf.layers.Layer).apply(act) as tf.Tensor;
      const f = (model.layers[3] as tf.layers.Layer).apply(pooled) as tf.Tensor2D;
      return tf.sum(tf.slice(tf.add(tf.matMul(f, kernel), bias), [0, 7], [1, 1]));
    };
    const ga = tf.grad(tail)(a).dataSync();
    const av = a.dataSync();
    const alpha = Array.from({ length: 6 }, (_, k) => { let s = 0; for (let p = 0; p < 169; p++) s += ga[p * 6 + k] as number; return s / 169; });
    assert.ok(maxDiff(sal.gradCam.weights, alpha) < 1e-6);
    const cam = Array.from({ length: 169 }, (_, p) => Math.max(0, alpha.reduce((s, al, k) => s + al * (av[p * 6 + k] as number), 0)));
    assert.ok(maxDiff(floats(sal.gradCam.map), cam) < 1e-5);

    // Requests it cannot answer fail alone; the process goes on.
    const notConv = await ask<InspectFailedMessage>({ requestId: 14, subject: { kind: 'test', index: 4 }, what: { kind: 'explanation', layerIndex: 2, filter: 0 } });
    assert.equal(notConv.type, 'inspectFailed');
    assert.equal(notConv.error.code, 'E_MODEL_INVALID');
    const wrongSize = await ask<InspectFailedMessage>({ requestId: 15, subject: { kind: 'own', image: { width: 2, height: 2, channels: 1, pixelsBase64: 'AAAAAA==' } }, what: { kind: 'featureMaps' } });
    assert.equal(wrongSize.type, 'inspectFailed');
    const noSample = await ask<InspectFailedMessage>({ requestId: 16, subject: { kind: 'test', index: 100_000 }, what: { kind: 'saliency', classIndex: null } });
    assert.equal(noSample.type, 'inspectFailed');
    assert.equal(await tensorsNow(2), tensorsAtStart, 'answering inspections leaks no tensors');

    tf.dispose([x, a, gradient]);
    model.dispose();
    t.send({ type: 'stop' });
    assert.equal((await t.done()).status, 'completed');
  });

  it('reports a folder without weights as an error and creates nothing', async () => {
    const runDir = path.join(tmp, 'no-such-run');
    const t = new TrainerHarness();
    t.send(startRequest(runDir, dataDir, smallSpec(), { mode: 'inspect' }));
    const done = await t.done();
    assert.equal(done.status, 'failed');
    assert.equal(t.of('error')[0]?.error.code, 'E_RUN_NOT_RESUMABLE');
    assert.equal(fs.existsSync(runDir), false);
  });
});
