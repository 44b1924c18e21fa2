/**
 * Entry point of the training child process (bundled to dist/trainer.js, started with
 * `child_process.fork` by the extension host or the CLI). It speaks only the host ⇄ trainer
 * protocol over IPC: every incoming message passes `isHostMessage`, every outgoing one is a
 * `TrainerMessage`. stdout and stderr carry log text only.
 *
 * Lifetime: one `start` per process; after `done` the process exits. A `start` in inspect mode
 * trains nothing: it serves feature maps of a finished run until `stop` (inspectRun.ts). An
 * `inspectRequest` (own image, explanation, saliency) is answered by the inspected run's model, or
 * while training by the training model between two batches (inspect.ts `liveInspector`); the
 * training's epoch pictures are kept in the run folder on the way out (epochHistory.ts). A watchdog exits when the
 * parent goes away: on IPC `disconnect`, when the parent pid no longer exists, or when pings that
 * used to arrive stop for `PING_TIMEOUT_MS` (a host that never pings relies on the other two).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { HostMessage, InspectRequest, StartRequest, TrainerMessage } from '../shared/trainerProtocol';
import { isHostMessage } from '../shared/trainerProtocol';
import { CnnLabError, toWireError } from '../shared/errors';
import { inferSummary, typedModelSpec, type TypedModelSpec } from '../core/index';
import { loadDataset } from './data/index';
import { selectBackend } from './backends/select';
import { EpochHistory } from './epochHistory';
import { liveInspector, type Inspector } from './inspect';
import { openInspection, type Inspection } from './inspectRun';
import { probeNative } from './probeNative';
import { markFailed, prepareData, train, type PreparedData, type TrainControl } from './train';

const PING_TIMEOUT_MS = Number(process.env.CNN_LAB_PING_TIMEOUT_MS ?? 60_000);
const PARENT_CHECK_MS = 3_000;

function send(msg: TrainerMessage): void {
  if (!process.send || !process.connected) return;
  process.send(msg);
}

/** Sends the last message and exits once it has been handed to the channel. */
function finish(msg: TrainerMessage, code: number): void {
  if (!process.send || !process.connected) process.exit(code);
  process.send(msg, () => {
    process.disconnect();
    process.exit(code);
  });
  // Never hang on a wedged channel.
  setTimeout(() => process.exit(code), 5_000).unref();
}

const control: TrainControl = { stopRequested: false, featureSample: 0, featureRequest: null };
let started = false;
let runDir: string | null = null;
/** False in inspect mode: a failure then must not mark the inspected run as failed. */
let ownsRun = true;
/** The open inspection once an inspect session has loaded (answers requests at once). */
let inspection: Inspection | null = null;
let lastPing = 0;
/** `inspectRequest`s that came before a model could answer them (still loading); answered once one can. */
const waitingInspections: InspectRequest[] = [];

/** Who answers `inspectRequest`s now: the inspected run's model, else the model being trained. */
function inspector(): Inspector | null {
  return inspection?.inspector ?? liveInspector();
}

function answerWaitingInspections(): void {
  const by = inspector();
  if (by === null) return;
  for (const req of waitingInspections.splice(0)) send(by.answer(req));
}

/**
 * The start request's model with its layers checked against the layer registry (the spec crossed
 * a process boundary: a host of another version may send a layer type this trainer lacks).
 */
function checkedSpec(start: StartRequest): TypedModelSpec {
  try {
    return typedModelSpec(start.spec);
  } catch (err) {
    throw new CnnLabError('E_MODEL_INVALID', err instanceof Error ? err.message : String(err),
      'The extension and its trainer disagree on the model language; reinstall or update CNN Lab.');
  }
}

async function run(start: StartRequest): Promise<void> {
  const t0 = Date.now();
  runDir = path.resolve(start.runDir);
  control.featureSample = start.featureSample ?? 0;
  const spec = checkedSpec(start);
  const { versions: backendVersions, ...backend } = await selectBackend(start.backend, spec);
  send({ type: 'backend', ...backend });

  const ds = await loadDataset(spec.dataset, {
    dataDir: start.dataDir, modelDir: start.modelDir, grayscale: spec.grayscale, seed: spec.train.seed,
    ...(start.mirrors && start.mirrors.length > 0 ? { mirrors: start.mirrors } : {}),
    onProgress: (p) => send({ type: 'progress', task: p.task, fraction: p.fraction, ...(p.detail !== undefined ? { detail: p.detail } : {}) }),
  });
  if (ds.shape.join('x') !== spec.inputShape.join('x')) {
    throw new CnnLabError('E_MODEL_INVALID',
      `The model expects input ${spec.inputShape.join('×')} but ${ds.name} images are ${ds.shape.join('×')}.`,
      'Fix `input` (or `grayscale`) in the model file to match the data set.');
  }
  const data = prepareData(ds, spec, start.maxTrainSamples, start.maxTestSamples);
  send({
    type: 'dataset', name: ds.name, source: ds.source, trainCount: data.trainIndices.length,
    validationCount: data.valIndices.length, testCount: data.test.count, inputShape: ds.shape, classNames: ds.classNames,
  });

  if (start.mode === 'inspect') {
    await serveInspection(start, spec, data);
    return;
  }

  const history = new EpochHistory(runDir);
  const result = await train({
    spec, modelText: start.modelText, runDir, resume: start.resume, data, summary: inferSummary(spec),
    backend: { name: backend.name, detail: backend.detail }, batchIntervalMs: start.batchIntervalMs ?? 100,
    control,
    send: (m) => {
      history.observe(m);
      // Inspections answered in the middle of an epoch report it, as train.ts's sample picks do.
      const live = m.type === 'batch' ? liveInspector() : null;
      if (live !== null && m.type === 'batch') live.epoch = m.epoch;
      send(m);
      // The first feature maps mean the training model can answer inspections too.
      if (m.type === 'featureMaps' && waitingInspections.length > 0) answerWaitingInspections();
    },
    versions: { ...cnnLabVersion(), ...backendVersions },
  });
  finish({
    type: 'done', status: result.status, runDir, epochsCompleted: result.epochsCompleted,
    testAcc: result.testAcc, durationSec: result.durationSec || (Date.now() - t0) / 1000,
  }, 0);
}

