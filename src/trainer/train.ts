/**
 * The training session: split the data, build and compile the model, train epoch by epoch with a
 * step loop, validate, checkpoint, and report everything through `send` and the run folder.
 *
 * Why a step loop (`model.trainOnBatch` per batch) rather than `model.fit`: neither is consistently
 * faster, because both run the same compiled train function (tfjs-layers `makeTrainFunction`, i.e.
 * `optimizer.minimize`) and the per-batch read-back of loss and accuracy is a copy on the
 * synchronous backends (the measurements are in docs/benchmarks.md, Notes). The step loop then wins
 * on everything else: batches are built from the Uint8Array images on demand (fit needs the whole
 * set as one float32 tensor: 4× the memory), augmentation is per batch, the shuffle and the validation split come from our seeded
 * streams, and between two batches the event loop runs, so `stop` and `featureMapsRequest` are
 * answered within one batch.
 *
 * On the native backend the step itself is `NativeStep` (nativeStep.ts), for every layer type of
 * the language: TensorFlow's gradient and `ResourceApply*` ops called directly, faster per step
 * than `trainOnBatch` there and than Keras's compiled graph (measured in docs/benchmarks.md); the
 * wasm and cpu backends keep `trainOnBatch` (so would a layer type added without a direct pass,
 * which the run log then names).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { formatSummaryTable } from '../core/index';
import type { TypedModelSpec } from '../core/index';
import type { ModelSpec, ModelSummary } from '../shared/modelSpec';
import type {
  BackendName, EpochEndMessage, EvaluationMessage, MetricRecord, RunStatus, RunSummary, TrainerMessage,
} from '../shared/trainerProtocol';
import { augmentActive, makeBatch, makeImages, makeLabels, range, type ImageSet, type ImageShape } from './batches';
import type { LoadedDataset } from './data/types';
import {
  activationModel, confusionAndMistakes, evaluateSet, featureLayerIndices, featureMaps, filters,
} from './inspect';
import { buildModel, compileModel } from './model';
import { NativeStep, trainingStepOf } from './nativeStep';
import { stream } from './rng';
import { TensorBoardLog } from './tensorboard/runLog';
import {
  MetricsLog, RUN_FILES, checkpointDir, listCheckpoints, modelArtifacts, readMetrics, readModelDir,
  readSummary, removeStaleTemps, restoreModelDir, truncateMetrics, writeFileAtomic, writeJsonAtomic,
  writeModelDir, writeSummary,
} from './runFolder';

/** The data as training sees it: index views into the training images, a capped test set. */
export interface PreparedData {
  readonly name: string;
  readonly source: string;
  readonly shape: ImageShape;
  readonly classNames: readonly string[];
  readonly train: ImageSet;
  readonly trainIndices: Int32Array;
  readonly valIndices: Int32Array;
  readonly test: ImageSet;
}

/**
 * Holds out a seeded random `validationSplit` of the training images (Keras's `validation_split`
 * takes the *last* samples, which is wrong for data sorted by class; a seeded random subset is
 * what the course's notebooks do with `train_test_split`). `maxTrainSamples` caps the training
 * part after the split; the validation part shrinks in proportion.
 */
export function prepareData(ds: LoadedDataset, spec: ModelSpec, maxTrainSamples?: number, maxTestSamples?: number): PreparedData {
  const split = Math.min(0.9, Math.max(0, spec.train.validationSplit));
  const all = stream(spec.train.seed, 'validation-split').shuffle(range(ds.train.count));
  let pool = all;
  let valCount = Math.round(all.length * split);
  if (maxTrainSamples !== undefined && maxTrainSamples > 0) {
    const capVal = Math.round(maxTrainSamples * split / (1 - split));
    if (maxTrainSamples + capVal < all.length) {
      pool = all.subarray(0, maxTrainSamples + capVal);
      valCount = capVal;
    }
  }
  const valIndices = pool.slice(0, valCount);
  const trainIndices = pool.slice(valCount);
  const testCount = maxTestSamples !== undefined && maxTestSamples > 0 ? Math.min(maxTestSamples, ds.test.count) : ds.test.count;
  const per = ds.shape[0] * ds.shape[1] * ds.shape[2];
  const test: ImageSet = {
    images: ds.test.images.subarray(0, testCount * per),
    labels: ds.test.labels.subarray(0, testCount),
    count: testCount,
  };
  return { name: ds.name, source: ds.source, shape: ds.shape, classNames: ds.classNames, train: ds.train, trainIndices, valIndices, test };
}

