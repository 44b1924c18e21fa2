/**
 * The trainer as a real child process on real MNIST digits (the offline copy of the full MNIST,
 * a few hundred of them), driven only through the host ⇄ trainer protocol.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { TypedModelSpec } from '../../../src/core';
import type { EpochEndMessage } from '../../../src/shared/trainerProtocol';
// CNN Lab's own layer classes (SpatialDropout2D, ELU of any alpha), registered as the trainer does.
import '../../../src/trainer/layers/index';
import { RUN_FILES, listCheckpoints, readMetrics, readModelDir, readSummary } from '../../../src/trainer/runFolder';
import { DashboardModel, summarizeModelText } from '../../../src/extension/dashboardModel';
import { readRun } from '../../../src/host/runStore';
import { TrainerHarness, smallSpec, startRequest } from './harness';

describe('trainer process', function () {
  let tmp: string;
  let dataDir: string;
  /** The uninterrupted reference run (seed 7, 3 epochs), started by whichever test needs it first. */
  let referenceRun: Promise<TrainerHarness> | null = null;
  const reference = (): Promise<TrainerHarness> => {
    referenceRun ??= (async () => {
      const t = new TrainerHarness();
      await t.waitFor((m) => m.type === 'ready');
      t.send(startRequest(path.join(tmp, 'run-ref'), dataDir, smallSpec()));
      await t.done();
      return t;
    })();
    return referenceRun;
  };
  const referenceEpochs = async (): Promise<EpochEndMessage[]> => (await reference()).of('epochEnd');

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cnnlab-trainer-'));
    dataDir = path.join(tmp, 'data');
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('trains through the protocol: curves arrive, accuracy rises above chance, tensors stay flat, the run folder is complete', async () => {
    const runDir = path.join(tmp, 'run-ref');
    const t = await reference();
    const done = await t.done();
    assert.equal(done.status, 'completed', t.stderr.join(''));
    assert.equal(t.exitCode, 0);

    const backend = t.of('backend')[0];
    assert.ok(backend, 'backend message');
    const asked = process.env.CNN_LAB_TEST_BACKEND;
    if (asked && asked !== 'auto') assert.equal(backend.name, asked);
    const dataset = t.of('dataset')[0];
    assert.ok(dataset && /mnist/i.test(dataset.source), `dataset source: ${dataset?.source}`);
    assert.equal(dataset.trainCount, 480);
    const started = t.of('started')[0];
    assert.ok(started);
    assert.equal(started.startEpoch, 1);
    assert.equal(started.batchesPerEpoch, Math.ceil(480 / 32));
    // How the steps ran, as a typed field: the direct TensorFlow step on tensorflow (every layer of
    // this model has a pass), else trainOnBatch as the wasm or cpu backend's own path, which is no
    // warning. The log says the same for the CLI's note or warning.
    const stepLogs = t.of('log').filter((m) => m.message.startsWith('Training step:'));
    if (backend.name === 'tensorflow') {
      assert.equal(started.trainingStep.kind, 'direct');
      assert.deepEqual(stepLogs.map((m) => m.level), ['info']);
    } else {
      assert.deepEqual(started.trainingStep, { kind: 'backendPath', backend: backend.name });
      assert.deepEqual(stepLogs, [], `no fallback warning on ${backend.name}`);
    }

    const epochs = t.of('epochEnd');
    assert.deepEqual(epochs.map((e) => e.epoch), [1, 2, 3]);
    const batches = t.of('batch');
    assert.equal(batches.length, 3 * started.batchesPerEpoch, 'batchIntervalMs 0 sends every batch');
    assert.ok(batches.every((b) => Number.isFinite(b.loss) && b.samplesPerSec > 0 && b.etaSec >= 0));
    const first = epochs[0] as EpochEndMessage;
    const last = epochs[2] as EpochEndMessage;
    assert.ok(last.loss < first.loss, `training loss falls: ${first.loss} → ${last.loss}`);
    const chance = 1 / dataset.classNames.length;
    assert.ok((last.valAcc ?? 0) > 2 * chance, `validation accuracy ${last.valAcc} beats chance ${chance}`);
    // No leaks: the tensor count is the same at the end of every epoch.
    assert.equal(new Set(epochs.map((e) => e.numTensors)).size, 1, `numTensors ${epochs.map((e) => e.numTensors).join(', ')}`);

    const evaluation = t.of('evaluation')[0];
    assert.ok(evaluation);
    assert.ok(evaluation.testAcc > 2 * chance, `test accuracy ${evaluation.testAcc}`);
    assert.equal(evaluation.confusion.flat().reduce((a, b) => a + b, 0), dataset.testCount);
    assert.ok(evaluation.misclassified.length > 0 && evaluation.misclassified.length <= 16);
    assert.ok(evaluation.misclassified.every((m) => m.label !== m.predicted && Buffer.from(m.image.pixelsBase64, 'base64').length === 28 * 28));

    const maps = t.of('featureMaps');
    assert.deepEqual(maps.map((m) => m.epoch), [0, 1, 2, 3]);
    const layer0 = maps[3]?.layers[0];
    assert.ok(layer0 && layer0.type === 'conv2d');
    assert.deepEqual(layer0.shape, [26, 26, 8]);
    assert.equal(Buffer.from(layer0.valuesBase64, 'base64').length, 26 * 26 * 8);
    assert.equal(maps[3]?.layers[1]?.type, 'maxpool2d');
    const filters = t.of('filters').at(-1);
    assert.ok(filters);
    assert.equal(filters.layers[0]?.weights.length, 3 * 3 * 1 * 8);

    // The run folder holds everything a dashboard needs to reopen the run.
    const summary = readSummary(runDir);
    assert.ok(summary);
    assert.equal(summary.status, 'completed');
    assert.equal(summary.epochsCompleted, 3);
    assert.equal(summary.backend, backend.name);
    assert.equal(summary.testAcc, evaluation.testAcc);
    assert.equal(summary.dataset, dataset.name);
    assert.equal(summary.datasetSource, dataset.source);
    assert.equal(summary.backendDetail, backend.detail);
    assert.deepEqual(summary.trainingStep, started.trainingStep, 'summary.json keeps the training step');
    // The dashboard shows it live (from started) and for the finished run (from summary.json).
    const live = DashboardModel.forNewRun(runDir, summary.name, 3, null, 'mnist');
    for (const m of t.messages) live.apply(m);
    assert.deepEqual(live.runInfo.trainingStep, started.trainingStep);
    assert.deepEqual(DashboardModel.fromRunData(await readRun(runDir), summarizeModelText).runInfo.trainingStep, started.trainingStep);
    assert.ok(summary.durationSec > 0 && summary.finishedAt !== null);
    const rates = epochs.map((e) => e.samplesPerSec);
    assert.ok(Math.abs((summary.samplesPerSec ?? 0) - rates.reduce((a, b) => a + b, 0) / rates.length) < 1e-6, 'mean samples/s of the epochs');
    assert.equal(summary.versions.tfjs, tf.version.tfjs);
    assert.equal(summary.versions.node, process.versions.node);
    const pkg = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../../package.json'), 'utf8')) as { version: string };
    assert.equal(summary.versions.cnnLab, pkg.version);
    const library = { tensorflow: 'libtensorflow', wasm: 'tfjs-backend-wasm', cpu: 'tfjs-backend-cpu' }[backend.name];
    assert.ok(summary.versions[library], `${library} version in ${JSON.stringify(summary.versions)}`);
    assert.equal(fs.readFileSync(path.join(runDir, RUN_FILES.model), 'utf8'), `name: ${smallSpec().name}\n`, 'the model file as trained');
    const metrics = readMetrics(runDir);
    assert.equal(metrics.filter((r) => r.kind === 'epoch').length, 3);
    assert.equal(metrics.filter((r) => r.kind === 'batch').length, batches.length);
    assert.deepEqual(listCheckpoints(runDir), [1, 2, 3]);
    for (const f of [RUN_FILES.model, RUN_FILES.featureMaps, RUN_FILES.filters, RUN_FILES.evaluation]) {
      assert.ok(fs.existsSync(path.join(runDir, f)), f);
    }

    // final/ is stock TF.js layers format: it loads with tf.loadLayersModel and gives the same test accuracy.
    const final = readModelDir(path.join(runDir, RUN_FILES.final));
    assert.ok(final);
    const model = await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: final.json.modelTopology, weightSpecs: [...final.specs], weightData: final.weights,
    }));
    assert.equal(model.layers.map((l) => l.getClassName()).join(','), 'Conv2D,MaxPooling2D,Flatten,Dropout,Dense');
    assert.ok(Number.isFinite(evaluation.testLoss));
    model.dispose();
  });

  it('gives the same run for the same seed, and a different one for another seed', async () => {
    const runs: EpochEndMessage[] = [];
    for (const seed of [7, 8]) {
      const t = new TrainerHarness();
      t.send(startRequest(path.join(tmp, `run-seed-${seed}`), dataDir, smallSpec({ epochs: 1, seed })));
      assert.equal((await t.done()).status, 'completed', t.stderr.join(''));
      runs.push(t.of('epochEnd')[0] as EpochEndMessage);
    }
    const ref = await referenceEpochs();
    assert.equal(runs[0]?.loss, ref[0]?.loss, 'seed 7 again: identical epoch-1 loss');
    assert.equal(runs[0]?.valLoss, ref[0]?.valLoss);
    assert.notEqual(runs[1]?.loss, runs[0]?.loss, 'seed 8: a different run');
  });

  it('honours stop within one batch, then evaluates and writes a stopped run', async () => {
    const runDir = path.join(tmp, 'run-stop');
    const t = new TrainerHarness();
    t.send(startRequest(runDir, dataDir, smallSpec({ epochs: 50 })));
    await t.waitFor((m) => m.type === 'batch' && m.epoch === 1 && m.batch === 3);
    t.send({ type: 'stop' });
    const batchesWhenSent = t.of('batch').length;
    const done = await t.done();
    assert.equal(done.status, 'stopped');
    const after = t.of('batch').length - batchesWhenSent;
    assert.ok(after <= 1, `${after} batches ran after stop`);
    assert.ok(t.of('evaluation').length === 1, 'evaluation after stop');
    assert.equal(readSummary(runDir)?.status, 'stopped');
    assert.ok(readModelDir(path.join(runDir, RUN_FILES.final)), 'final weights written at stop');
  });

  it('answers a featureMapsRequest between batches', async () => {
    const t = new TrainerHarness();
    t.send(startRequest(path.join(tmp, 'run-fm'), dataDir, smallSpec({ epochs: 1 })));
    await t.waitFor((m) => m.type === 'batch' && m.batch === 2);
    t.send({ type: 'featureMapsRequest', sampleIndex: 5 });
    const reply = await t.waitFor((m) => m.type === 'featureMaps' && m.sampleIndex === 5);
    assert.equal(reply.type === 'featureMaps' && reply.epoch, 1);
    await t.done();
  });

  it('leaves a readable run when SIGKILLed mid-epoch, and resumes it to the same result as an uninterrupted run', async () => {
    const runDir = path.join(tmp, 'run-kill');
    const spec = smallSpec();
    const a = new TrainerHarness();
    a.send(startRequest(runDir, dataDir, spec));
    await a.waitFor((m) => m.type === 'batch' && m.epoch === 2 && m.batch === 4);
    a.child.kill('SIGKILL');
    await a.exited;
    assert.equal(a.exitSignal, 'SIGKILL');

    // Readable as it is: a running summary, parseable metrics, checkpoint 1 complete.
    const summary = readSummary(runDir);
    assert.ok(summary);
    assert.equal(summary.status, 'running');
    assert.deepEqual(listCheckpoints(runDir), [1]);
    const metrics = readMetrics(runDir);
    assert.ok(metrics.some((r) => r.kind === 'batch' && r.epoch === 2), 'epoch-2 batch lines before the kill');

    const b = new TrainerHarness();
    b.send(startRequest(runDir, dataDir, spec, { resume: true }));
    const done = await b.done();
    assert.equal(done.status, 'completed', b.stderr.join(''));
    assert.equal(b.of('started')[0]?.startEpoch, 2);
    const resumed = b.of('epochEnd');
    assert.deepEqual(resumed.map((e) => e.epoch), [2, 3]);
    // Weights and Adam's state come back exactly, and each epoch's shuffle/dropout stream is its own:
    const ref = await referenceEpochs();
    assert.equal(resumed[0]?.loss, ref[1]?.loss, 'epoch 2 after resume = epoch 2 uninterrupted');
    assert.equal(resumed[1]?.loss, ref[2]?.loss);
    assert.equal(resumed[1]?.valLoss, ref[2]?.valLoss);

    const lines = readMetrics(runDir);
    assert.deepEqual(lines.filter((r) => r.kind === 'epoch').map((r) => r.epoch), [1, 2, 3]);
    const perEpoch = (e: number): number => lines.filter((r) => r.kind === 'batch' && r.epoch === e).length;
    assert.deepEqual([perEpoch(1), perEpoch(2), perEpoch(3)], [15, 15, 15], 'killed epoch-2 lines replaced, not duplicated');
    assert.equal(readSummary(runDir)?.status, 'completed');
  });

  it('resumes a run with spatial dropout and an ELU from its checkpoint to the same result, and its final model reloads', async () => {
    const base = smallSpec({ epochs: 2 });
    const spec: TypedModelSpec = {
      ...base,
      layers: [
        { type: 'conv2d', filters: 6, kernel: [3, 3], strides: [1, 1], padding: 'valid', activation: 'relu', useBias: true },
        { type: 'spatialdropout2d', rate: 0.3 },
        { type: 'maxpool2d', pool: [2, 2], strides: [2, 2], padding: 'valid' },
        { type: 'elu', alpha: 0.5 },
        { type: 'flatten' },
        { type: 'dense', units: 10, activation: 'softmax', useBias: true },
      ],
    };
    const ref = new TrainerHarness();
    // A smaller slice than the other tests: three runs of two epochs, also on the pure-JS cpu backend.
    const small = { maxTrainSamples: 192, maxTestSamples: 100 };
    ref.send(startRequest(path.join(tmp, 'run-spatial-ref'), dataDir, spec, small));
    assert.equal((await ref.done()).status, 'completed', ref.stderr.join(''));
    const runDir = path.join(tmp, 'run-spatial');
    const a = new TrainerHarness();
    a.send(startRequest(runDir, dataDir, spec, small));
    await a.waitFor((m) => m.type === 'batch' && m.epoch === 2 && m.batch === 2);
    a.child.kill('SIGKILL');
    await a.exited;
    assert.deepEqual(listCheckpoints(runDir), [1]);
    const b = new TrainerHarness();
    b.send(startRequest(runDir, dataDir, spec, { ...small, resume: true }));
    assert.equal((await b.done()).status, 'completed', b.stderr.join(''));
    assert.equal(b.of('started')[0]?.startEpoch, 2);
    const want = ref.of('epochEnd');
    const got = b.of('epochEnd');
    assert.equal(got[0]?.loss, want[1]?.loss, 'epoch 2 after resume = epoch 2 uninterrupted');
    assert.equal(got[0]?.valLoss, want[1]?.valLoss);
    assert.ok(Number.isFinite(got[0]?.loss));
    const final = readModelDir(path.join(runDir, RUN_FILES.final));
    assert.ok(final);
    const model = await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: final.json.modelTopology, weightSpecs: [...final.specs], weightData: final.weights,
    }));
    assert.deepEqual(model.layers.map((l) => l.getClassName()), ['Conv2D', 'SpatialDropout2D', 'MaxPooling2D', 'ELU', 'Flatten', 'Dense']);
    model.dispose();
  });

  it('resumes a run killed before its first checkpoint from epoch 1', async () => {
    const runDir = path.join(tmp, 'run-kill-early');
    const spec = smallSpec({ epochs: 1 });
    const a = new TrainerHarness();
    a.send(startRequest(runDir, dataDir, spec));
    await a.waitFor((m) => m.type === 'batch' && m.batch === 2);
    a.child.kill('SIGKILL');
    await a.exited;
    assert.equal(readSummary(runDir)?.status, 'running');
    assert.deepEqual(listCheckpoints(runDir), []);
    const b = new TrainerHarness();
    b.send(startRequest(runDir, dataDir, spec, { resume: true }));
    assert.equal((await b.done()).status, 'completed', b.stderr.join(''));
    assert.equal(b.of('started')[0]?.startEpoch, 1);
    assert.equal(b.of('epochEnd')[0]?.loss, (await referenceEpochs())[0]?.loss);
  });

  it('reports a bad start as error + done(failed) and exits', async () => {
    const t = new TrainerHarness();
    const spec = { ...smallSpec(), inputShape: [32, 32, 3] as const };
    t.send(startRequest(path.join(tmp, 'run-bad'), dataDir, spec));
    const done = await t.done();
    assert.equal(done.status, 'failed');
    const err = t.of('error')[0];
    assert.equal(err?.error.code, 'E_MODEL_INVALID');
    assert.match(err?.error.stack ?? '', /main\.ts:\d+/, 'the error carries the trainer\'s stack');
    assert.ok(err?.error.hint, 'and says what to do');
    assert.equal(t.exitCode, 1);
  });
});
