import { strict as assert } from 'node:assert';
import { readRun } from '../../../src/host/runStore';
import { DashboardModel, epochsOf, filtersState, summarizeModelText } from '../../../src/extension/dashboardModel';
import { isDashboardSnapshot, isDashboardUpdate } from '../../../src/shared/webviewProtocol';
import type { TrainingStep } from '../../../src/shared/trainerProtocol';
import { FIXTURE_DIR, recordedInspections, recordedMessages } from '../../webview/fixture';

const DIRECT: TrainingStep = { kind: 'direct', kernels: [] };

describe('dashboard model (run → snapshot)', function () {
  it('rebuilds a finished run from its folder', async function () {
    const data = await readRun(FIXTURE_DIR);
    const snap = DashboardModel.fromRunData(data, summarizeModelText).snapshot();
    assert.ok(isDashboardSnapshot(snap));
    const s = data.summary;
    assert.ok(s !== null);
    assert.equal(snap.info.name, s.name);
    assert.equal(snap.info.status, 'completed');
    assert.equal(snap.info.live, false);
    assert.equal(snap.info.backend, s.backend);
    assert.equal(snap.info.testAcc, s.testAcc);
    assert.equal(snap.info.bestValAcc, s.bestValAcc);
    assert.deepEqual(snap.info.inputShape, [32, 32, 3]);
    assert.equal(snap.epochs.length, s.epochsCompleted);
    assert.equal(snap.batches.length, data.metrics.filter((m) => m.kind === 'batch').length);
    assert.equal(snap.modelSummary?.totalParams, s.totalParams, 'the summary from the model text agrees with the trainer');
    assert.deepEqual(snap.evaluation?.confusion, data.evaluation?.confusion);
    assert.equal(snap.featureMaps?.epoch, s.epochsCompleted);
  });

  it('replaying the recorded trainer messages gives the same curves as the folder', async function () {
    const data = await readRun(FIXTURE_DIR);
    const messages = recordedMessages();
    const started = messages.find((m) => m.type === 'started');
    assert.ok(started?.type === 'started');
    const live = DashboardModel.forNewRun('/r', 'shapes-fixture', started.totalEpochs, null, 'shapes');
    let updates = 0;
    for (const m of messages) {
      for (const u of live.apply(m)) { assert.ok(isDashboardUpdate(u), `update ${u.kind} passes the guard`); updates++; }
    }
    const snap = live.snapshot();
    assert.ok(updates > messages.length / 2);
    const strip = (e: object): Record<string, unknown> => { const { time: _t, ...rest } = e as Record<string, unknown>; return rest; };
    assert.deepEqual(snap.epochs.map(strip), epochsOf(data.metrics).map(strip));
    assert.equal(snap.info.status, 'completed');
    assert.equal(snap.info.live, false);
    assert.equal(snap.info.backend, data.summary?.backend);
    assert.deepEqual(snap.modelSummary, started.summary);
    assert.ok(live.latestFilters !== null);
  });

  it('drops retrained epochs when a run resumes', function () {
    const model = new DashboardModel({
      runDir: '/r', name: 'm', status: 'stopped', backend: 'cpu', backendDetail: null, dataset: 'mnist', datasetSource: null,
      classNames: [], inputShape: [28, 28, 1], totalEpochs: 4, batchesPerEpoch: 10, startedAt: null, durationSec: 0,
      bestValAcc: null, testAcc: null, error: null, live: false, inspectable: false, testCount: null, trainingStep: null,
    });
    for (const epoch of [1, 2, 3]) {
      model.apply({ type: 'batch', epoch, batch: 5, batchesPerEpoch: 10, loss: 1, acc: 0.5, samplesPerSec: 100, etaSec: 10 });
      model.apply({ type: 'epochEnd', epoch, loss: 1, acc: 0.5, valLoss: 1, valAcc: 0.4 + epoch / 10, durationSec: 1, samplesPerSec: 100, numTensors: 10 });
    }
    assert.equal(model.runInfo.bestValAcc, 0.7);
    const summary = { layers: [], inputShape: [28, 28, 1], totalParams: 0, trainableParams: 0, nonTrainableParams: 0, totalMacs: 0, activationBytesPerBatch: 0 };
    model.apply({ type: 'started', runId: 'r', runDir: '/r', summary, totalEpochs: 4, startEpoch: 3, batchesPerEpoch: 10, trainingStep: DIRECT });
    const snap = model.snapshot();
    assert.deepEqual(snap.epochs.map((e) => e.epoch), [1, 2]);
    assert.deepEqual(snap.batches.map((b) => b.epoch), [1, 2]);
    assert.equal(snap.info.status, 'running');
    assert.equal(snap.info.live, true);
  });

  it('forgets a stopped run\'s test result when it resumes, so the header shows no stale accuracy', async function () {
    const data = await readRun(FIXTURE_DIR);
    const model = DashboardModel.fromRunData(data, summarizeModelText);
    assert.ok(model.snapshot().evaluation !== null && model.runInfo.testAcc !== null);
    const summary = model.snapshot().modelSummary;
    assert.ok(summary);
    const updates = model.apply({ type: 'started', runId: 'r', runDir: FIXTURE_DIR, summary, totalEpochs: 10, startEpoch: 4, batchesPerEpoch: 10, trainingStep: DIRECT });
    assert.ok(updates.every((u) => isDashboardUpdate(u)));
    assert.deepEqual(updates.filter((u) => u.kind === 'evaluation'), [{ kind: 'evaluation', evaluation: null }]);
    assert.equal(model.runInfo.testAcc, null);
    assert.equal(model.snapshot().evaluation, null);
  });

  it('carries the training step: from started while live, from summary.json once finished, from the backend for older runs', async function () {
    const live = DashboardModel.forNewRun('/r', 'm', 2, null, 'mnist');
    assert.equal(live.runInfo.trainingStep, null, 'unknown before the trainer started');
    const summary = { layers: [], inputShape: [28, 28, 1], totalParams: 0, trainableParams: 0, nonTrainableParams: 0, totalMacs: 0, activationBytesPerBatch: 0 };
    const fallback: TrainingStep = { kind: 'fallback', layerIndex: 2, layerName: 'future_layer', reason: 'layer 3, future_layer has no native pass yet' };
    const updates = live.apply({ type: 'started', runId: 'r', runDir: '/r', summary, totalEpochs: 2, startEpoch: 1, batchesPerEpoch: 10, trainingStep: fallback });
    const info = updates.find((u) => u.kind === 'info');
    assert.deepEqual(info?.kind === 'info' ? info.info.trainingStep : null, fallback, 'the open dashboard gets it in an info update');
    assert.ok(isDashboardSnapshot(live.snapshot()));

    // A finished run: read back from summary.json (the fixture recorded the direct step).
    const data = await readRun(FIXTURE_DIR);
    assert.equal(data.summary?.trainingStep?.kind, 'direct');
    const stored = DashboardModel.fromRunData(data, summarizeModelText);
    assert.deepEqual(stored.runInfo.trainingStep, data.summary?.trainingStep);
    // A run from before summary.json had it: trainOnBatch is wasm's and cpu's only path; tensorflow's is unknown.
    assert.ok(data.summary !== null);
    const { trainingStep: _step, ...older } = data.summary;
    const on = (backend: 'tensorflow' | 'wasm' | 'cpu') => DashboardModel.fromRunData(
      { ...data, summary: { ...older, backend }, entry: { ...data.entry, backend } }, summarizeModelText).runInfo.trainingStep;
    assert.deepEqual(on('wasm'), { kind: 'backendPath', backend: 'wasm' });
    assert.deepEqual(on('cpu'), { kind: 'backendPath', backend: 'cpu' });
    assert.equal(on('tensorflow'), null);
  });

  it('turns trainer errors into one user-facing sentence', function () {
    const model = DashboardModel.forNewRun('/r', 'm', 2, null, 'mnist');
    const [u] = model.apply({ type: 'error', error: { code: 'E_BACKEND_UNAVAILABLE', message: 'tfjs-node failed to load.', hint: 'Pick the wasm backend.' } });
    assert.equal(u?.kind === 'info' ? u.info.error : null, 'tfjs-node failed to load. Pick the wasm backend.');
    assert.deepEqual(model.snapshot().info.classNames.length, 10, 'class names known for built-in data sets');
  });

  it('builds the filters view state with colour channel names', async function () {
    const data = await readRun(FIXTURE_DIR);
    const model = DashboardModel.fromRunData(data, summarizeModelText);
    const state = filtersState(model.runInfo, model.latestFilters);
    assert.deepEqual(state?.inputChannels, ['R', 'G', 'B']);
    assert.equal(state?.layers.length, data.filters?.layers.length);
    assert.equal(filtersState(model.runInfo, null), null);
    const gray = filtersState({ ...model.runInfo, inputShape: [28, 28, 1] }, data.filters ?? null);
    assert.deepEqual(gray?.inputChannels, ['gray']);
  });

  it('knows when a run can be inspected and answers a pending sample pick', async function () {
    const data = await readRun(FIXTURE_DIR);
    // The fixture keeps no weights, but it completed, and a completed run has its final weights.
    const stored = DashboardModel.fromRunData(data, summarizeModelText);
    assert.equal(stored.runInfo.inspectable, true);
    assert.equal(DashboardModel.fromRunData({ ...data, entry: { ...data.entry, status: 'stopped', lastCheckpoint: null } }, summarizeModelText).runInfo.inspectable, false);
    assert.equal(DashboardModel.fromRunData({ ...data, entry: { ...data.entry, status: 'stopped', lastCheckpoint: 2 } }, summarizeModelText).runInfo.inspectable, true);

    const messages = recordedMessages();
    const live = DashboardModel.forNewRun('/r', 'shapes-fixture', 4, null, 'shapes');
    assert.equal(live.runInfo.inspectable, false, 'no weights before the first epoch');
    const dataset = messages.find((m) => m.type === 'dataset');
    assert.ok(dataset?.type === 'dataset');
    live.apply(dataset);
    assert.equal(live.runInfo.testCount, dataset.testCount);
    const epoch = messages.find((m) => m.type === 'epochEnd');
    assert.ok(epoch !== undefined);
    live.apply(epoch);
    assert.equal(live.runInfo.inspectable, true, 'epochEnd follows a checkpoint');

    const maps = messages.find((m) => m.type === 'featureMaps');
    assert.ok(maps?.type === 'featureMaps' && maps.sampleIndex !== null);
    const pick = live.setSamplePick({ pending: maps.sampleIndex + 1, progress: 'loading', error: null });
    assert.ok(isDashboardUpdate(pick));
    // Maps of another sample (the per-epoch ones) leave the pick pending ...
    assert.deepEqual(live.apply(maps).map((u) => u.kind), ['featureMaps']);
    assert.equal(live.snapshot().samplePick.pending, maps.sampleIndex + 1);
    // ... the picked sample's maps answer it.
    const answer = live.showFeatureMaps({ ...maps, sampleIndex: maps.sampleIndex + 1 });
    assert.deepEqual(answer.map((u) => u.kind), ['featureMaps', 'samplePick']);
    assert.deepEqual(live.snapshot().samplePick, { pending: null, progress: null, error: null, inspectorRunning: false });
    // A trainer that ends with a pick pending cannot answer it any more.
    live.setSamplePick({ pending: 2 });
    const done = live.apply({ type: 'done', status: 'completed', runDir: '/r', epochsCompleted: 4, testAcc: 0.9, durationSec: 3 });
    assert.deepEqual(done.map((u) => u.kind), ['info', 'samplePick']);
    assert.equal(live.snapshot().samplePick.pending, null);
    assert.ok(isDashboardSnapshot(live.snapshot()));
  });

  it('numbers inspections, answers them, keeps the own image apart from the test sample and forgets what a gone trainer cannot answer', async function () {
    const model = DashboardModel.fromRunData(await readRun(FIXTURE_DIR), summarizeModelText);
    const shownBefore = model.snapshot().featureMaps;
    const answers = recordedInspections();
    const a = model.inspectAsked({ kind: 'explanation', layerIndex: 0, filter: 2 });
    const b = model.inspectAsked({ kind: 'featureMaps' });
    assert.notEqual(a.requestId, b.requestId);
    assert.deepEqual([...model.inspectState.pending], ['explanation', 'featureMaps']);
    assert.equal(model.inspectState.error, null);
    assert.ok(isDashboardUpdate(a.update));

    const ex = answers.get(1);
    assert.ok(ex?.type === 'explanation');
    const exUpdates = model.apply({ ...ex, requestId: a.requestId });
    assert.deepEqual(exUpdates.map((u) => u.kind), ['explanation', 'inspect']);
    assert.ok(exUpdates.every(isDashboardUpdate), 'the guard accepts real explanations');
    assert.equal(model.snapshot().explanation?.filter, 2);

    const own = answers.get(4);
    assert.ok(own?.type === 'featureMaps' && own.sampleIndex === null);
    const ownUpdates = model.apply({ ...own, requestId: b.requestId });
    assert.deepEqual(ownUpdates.map((u) => u.kind), ['ownInput', 'inspect']);
    assert.ok(ownUpdates.every(isDashboardUpdate));
    assert.deepEqual(model.snapshot().featureMaps, shownBefore, 'the test sample shown stays');
    assert.equal(model.snapshot().ownInput?.sampleIndex, null);
    assert.equal(model.inspectState.pending.length, 0);

    // A failure is said once, for its request; an unknown request id is ignored.
    const c = model.inspectAsked({ kind: 'saliency', classIndex: null });
    assert.deepEqual(model.apply({ type: 'inspectFailed', requestId: 999, error: { code: 'E_INTERNAL', message: 'x' } }), []);
    const failed = model.apply({ type: 'inspectFailed', requestId: c.requestId, error: { code: 'E_MODEL_INVALID', message: 'No.', hint: 'Try another.' } });
    assert.equal(model.inspectState.pending.length, 0);
    assert.equal(model.inspectState.error, 'No. Try another.');
    assert.ok(failed.every(isDashboardUpdate));
    // The run's trainer ends with a question open: nothing will answer it.
    model.inspectAsked({ kind: 'saliency', classIndex: 1 });
    const done = model.apply({ type: 'done', status: 'completed', runDir: '/r', epochsCompleted: 4, testAcc: 0.5, durationSec: 1 });
    assert.ok(done.some((u) => u.kind === 'inspect'));
    assert.equal(model.inspectState.pending.length, 0);
    assert.ok(isDashboardSnapshot(model.snapshot()));
  });

  it('lists the epochs with pictures: from the folder, each epoch\'s filters, and a resume dropping the retrained ones', async function () {
    const model = DashboardModel.fromRunData(await readRun(FIXTURE_DIR), summarizeModelText);
    assert.deepEqual(model.snapshot().historyEpochs, [0, 1, 2, 3, 4]);
    const summary = { layers: [], inputShape: [32, 32, 3], totalParams: 0, trainableParams: 0, nonTrainableParams: 0, totalMacs: 0, activationBytesPerBatch: 0 };
    const resumed = model.apply({ type: 'started', runId: 'r', runDir: '/r', summary, totalEpochs: 6, startEpoch: 3, batchesPerEpoch: 10, trainingStep: DIRECT });
    assert.ok(resumed.some((u) => u.kind === 'historyEpochs'));
    assert.deepEqual(model.snapshot().historyEpochs, [0, 1, 2]);
    const filters = recordedMessages().find((m) => m.type === 'filters');
    assert.ok(filters?.type === 'filters');
    assert.deepEqual(model.apply({ ...filters, epoch: 3 }).map((u) => u.kind), ['historyEpochs']);
    assert.deepEqual(model.apply({ ...filters, epoch: 3 }), [], 'an epoch already listed');
    assert.deepEqual(model.snapshot().historyEpochs, [0, 1, 2, 3]);
    model.apply({ type: 'started', runId: 'r', runDir: '/r', summary, totalEpochs: 6, startEpoch: 1, batchesPerEpoch: 10, trainingStep: DIRECT });
    assert.deepEqual(model.snapshot().historyEpochs, [], 'a fresh start in the folder starts the history over');
  });
});
