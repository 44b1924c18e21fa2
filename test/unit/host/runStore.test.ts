/**
 * The run store on real folders in a temp directory: the files the trainer writes, and the
 * damage a killed trainer can leave (torn metrics line, corrupt or missing summary, half-written
 * checkpoints, a `running` summary whose process is gone).
 */
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  deleteRun, describeResume, discardRunDirIfNeverStarted, lastCheckpointEpoch, listRuns, markRunEnded, newRunDir, parseMetrics, readRun,
  resumePlan, runsRoot, safeName,
} from '../../../src/host/runStore';
import type { MetricRecord, RunSummary } from '../../../src/shared/trainerProtocol';

function summary(over: Partial<RunSummary> = {}): RunSummary {
  return {
    runId: 'r', name: 'mnist-cnn', status: 'completed', dataset: 'mnist', datasetSource: 'offline fallback',
    backend: 'tensorflow', backendDetail: 'libtensorflow', startedAt: '2025-01-01T10:00:00.000Z',
    finishedAt: '2025-01-01T10:05:00.000Z', durationSec: 300, totalEpochs: 3, epochsCompleted: 3,
    bestValAcc: 0.97, testAcc: 0.965, testLoss: 0.1, samplesPerSec: 2900, totalParams: 34826,
    versions: { node: 'v20' }, pid: 1, ...over,
  };
}

const epochRecord = (epoch: number, valAcc: number): MetricRecord => ({
  kind: 'epoch', time: 1000 + epoch, epoch, loss: 1 / epoch, acc: 0.9, valLoss: 0.2, valAcc,
  durationSec: 10, samplesPerSec: 2000, numTensors: 12,
});
const batchRecord = (epoch: number, batch: number): MetricRecord => ({
  kind: 'batch', time: 1000, epoch, batch, batchesPerEpoch: 10, loss: 0.5, acc: 0.8, samplesPerSec: 2000, etaSec: 3,
});

function writeCheckpoint(dir: string, epoch: number, complete = true): void {
  const cp = path.join(dir, 'checkpoints', `epoch-${epoch}`);
  mkdirSync(cp, { recursive: true });
  // A manifest naming 8 bytes (two float32): complete only when weights.bin holds exactly those.
  writeFileSync(path.join(cp, 'model.json'), JSON.stringify({ weightsManifest: [{ paths: ['./weights.bin'], weights: [{ name: 'w', shape: [2], dtype: 'float32' }] }] }));
  if (complete) writeFileSync(path.join(cp, 'weights.bin'), new Uint8Array(8));
}