/** Mutable state shared with the process wiring: flags set by incoming messages. */
export interface TrainControl {
  stopRequested: boolean;
  /** Test-set sample whose feature maps are sent each epoch. */
  featureSample: number;
  /** A pending `featureMapsRequest`, answered between batches. */
  featureRequest: number | null;
}

export interface TrainOptions {
  readonly spec: TypedModelSpec;
  readonly modelText: string;
  readonly runDir: string;
  readonly resume: boolean;
  readonly data: PreparedData;
  readonly summary: ModelSummary;
  readonly backend: { readonly name: BackendName; readonly detail: string };
  readonly batchIntervalMs: number;
  readonly control: TrainControl;
  readonly send: (m: TrainerMessage) => void;
  /** Extra entries for `summary.json` `versions`. */
  readonly versions?: Readonly<Record<string, string>>;
}

export interface TrainResult {
  readonly status: Exclude<RunStatus, 'running' | 'failed' | 'interrupted'>;
  readonly epochsCompleted: number;
  readonly testAcc: number | null;
  readonly durationSec: number;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Clears what a previous run in the same folder left, for a fresh (non-resumed) start. */
function clearRunFolder(runDir: string): void {
  for (const name of [
    RUN_FILES.metrics, RUN_FILES.featureMaps, RUN_FILES.filters, RUN_FILES.evaluation, RUN_FILES.checkpoints, RUN_FILES.final,
    RUN_FILES.tensorboardTrain, RUN_FILES.tensorboardValidation,
  ]) {
    fs.rmSync(path.join(runDir, name), { recursive: true, force: true });
  }
}

export async function train(o: TrainOptions): Promise<TrainResult> {
  const { spec, data, control, send, runDir } = o;
  const started = Date.now();
  const shape = data.shape;
  const numClasses = data.classNames.length;
  const batchSize = spec.train.batchSize;
  const totalEpochs = spec.train.epochs;
  const trainCount = data.trainIndices.length;
  const batchesPerEpoch = Math.ceil(trainCount / batchSize);
  const names = o.summary.layers.map((l) => l.name);

  fs.mkdirSync(runDir, { recursive: true });
  removeStaleTemps(runDir);

  const built = buildModel(spec, names.length === spec.layers.length ? names : undefined);
  const { model } = built;
  const optimizer = compileModel(built, spec);
  // tfjs's Adamax cannot export its state (getWeights throws); its checkpoints hold weights only.
  const savedOptimizer = spec.train.optimizer === 'adamax' ? null : optimizer;
  if (!savedOptimizer) {
    send({ type: 'log', level: 'warn', message: 'Adamax state cannot be saved in TensorFlow.js; a resumed run restarts its moment estimates.' });
  }
  const trainingConfig: tf.io.TrainingConfig | undefined = built.outputsProbabilities
    ? { loss: 'categorical_crossentropy', metrics: ['accuracy'], optimizer_config: { class_name: optimizer.getClassName(), config: optimizer.getConfig() } }
    : undefined;

  // ---- fresh start or resume from the last complete checkpoint
  let startEpoch = 1;
  const previous = o.resume ? readSummary(runDir) : null;
  if (o.resume) {
    const last = listCheckpoints(runDir).at(-1);
    if (last !== undefined) {
      const saved = readModelDir(checkpointDir(runDir, last));
      if (!saved) throw new Error(`checkpoint ${last} vanished while resuming`);
      await restoreModelDir(saved, model, optimizer);
      startEpoch = last + 1;
      send({ type: 'log', level: 'info', message: `Resuming after epoch ${last} from ${checkpointDir(runDir, last)}` });
    } else {
      send({ type: 'log', level: 'warn', message: 'No complete checkpoint in the run folder; training starts again from epoch 1.' });
    }
    truncateMetrics(runDir, startEpoch - 1);
  } else {
    clearRunFolder(runDir);
  }
  writeFileAtomic(path.join(runDir, RUN_FILES.model), o.modelText);

  // On the native backend, train with TensorFlow's own training ops where the model allows it
  // (see nativeStep.ts; docs/benchmarks.md has how much faster). Created after a resume,
  // so it starts from the restored weights and optimizer state.
  const nativeStep = o.backend.name === 'tensorflow' ? await NativeStep.create(built, spec, optimizer) : null;
  const trainingStep = trainingStepOf(o.backend.name, nativeStep, spec.layers, o.summary);
  // Every layer type has a direct pass today; one added without names itself, and what it costs.
  if (trainingStep.kind === 'direct') {
    const kernels = trainingStep.kernels;
    send({ type: 'log', level: 'info', message: `Training step: TensorFlow's training ops called directly${kernels.length > 0 ? `, ${kernels.join(', ')}` : ''}.` });
  } else if (trainingStep.kind === 'fallback') {
    send({
      type: 'log', level: 'warn',
      message: `Training step: trainOnBatch (the direct TensorFlow step does not handle ${trainingStep.reason}); `
        + "tfjs's generic training graph, 3–6× slower per step than the direct step (docs/benchmarks.md, speed steps).",
    });
  }
  const checkpointOptimizer = nativeStep ? nativeStep.checkpointOptimizer() : savedOptimizer;
  const metrics = new MetricsLog(path.join(runDir, RUN_FILES.metrics));

  const epochRecords: EpochEndMessage[] = readMetrics(runDir)
    .filter((r): r is Extract<MetricRecord, { kind: 'epoch' }> => r.kind === 'epoch')
    .map(({ kind: _k, time: _t, ...rest }) => ({ type: 'epochEnd' as const, ...rest }));
  const priorDuration = previous?.durationSec ?? 0;
  const startedAt = previous?.startedAt ?? new Date(started).toISOString();
  const runId = path.basename(path.resolve(runDir));

  let epochsCompleted = startEpoch - 1;
  let testAcc: number | null = null;
  let testLoss: number | null = null;
  const summaryOf = (status: RunStatus): RunSummary => {
    const vals = epochRecords.map((e) => e.valAcc).filter((v): v is number => v !== null);
    const rates = epochRecords.map((e) => e.samplesPerSec);
    return {
      runId, name: spec.name, status, dataset: data.name, datasetSource: data.source,
      backend: o.backend.name, backendDetail: o.backend.detail, startedAt,
      finishedAt: status === 'running' ? null : new Date().toISOString(),
      durationSec: priorDuration + (Date.now() - started) / 1000,
      totalEpochs, epochsCompleted,
      bestValAcc: vals.length > 0 ? Math.max(...vals) : null,
      testAcc, testLoss,
      samplesPerSec: rates.length > 0 ? rates.reduce((a, b) => a + b, 0) / rates.length : null,
      totalParams: o.summary.totalParams,
      versions: { node: process.versions.node, tfjs: tf.version.tfjs, ...(process.versions.electron ? { electron: process.versions.electron } : {}), ...o.versions },
      pid: process.pid,
      trainingStep,
    };
  };
  writeSummary(runDir, summaryOf('running'));

  send({ type: 'started', runId, runDir, summary: o.summary, totalEpochs, startEpoch, batchesPerEpoch, trainingStep });
  const tensorboard = new TensorBoardLog({ runDir, batchesPerEpoch, learningRate: spec.train.learningRate, startEpoch });
  if (startEpoch === 1) tensorboard.model(formatSummaryTable(o.summary, spec.name), o.modelText);

  // ---- inspection helpers
  const featIdx = featureLayerIndices(spec.layers);
  const actModel = activationModel(model, featIdx);
  const clampSample = (i: number): number => Math.min(Math.max(0, i), Math.max(0, data.test.count - 1));
  const sendFeatureMaps = (epoch: number, sample: number, persist: boolean): void => {
    if (data.test.count === 0) return;
    const msg = featureMaps(actModel, featIdx, built.names, spec.layers, data.test, clampSample(sample), shape, epoch);
    send(msg);
    if (persist) writeJsonAtomic(path.join(runDir, RUN_FILES.featureMaps), msg);
  };
  const sendFilters = (epoch: number): void => {
    const msg = filters(model, built.names, spec.layers, epoch);
    send(msg);
    writeJsonAtomic(path.join(runDir, RUN_FILES.filters), msg);
    // A resumed session's first picture repeats the last one its earlier session logged.
    if (epoch >= startEpoch || startEpoch === 1) tensorboard.filters(epoch, msg.layers);
  };
  const answerFeatureRequest = (epoch: number): void => {
    if (control.featureRequest === null) return;
    control.featureSample = clampSample(control.featureRequest);
    control.featureRequest = null;
    sendFeatureMaps(epoch, control.featureSample, true);
  };

  // The untrained (or resumed) state, so the dashboard has pictures before the first epoch ends.
  sendFeatureMaps(startEpoch - 1, control.featureSample, true);
  sendFilters(startEpoch - 1);

  // ---- epochs
  let sessionSamples = 0;
  let sessionTrainMs = 0;
  const augment = augmentActive(spec.train.augment) ? spec.train.augment : undefined;
  try {
    for (let epoch = startEpoch; epoch <= totalEpochs && !control.stopRequested; epoch++) {
      const epochStart = Date.now();
      const order = stream(spec.train.seed, 'shuffle', epoch).shuffle(data.trainIndices.slice());
      const augRng = stream(spec.train.seed, 'augment', epoch);
      for (const d of built.dropouts) d.reseed(spec.train.seed, epoch);
      let lossSum = 0;
      let accSum = 0;
      let seen = 0;
      let lastSent = 0;
      let trainMs = 0;
      for (let b = 0; b < batchesPerEpoch; b++) {
        if (control.stopRequested) break;
        const idx = order.subarray(b * batchSize, Math.min(trainCount, (b + 1) * batchSize));
        const t0 = Date.now();
        const aug = augment ? { spec: augment, rng: augRng } : undefined;
        let loss: number;
        let acc: number;
        if (nativeStep) {
          const x = makeImages(data.train, idx, shape, aug);
          const labels = makeLabels(data.train, idx);
          try {
            ({ loss, acc } = nativeStep.step(x, labels));
          } finally {
            x.dispose();
            labels.dispose();
          }
        } else {
          const { x, y } = makeBatch(data.train, idx, shape, numClasses, aug);
          let out: number | number[];
          try {
            out = await model.trainOnBatch(x, y);
          } finally {
            x.dispose();
            y.dispose();
          }
          [loss, acc] = Array.isArray(out) ? [out[0] ?? NaN, out[1] ?? NaN] : [out, NaN];
        }
        trainMs += Date.now() - t0;
        lossSum += loss * idx.length;
        accSum += acc * idx.length;
        seen += idx.length;
        sessionSamples += idx.length;

        const samplesPerSec = seen / Math.max(1e-3, trainMs / 1000);
        const rate = sessionSamples / Math.max(1e-3, (sessionTrainMs + trainMs) / 1000);
        const remaining = (trainCount - seen) + (totalEpochs - epoch) * trainCount;
        const batchMsg = {
          epoch, batch: b + 1, batchesPerEpoch, loss, acc, samplesPerSec, etaSec: remaining / rate,
        };
        metrics.append({ kind: 'batch', time: Date.now(), ...batchMsg });
        tensorboard.batch(epoch, b + 1, loss, acc);
        const now = Date.now();
        if (now - lastSent >= o.batchIntervalMs || b === batchesPerEpoch - 1) {
          lastSent = now;
          send({ type: 'batch', ...batchMsg });
        }
        // Let `stop`, `ping` and `featureMapsRequest` in between batches.
        await yieldToEventLoop();
        answerFeatureRequest(epoch);
      }
      sessionTrainMs += trainMs;
      if (seen < trainCount) break; // stopped inside the epoch: it does not count as completed

      const val = data.valIndices.length > 0
        ? evaluateSet(model, data.train, data.valIndices, shape, numClasses, built.outputsProbabilities)
        : null;
      const end: EpochEndMessage = {
        type: 'epochEnd', epoch, loss: lossSum / seen, acc: accSum / seen,
        valLoss: val ? val.loss : null, valAcc: val ? val.acc : null,
        durationSec: (Date.now() - epochStart) / 1000,
        samplesPerSec: seen / Math.max(1e-3, trainMs / 1000),
        numTensors: tf.memory().numTensors,
      };
      const { type: _t, ...rec } = end;
      // The epoch's line goes to disk before its checkpoint: the checkpoint's rename commits the
      // epoch. A kill in between leaves a line without a checkpoint, which a resume drops
      // (truncateMetrics) and trains again; never a checkpoint whose epoch is missing from the curves.
      metrics.append({ kind: 'epoch', time: Date.now(), ...rec });
      metrics.sync();
      tensorboard.epoch(epoch, end);
      writeModelDir(checkpointDir(runDir, epoch), await modelArtifacts(model, checkpointOptimizer, trainingConfig));
      epochsCompleted = epoch;
      epochRecords.push(end);
      writeSummary(runDir, summaryOf('running'));
      send(end);
      sendFeatureMaps(epoch, control.featureSample, true);
      sendFilters(epoch);
      await yieldToEventLoop();
      answerFeatureRequest(epoch);
    }
  } finally {
    metrics.close();
    nativeStep?.dispose();
    tensorboard.flush();
  }

  // ---- final weights and test-set evaluation (also after a stop)
  const status = control.stopRequested && epochsCompleted < totalEpochs ? 'stopped' : 'completed';
  writeModelDir(path.join(runDir, RUN_FILES.final), await modelArtifacts(model, null));
  if (data.test.count > 0) {
    const ev = evaluateSet(model, data.test, range(data.test.count), shape, numClasses, built.outputsProbabilities);
    const { confusion, misclassified } = confusionAndMistakes(data.test, ev, shape, numClasses);
    testAcc = ev.acc;
    testLoss = ev.loss;
    const evaluation: EvaluationMessage = {
      type: 'evaluation', testLoss: ev.loss, testAcc: ev.acc, confusion, classNames: data.classNames, misclassified,
    };
    writeJsonAtomic(path.join(runDir, RUN_FILES.evaluation), evaluation);
    send(evaluation);
    tensorboard.evaluation(epochsCompleted, ev.loss, ev.acc);
  }
  tensorboard.close();
  const finalSummary = summaryOf(status);
  writeSummary(runDir, finalSummary);
  return { status, epochsCompleted, testAcc, durationSec: finalSummary.durationSec };
}

/** Marks the run folder's summary as failed (best effort; the folder may not exist yet). */
export function markFailed(runDir: string): void {
  const s = readSummary(runDir);
  if (!s) return;
  writeSummary(runDir, { ...s, status: 'failed', finishedAt: new Date().toISOString(), pid: process.pid });
}
