import { strict as assert } from 'node:assert';
import { readRun } from '../../../src/host/runStore';
import { DashboardModel, filtersState, summarizeModelText } from '../../../src/extension/dashboardModel';
import {
  appendBatchPoint, isDashboardToHostMessage, isFiltersToHostMessage, isHostToDashboardMessage, isHostToFiltersMessage,
  type DashboardBatch,
} from '../../../src/shared/webviewProtocol';
import { FIXTURE_DIR, recordedInspections } from '../../webview/fixture';
import { isHostMessage, isTrainerMessage } from '../../../src/shared/trainerProtocol';
import { historyToThin } from '../../../src/shared/runFiles';

describe('webview protocol guards', function () {
  it('accept real host messages built from the recorded run', async function () {
    const model = DashboardModel.fromRunData(await readRun(FIXTURE_DIR), summarizeModelText);
    const snap = model.snapshot();
    assert.ok(isHostToDashboardMessage({ type: 'snapshot', seq: 1, snapshot: snap, l10n: null }));
    assert.ok(isHostToDashboardMessage({ type: 'snapshot', seq: 1, snapshot: snap, l10n: { Loss: '손실' } }));
    assert.ok(isHostToDashboardMessage({ type: 'append', seq: 2, update: { kind: 'epoch', epoch: snap.epochs[0] } }));
    const state = filtersState(model.runInfo, model.latestFilters);
    assert.ok(isHostToFiltersMessage({ type: 'filtersState', state, emptyText: '', l10n: null }));
    assert.ok(isHostToFiltersMessage({ type: 'filtersState', state: null, emptyText: 'none', l10n: null }));
  });

  it('refuse malformed host messages', async function () {
    const snap = DashboardModel.fromRunData(await readRun(FIXTURE_DIR), summarizeModelText).snapshot();
    assert.ok(!isHostToDashboardMessage({ type: 'snapshot', seq: -1, snapshot: snap, l10n: null }));
    assert.ok(!isHostToDashboardMessage({ type: 'snapshot', seq: 1, snapshot: { ...snap, epochs: [{ epoch: 1 }] }, l10n: null }));
    assert.ok(!isHostToDashboardMessage({ type: 'snapshot', seq: 1, snapshot: snap, l10n: { a: 1 } }));
    assert.ok(!isHostToDashboardMessage({ type: 'append', seq: 2, update: { kind: 'batch', batch: { epoch: 'x' } } }));
    assert.ok(!isHostToDashboardMessage({ type: 'append', seq: 2, update: { kind: 'nope' } }));
    assert.ok(isHostToDashboardMessage({ type: 'append', seq: 2, update: { kind: 'samplePick', samplePick: { pending: 3, progress: null, error: null, inspectorRunning: true } } }));
    assert.ok(!isHostToDashboardMessage({ type: 'append', seq: 2, update: { kind: 'samplePick', samplePick: { pending: -3, progress: null, error: null, inspectorRunning: true } } }));
    assert.ok(!isHostToDashboardMessage({ type: 'snapshot', seq: 1, snapshot: { ...snap, info: { ...snap.info, inspectable: 'yes' } }, l10n: null }));
    assert.ok(!isHostToDashboardMessage({ type: 'snapshot', seq: 1, snapshot: { ...snap, samplePick: undefined }, l10n: null }));
    assert.ok(!isHostToDashboardMessage({ type: 'append', seq: 2, update: { kind: 'info', info: { ...snap.info, status: 'weird' } } }));
    const layer = { layerIndex: 0, name: 'c', kernel: [3, 3], inChannels: 1, outChannels: 2, weights: new Array(17).fill(0) };
    const state = { runDir: '/r', runName: 'r', status: 'completed', epoch: 1, inputChannels: ['gray'], layers: [layer] };
    assert.ok(!isHostToFiltersMessage({ type: 'filtersState', state, emptyText: '', l10n: null }), 'weights must match the kernel shape');
    assert.ok(isHostToFiltersMessage({ type: 'filtersState', state: { ...state, layers: [{ ...layer, weights: new Array(18).fill(0.1) }] }, emptyText: '', l10n: null }));
  });

  it('accept exactly the webview → host messages of the protocol', function () {
    for (const ok of [{ type: 'ready' }, { type: 'resync', lastSeq: 3 }, { type: 'requestFeatureMaps', sampleIndex: 12 }, { type: 'stopTraining' }, { type: 'webviewError', message: 'x' }]) {
      assert.ok(isDashboardToHostMessage(ok), JSON.stringify(ok));
    }
    for (const bad of [null, 'ready', {}, { type: 'requestFeatureMaps', sampleIndex: -1 }, { type: 'requestFeatureMaps', sampleIndex: 1.5 },
      { type: 'resync' }, { type: 'webviewError', message: 'x'.repeat(20_000) }, { type: 'runCommand', command: 'rm -rf' }, { type: 'chooseRun' }]) {
      assert.ok(!isDashboardToHostMessage(bad), JSON.stringify(bad)?.slice(0, 60));
    }
    const shown = { type: 'shown', seq: 4, sampleIndex: 3, caption: 'Sample 3 (label: 7), after epoch 1', picking: 'inspect' };
    assert.ok(isDashboardToHostMessage(shown));
    assert.ok(isDashboardToHostMessage({ ...shown, sampleIndex: null, caption: null, picking: 'none' }));
    assert.ok(!isDashboardToHostMessage({ ...shown, picking: 'maybe' }));
    assert.ok(!isDashboardToHostMessage({ ...shown, caption: 'x'.repeat(20_000) }));
    assert.ok(!isDashboardToHostMessage({ ...shown, seq: -1 }));
    assert.ok(isFiltersToHostMessage({ type: 'chooseRun' }));
    assert.ok(isFiltersToHostMessage({ type: 'ready' }));
    assert.ok(!isFiltersToHostMessage({ type: 'stopTraining' }));
  });

  it('cap batch lists the same way on both ends, keeping the newest point', function () {
    const list: DashboardBatch[] = [];
    const point = (i: number): DashboardBatch => ({ epoch: 1, batch: i, batchesPerEpoch: 1000, loss: 1, acc: 0, samplesPerSec: 1, etaSec: 1 });
    for (let i = 1; i <= 25; i++) appendBatchPoint(list, point(i), 10);
    assert.ok(list.length <= 10);
    assert.equal(list[list.length - 1]?.batch, 25);
    const batches = list.map((b) => b.batch);
    assert.deepEqual(batches, [...batches].sort((a, b) => a - b), 'order kept');
  });

  it('check inspections to the byte where they cross a boundary', function () {
    const image = { width: 2, height: 2, channels: 1, pixelsBase64: Buffer.from([1, 2, 3, 4]).toString('base64') };
    const own = { kind: 'own', image };
    for (const what of [{ kind: 'featureMaps' }, { kind: 'explanation', layerIndex: 0, filter: 3 }, { kind: 'saliency', classIndex: null }, { kind: 'saliency', classIndex: 2 }]) {
      assert.ok(isDashboardToHostMessage({ type: 'inspect', subject: own, what }), JSON.stringify(what));
      assert.ok(isHostMessage({ type: 'inspectRequest', requestId: 1, subject: { kind: 'test', index: 4 }, what }));
    }
    for (const bad of [
      { type: 'inspect', subject: { ...own, image: { ...image, pixelsBase64: Buffer.from([1, 2, 3]).toString('base64') } }, what: { kind: 'featureMaps' } },
      { type: 'inspect', subject: { ...own, image: { ...image, channels: 2 } }, what: { kind: 'featureMaps' } },
      { type: 'inspect', subject: { ...own, image: { ...image, width: 5000, height: 1 } }, what: { kind: 'featureMaps' } },
      { type: 'inspect', subject: { kind: 'test', index: -1 }, what: { kind: 'featureMaps' } },
      { type: 'inspect', subject: { kind: 'test', index: 1 }, what: { kind: 'explanation', layerIndex: 0 } },
      { type: 'inspect', subject: { kind: 'test', index: 1 }, what: { kind: 'delete' } },
      { type: 'requestHistory', epoch: -1 },
    ]) assert.ok(!isDashboardToHostMessage(bad), JSON.stringify(bad).slice(0, 120));
    assert.ok(isDashboardToHostMessage({ type: 'requestHistory', epoch: 0 }));
    assert.ok(isFiltersToHostMessage({ type: 'explainFilter', layerIndex: 0, filter: 7 }));
    assert.ok(!isFiltersToHostMessage({ type: 'explainFilter', layerIndex: 0, filter: -7 }));
    // The recorded answers pass the host's guard; a tampered float payload does not pass the webview's.
    for (const m of recordedInspections().values()) assert.ok(isTrainerMessage(m), m.type);
    const ex = recordedInspections().get(1);
    assert.ok(ex?.type === 'explanation');
    const { type: _t, requestId: _r, ...explanation } = ex;
    assert.ok(isHostToDashboardMessage({ type: 'append', seq: 2, update: { kind: 'explanation', explanation } }));
    assert.ok(!isHostToDashboardMessage({ type: 'append', seq: 2, update: { kind: 'explanation', explanation: { ...explanation, output: { ...explanation.output, shape: [3, 3] } } } }));
    assert.ok(!isTrainerMessage({ type: 'inspectFailed', requestId: 1, error: { code: 'E_NOPE', message: 'x' } }));
  });

  it('thin the epoch history to its budget, keeping the first and the latest epoch', function () {
    const sizes = new Map(Array.from({ length: 10 }, (_, e) => [e, 100]));
    assert.deepEqual(historyToThin(sizes, 1000), []);
    assert.deepEqual(historyToThin(sizes, 600), [1, 3, 5, 7]);
    const kept = [...sizes.keys()].filter((e) => !historyToThin(sizes, 350).includes(e));
    assert.ok(kept.includes(0) && kept.includes(9) && kept.length * 100 <= 350, kept.join());
  });
});