/**
 * Inspect mode: load the run's weights, send the first sample's feature maps, then answer each
 * `featureMapsRequest` as it arrives (see onMessage) until `stop`. Writes nothing to the run folder.
 */
async function serveInspection(start: StartRequest, spec: TypedModelSpec, data: PreparedData): Promise<void> {
  const dir = runDir ?? path.resolve(start.runDir);
  const opened = await openInspection({ runDir: dir, spec, summary: inferSummary(spec), data });
  const from = opened.weights.kind === 'final' ? 'final weights' : `checkpoint of epoch ${opened.weights.epoch}`;
  send({ type: 'log', level: 'info', message: `Inspecting ${dir} with its ${from}.` });
  // A request that came while loading replaces the first sample: the user's latest pick wins.
  const first = control.featureRequest ?? control.featureSample;
  control.featureRequest = null;
  send(opened.featureMaps(first));
  if (control.stopRequested) {
    endInspection(opened);
    return;
  }
  inspection = opened;
  answerWaitingInspections();
}

function endInspection(open: Inspection): void {
  const done = open.done();
  open.dispose();
  inspection = null;
  finish(done, 0);
}

/**
 * CNN Lab's own version for summary.json, from the package.json next to the bundle (dist/..) or,
 * run from source, two folders up; nothing when neither is CNN Lab's.
 */
function cnnLabVersion(): Record<string, string> {
  for (const up of ['..', path.join('..', '..')]) {
    try {
      const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, up, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'cnn-lab' && typeof pkg.version === 'string') return { cnnLab: pkg.version };
    } catch {
      // Not there: try the next candidate.
    }
  }
  return {};
}

let failed = false;

function fail(err: unknown): void {
  if (failed) return;
  failed = true;
  const wire = toWireError(err);
  process.stderr.write(`trainer: ${wire.code}: ${wire.message}\n${wire.stack ?? ''}\n`);
  if (runDir && ownsRun) {
    try {
      markFailed(runDir);
    } catch {
      // The folder itself may be the problem; the error message says what happened.
    }
  }
  send({ type: 'error', error: wire });
  finish({ type: 'done', status: 'failed', runDir: runDir ?? '', epochsCompleted: 0, testAcc: null, durationSec: 0 }, 1);
}

function onMessage(raw: unknown): void {
  if (!isHostMessage(raw)) {
    send({ type: 'log', level: 'warn', message: `Ignored a malformed message: ${JSON.stringify(raw)?.slice(0, 200)}` });
    return;
  }
  const msg: HostMessage = raw;
  switch (msg.type) {
    case 'start':
      if (started) {
        send({ type: 'log', level: 'warn', message: 'Ignored a second start: one trainer process runs one training.' });
        return;
      }
      started = true;
      ownsRun = msg.mode !== 'inspect';
      run(msg).catch(fail);
      return;
    case 'stop':
      control.stopRequested = true;
      if (inspection) endInspection(inspection);
      else if (!started) finish({ type: 'done', status: 'stopped', runDir: '', epochsCompleted: 0, testAcc: null, durationSec: 0 }, 0);
      return;
    case 'featureMapsRequest':
      if (inspection) send(inspection.featureMaps(msg.sampleIndex));
      else control.featureRequest = msg.sampleIndex;
      return;
    case 'inspectRequest': {
      const by = inspector();
      if (by !== null) send(by.answer(msg));
      else waitingInspections.push(msg);
      return;
    }
    case 'ping':
      lastPing = Date.now();
      send({ type: 'pong', sentAt: msg.sentAt, numTensors: tf.memory().numTensors });
  }
}


function startWatchdog(): void {
  const parent = process.ppid;
  process.on('disconnect', () => process.exit(0));
  const timer = setInterval(() => {
    try {
      process.kill(parent, 0);
    } catch (err) {
      // EPERM means it exists but belongs to someone else; only ESRCH means gone.
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') process.exit(0);
    }
    if (lastPing > 0 && Date.now() - lastPing > PING_TIMEOUT_MS) {
      process.stderr.write(`trainer: no ping for ${PING_TIMEOUT_MS} ms; the host is gone, exiting\n`);
      process.exit(0);
    }
  }, PARENT_CHECK_MS);
  timer.unref();
}

function main(): void {
  if (process.argv.includes('--probe-native')) {
    void probeNative().then((r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`, () => process.exit(r.ok ? 0 : 1));
    });
    return;
  }
  if (!process.send) {
    process.stderr.write('The CNN Lab trainer runs as a child process with an IPC channel (child_process.fork).\n');
    process.exit(2);
  }
  process.on('unhandledRejection', (reason) => fail(reason));
  process.on('uncaughtException', (err) => fail(err));
  process.on('message', onMessage);
  startWatchdog();
  send({ type: 'ready', pid: process.pid, node: process.version });
}

main();