describe('run store', () => {
  let root: string;
  const dead = (): boolean => false;
  const alive = (): boolean => true;

  beforeEach(() => { root = mkdtempSync(path.join(os.tmpdir(), 'cnnlab-runs-')); });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function makeRun(name: string, files: { summary?: string | RunSummary; metrics?: string; model?: string }): string {
    const dir = path.join(root, name);
    mkdirSync(dir, { recursive: true });
    if (files.summary !== undefined) writeFileSync(path.join(dir, 'summary.json'), typeof files.summary === 'string' ? files.summary : JSON.stringify(files.summary));
    if (files.metrics !== undefined) writeFileSync(path.join(dir, 'metrics.jsonl'), files.metrics);
    if (files.model !== undefined) writeFileSync(path.join(dir, 'model.cnn.yaml'), files.model);
    return dir;
  }

  it('runsRoot resolves the runs folder against a workspace, keeping absolute folders', () => {
    assert.equal(runsRoot('/ws'), path.resolve('/ws/.cnn-lab/runs'));
    assert.equal(runsRoot('/ws', '/elsewhere/runs'), path.resolve('/elsewhere/runs'));
    assert.equal(runsRoot('/ws', 'out'), path.resolve('/ws/out'));
  });

  it('newRunDir makes unique, timestamped, filesystem-safe folders', () => {
    const now = new Date(2025, 0, 31, 9, 5, 7);
    const a = newRunDir(root, 'MNIST: 2 conv / 2 dense?', now);
    const b = newRunDir(root, 'MNIST: 2 conv / 2 dense?', now);
    assert.equal(path.basename(a), '20250131-090507-MNIST-2-conv-2-dense');
    assert.equal(path.basename(b), '20250131-090507-MNIST-2-conv-2-dense-2');
    assert.ok(existsSync(a) && existsSync(b));
    assert.equal(safeName('../../etc'), 'etc');
    assert.equal(safeName('  '), 'model');
    assert.equal(safeName('x'.repeat(100)).length, 40);
  });

  it('parseMetrics skips a torn last line and keeps every complete record', () => {
    const lines = [epochRecord(1, 0.9), batchRecord(2, 1), epochRecord(2, 0.95)].map((r) => JSON.stringify(r));
    const torn = `${lines.join('\n')}\n{"kind":"batch","time":12,"epo`;
    const { records, skipped } = parseMetrics(torn);
    assert.equal(records.length, 3);
    assert.equal(skipped, 1);
    assert.deepEqual(records.map((r) => [r.kind, r.epoch]), [['epoch', 1], ['batch', 2], ['epoch', 2]]);
    // A record with wrong field types is not a record.
    assert.equal(parseMetrics('{"kind":"epoch","epoch":"1"}\n').records.length, 0);
  });

  it('readRun returns the summary, metrics, model text and saved messages', async () => {
    const dir = makeRun('a', {
      summary: summary(),
      metrics: `${JSON.stringify(epochRecord(1, 0.9))}\n${JSON.stringify(epochRecord(2, 0.95))}\n`,
      model: 'name: mnist-cnn\n',
    });
    writeFileSync(path.join(dir, 'evaluation.json'), JSON.stringify({ type: 'evaluation', testLoss: 0.1, testAcc: 0.965, confusion: [[1]], classNames: ['0'], misclassified: [] }));
    writeFileSync(path.join(dir, 'filters.json'), '{"type":"featureMaps"}'); // wrong type: ignored
    writeCheckpoint(dir, 1);
    writeCheckpoint(dir, 2);
    const run = await readRun(dir, dead);
    assert.equal(run.summary?.testAcc, 0.965);
    assert.equal(run.entry.status, 'completed');
    assert.equal(run.metrics.length, 2);
    assert.equal(run.modelText, 'name: mnist-cnn\n');
    assert.equal(run.evaluation?.testAcc, 0.965);
    assert.equal(run.filters, undefined);
    assert.equal(run.featureMaps, undefined);
    assert.equal(run.entry.lastCheckpoint, 2);
    assert.deepEqual(run.entry.problems, []);
  });

  it('a running summary is interrupted when its pid is gone, running while it lives', async () => {
    const dir = makeRun('b', { summary: summary({ status: 'running', finishedAt: null }) });
    assert.equal((await readRun(dir, dead)).entry.status, 'interrupted');
    assert.equal((await readRun(dir, alive)).entry.status, 'running');
    // With the real pid check: this process is alive, a pid beyond pid_max is not.
    const mine = makeRun('c', { summary: summary({ status: 'running', pid: process.pid }) });
    assert.equal((await readRun(mine)).entry.status, 'running');
    const gone = makeRun('d', { summary: summary({ status: 'running', pid: 2 ** 30 }) });
    assert.equal((await readRun(gone)).entry.status, 'interrupted');
  });

  it('a corrupt summary (torn write) is rebuilt from metrics and checkpoints and still listed', async () => {
    const dir = makeRun('20250102-101010-my-model', {
      summary: '{"runId":"x","name":"my-mo',
      metrics: `${JSON.stringify(epochRecord(1, 0.5))}\n${JSON.stringify(epochRecord(2, 0.75))}\n{"kind":`,
    });
    writeCheckpoint(dir, 2);
    const runs = await listRuns(root, dead);
    assert.equal(runs.length, 1);
    const r = runs[0];
    assert.ok(r);
    assert.equal(r.name, 'my-model');
    assert.equal(r.status, 'interrupted');
    assert.equal(r.epochsCompleted, 2);
    assert.equal(r.bestValAcc, 0.75);
    assert.equal(r.lastCheckpoint, 2);
    assert.equal(r.summary, null);
    assert.equal(r.problems.length, 2);
    assert.match(r.problems[0] ?? '', /summary\.json is corrupt/);
    assert.match(r.problems[1] ?? '', /1 unreadable line/);
  });

  it('a summary with missing fields counts as damaged rather than trusted', async () => {
    const partial: Record<string, unknown> = { ...summary() };
    delete partial.backend;
    makeRun('e', { summary: JSON.stringify(partial), model: 'x' });
    const [r] = await listRuns(root, dead);
    assert.equal(r?.summary, null);
    assert.match(r?.problems.join() ?? '', /lacks required fields/);
  });

  it('listRuns lists run folders newest first and skips other folders and files', async () => {
    makeRun('old', { summary: summary({ startedAt: '2025-01-01T00:00:00.000Z' }) });
    makeRun('new', { summary: summary({ startedAt: '2025-02-01T00:00:00.000Z' }) });
    mkdirSync(path.join(root, 'not-a-run'));
    writeFileSync(path.join(root, 'stray.txt'), 'x');
    const runs = await listRuns(root, dead);
    assert.deepEqual(runs.map((r) => r.runId), ['new', 'old']);
    assert.deepEqual(await listRuns(path.join(root, 'missing')), []);
  });

  it('listRuns takes a valid summary as is and never reads metrics.jsonl for it', async () => {
    // metrics.jsonl is a folder here: any attempt to read it fails (EISDIR), as readRun shows.
    const dir = makeRun('20250103-090000-mnist-cnn', { summary: summary({ bestValAcc: 0.9812, epochsCompleted: 3 }) });
    mkdirSync(path.join(dir, 'metrics.jsonl'));
    writeCheckpoint(dir, 3);
    await assert.rejects(readRun(dir, dead), /EISDIR/);
    const [r] = await listRuns(root, dead);
    assert.ok(r);
    assert.equal(r.bestValAcc, 0.9812);
    assert.equal(r.epochsCompleted, 3);
    assert.equal(r.lastCheckpoint, 3);
    assert.equal(r.status, 'completed');
    assert.deepEqual(r.problems, []);
  });

  it('listRuns falls back to metrics.jsonl only for an unusable summary and survives an unreadable one', async () => {
    const lines = `${JSON.stringify(batchRecord(1, 1))}\n${JSON.stringify(epochRecord(1, 0.61))}\n${JSON.stringify(epochRecord(2, 0.58))}\n`;
    // Complete-looking but the metrics disagree: the summary wins, the metrics are not consulted.
    makeRun('20250104-090000-trusted', { summary: summary({ startedAt: '2025-01-04T09:00:00.000Z', bestValAcc: 0.5, epochsCompleted: 1 }), metrics: `${lines}{"kind":` });
    makeRun('20250105-090000-missing', { metrics: lines });
    const unreadable = makeRun('20250106-090000-unreadable', { summary: '{"runId":' });
    mkdirSync(path.join(unreadable, 'metrics.jsonl'));
    const byId = new Map((await listRuns(root, dead)).map((r) => [r.runId, r]));
    const trusted = byId.get('20250104-090000-trusted');
    assert.equal(trusted?.bestValAcc, 0.5);
    assert.equal(trusted?.epochsCompleted, 1);
    assert.deepEqual(trusted?.problems, [], 'the torn metrics line is not seen: metrics.jsonl was not read');
    const missing = byId.get('20250105-090000-missing');
    assert.equal(missing?.bestValAcc, 0.61);
    assert.equal(missing?.epochsCompleted, 2);
    assert.deepEqual(missing?.problems, ['summary.json is missing']);
    const broken = byId.get('20250106-090000-unreadable');
    assert.equal(broken?.name, 'unreadable');
    assert.equal(broken?.epochsCompleted, 0);
    assert.match(broken?.problems.join('; ') ?? '', /summary\.json is corrupt.*; metrics\.jsonl is unreadable \(EISDIR\)/);
  });

  it('discardRunDirIfNeverStarted removes only a new run folder the trainer never wrote to', async () => {
    const runs = path.join(root, 'runs');
    const empty = newRunDir(runs, 'offline-cifar');
    assert.equal(await discardRunDirIfNeverStarted(empty, false), true);
    assert.equal(existsSync(empty), false);
    assert.equal(await discardRunDirIfNeverStarted(empty, false), true, 'already gone: nothing left to show');

    const resumed = newRunDir(runs, 'resumed');
    assert.equal(await discardRunDirIfNeverStarted(resumed, true), false);
    assert.ok(existsSync(resumed), 'a resumed folder is the user\'s run and stays');

    const wrote = newRunDir(runs, 'wrote');
    writeFileSync(path.join(wrote, 'model.cnn.yaml'), 'name: wrote\n');
    assert.equal(await discardRunDirIfNeverStarted(wrote, false), true, 'the model text alone: training never started');
    assert.equal(existsSync(wrote), false);

    const tempOnly = newRunDir(runs, 'checkpointing');
    mkdirSync(path.join(tempOnly, 'checkpoints'));
    assert.equal(await discardRunDirIfNeverStarted(tempOnly, false), false, 'anything else written keeps the folder');
    assert.deepEqual((await listRuns(runs, dead)).map((r) => r.name), ['checkpointing']);
  });

  it('discardRunDirIfNeverStarted removes a folder killed before summary.json: model text, empty metrics, temps', async () => {
    const runs = path.join(root, 'runs');
    const starting = newRunDir(runs, 'starting');
    writeFileSync(path.join(starting, 'model.cnn.yaml'), 'name: starting\n');
    writeFileSync(path.join(starting, 'metrics.jsonl'), '');
    writeFileSync(path.join(starting, 'summary.json.tmp-123'), '{"runId":');
    assert.equal(await discardRunDirIfNeverStarted(starting, false), true);
    assert.equal(existsSync(starting), false);
    const trained = newRunDir(runs, 'trained');
    writeFileSync(path.join(trained, 'model.cnn.yaml'), 'name: trained\n');
    writeFileSync(path.join(trained, 'metrics.jsonl'), `${JSON.stringify(batchRecord(1, 1))}\n`);
    assert.equal(await discardRunDirIfNeverStarted(trained, false), false, 'a metric record is worth keeping');
    assert.ok(existsSync(trained));
  });

  it('listRuns removes folders whose starter died before summary.json and hides those still starting', async () => {
    const runs = path.join(root, 'runs');
    const ownerAlive = 1111;
    const isAlive = (pid: number): boolean => pid === ownerAlive;
    const killed = newRunDir(runs, 'killed', new Date(), 2222);
    writeFileSync(path.join(killed, 'model.cnn.yaml'), 'name: killed\n');
    const starting = newRunDir(runs, 'starting', new Date(), ownerAlive);
    const legacy = path.join(runs, '20240101-000000-legacy');
    mkdirSync(legacy);
    utimesSync(legacy, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    const young = path.join(runs, '20240101-000001-young');
    mkdirSync(young);
    const foreign = path.join(runs, 'my-notes');
    mkdirSync(foreign);
    utimesSync(foreign, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    const keep = newRunDir(runs, 'keep', new Date(), 2222);
    writeFileSync(path.join(keep, 'model.cnn.yaml'), 'name: keep\n');
    writeFileSync(path.join(keep, 'notes.txt'), 'mine');
    const listed = await listRuns(runs, isAlive);
    assert.deepEqual(listed.map((r) => r.runId), [path.basename(keep)], 'a foreign file makes it a folder to show, not to remove');
    assert.equal(existsSync(killed), false, 'owner dead, nothing but start-up files: removed');
    assert.equal(existsSync(legacy), false, 'an old empty run folder without an owner: removed');
    assert.ok(existsSync(starting), 'its owner lives: still starting, left alone');
    assert.ok(existsSync(young), 'young and unowned: may still be starting');
    assert.ok(existsSync(foreign), 'not named like a run folder: never removed');
  });

  it('resume plans: from a checkpoint, from the start, evaluation only, not while running or once completed', async () => {
    const interrupted = makeRun('20250107-000000-a', { summary: summary({ status: 'running', totalEpochs: 3 }), model: 'x' });
    assert.deepEqual((await listRuns(root, dead))[0]?.resume, { resumable: true, fromCheckpoint: null });
    writeCheckpoint(interrupted, 2);
    const [r] = await listRuns(root, dead);
    assert.deepEqual(r?.resume, { resumable: true, fromCheckpoint: 2 });
    assert.equal(describeResume(r.resume, 3), 'resumable: --resume continues after the checkpoint of epoch 2');
    assert.deepEqual((await listRuns(root, alive))[0]?.resume, { resumable: false, reason: 'running' });
    writeCheckpoint(interrupted, 3);
    assert.match(describeResume((await listRuns(root, dead))[0]!.resume, 3), /only redoes the test evaluation/);
    rmSync(path.join(interrupted, 'model.cnn.yaml'));
    assert.deepEqual((await listRuns(root, dead))[0]?.resume, { resumable: false, reason: 'noModel' });
    assert.deepEqual(resumePlan({ status: 'completed', hasModelText: true, lastCheckpoint: 3, totalEpochs: 3 }), { resumable: false, reason: 'completed' });
    assert.deepEqual(resumePlan({ status: 'completed', hasModelText: true, lastCheckpoint: 3, totalEpochs: 3 }, 5), { resumable: true, fromCheckpoint: 3 });
  });

  it('lastCheckpointEpoch picks the highest complete checkpoint and ignores temp and partial ones', async () => {
    const dir = makeRun('f', { model: 'x' });
    assert.equal(await lastCheckpointEpoch(dir), null);
    writeCheckpoint(dir, 1);
    writeCheckpoint(dir, 2);
    writeCheckpoint(dir, 10);
    writeCheckpoint(dir, 11, false); // killed before weights.bin
    writeCheckpoint(dir, 13);
    writeFileSync(path.join(dir, 'checkpoints', 'epoch-13', 'weights.bin'), new Uint8Array(4)); // short: not complete
    mkdirSync(path.join(dir, 'checkpoints', 'epoch-12.tmp-123'));
    assert.equal(await lastCheckpointEpoch(dir), 10, 'numeric, not lexical, order');
  });

  it('markRunEnded rewrites only a running summary', async () => {
    const dir = makeRun('g', { summary: summary({ status: 'running', finishedAt: null }) });
    assert.equal(await markRunEnded(dir, 'interrupted', new Date('2025-03-01T00:00:00Z')), true);
    const after = JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')) as RunSummary;
    assert.equal(after.status, 'interrupted');
    assert.equal(after.finishedAt, '2025-03-01T00:00:00.000Z');
    assert.equal(after.testAcc, 0.965, 'other fields kept');
    assert.equal(await markRunEnded(dir, 'failed'), false, 'no longer running: untouched');
    assert.equal(await markRunEnded(path.join(root, 'nothing'), 'failed'), false);
  });

  it('deleteRun removes a run folder and refuses anything else', async () => {
    const dir = makeRun('h', { model: 'x' });
    writeCheckpoint(dir, 1);
    await deleteRun(dir);
    assert.equal(existsSync(dir), false);
    const other = path.join(root, 'precious');
    mkdirSync(other);
    writeFileSync(path.join(other, 'thesis.tex'), 'x');
    await assert.rejects(deleteRun(other), /not a CNN Lab run folder/);
    assert.ok(existsSync(path.join(other, 'thesis.tex')));
  });
});
