/**
 * RunSession, the one owner of a run's life (src/host/runSession.ts), against a real child process
 * that speaks the trainer protocol (test/fixtures/fakeTrainer.ts): the folder records the model
 * text as trained after an epochs override, run.json's caps survive into a resume whatever the
 * caller passes, and a new folder the trainer never wrote to is removed.
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeModelText, applyOverrides } from '../../../src/core/index';
import { readRunRecord, RunSession, type ApplyModelOverrides, type RunSessionOptions } from '../../../src/host/runSession';
import { readRun } from '../../../src/host/runStore';
import type { ModelSpec } from '../../../src/shared/modelSpec';
import { RUN_FILES, isStartupLeftover, parseRunRecord } from '../../../src/shared/runFiles';
import type { StartRequest } from '../../../src/shared/trainerProtocol';

const FAKE = path.resolve(__dirname, '../../fixtures/fakeTrainer.ts');

const MODEL = `# a comment the override keeps
name: tiny
dataset: shapes
layers:
  - flatten
  - dense: { units: 9, activation: softmax }
train:
  epochs: 12
  seed: 5
`;

function specOf(text: string): ModelSpec {
  const a = analyzeModelText(text);
  assert.ok(a.spec !== null, JSON.stringify(a.diagnostics));
  return a.spec;
}

/** What the CLI and the extension inject: the core's text edit, then the analysis of the result. */
const coreOverrides: ApplyModelOverrides = (text, o) => {
  const spec = specOf(text);
  const modelText = applyOverrides(text, o, { dataset: spec.dataset, grayscale: spec.grayscale });
  return { modelText, spec: specOf(modelText) };
};

describe('RunSession (one owner of a run, over a real child process)', function () {
  this.timeout(20_000);
  let tmp: string;
  let requestLog: string;
  const sessions: RunSession[] = [];

  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'cnnlab-session-'));
    requestLog = path.join(tmp, 'requests.jsonl');
  });
  afterEach(() => {
    for (const s of sessions.splice(0)) s.kill();
    rmSync(tmp, { recursive: true, force: true });
  });

  function start(mode: string, extra: Partial<RunSessionOptions> = {}): RunSession {
    const session = RunSession.start({
      modelText: MODEL, spec: specOf(MODEL), modelDir: tmp, runsRoot: path.join(tmp, 'runs'),
      overrides: {}, applyOverrides: coreOverrides, dataDir: tmp,
      launch: {
        trainerPath: FAKE, execArgv: ['--import', 'tsx'],
        env: { ...process.env, FAKE_TRAINER_MODE: mode, FAKE_EPOCH_MS: '20', FAKE_REQUEST_LOG: requestLog },
        pingIntervalMs: 100, unresponsiveAfterMs: 5000, stopGraceMs: 1000,
      },
      ...extra,
    });
    sessions.push(session);
    return session;
  }

  const requests = (): StartRequest[] => readFileSync(requestLog, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as StartRequest);

  it('an epochs override edits the model text: the folder\'s model.cnn.yaml says what trained', async () => {
    const session = start('normal', { overrides: { epochs: 2 } });
    assert.equal(session.spec.train.epochs, 2);
    assert.match(session.modelText, /^ {2}epochs: 2$/m);
    assert.match(session.modelText, /# a comment the override keeps/);
    const outcome = await session.ended;
    assert.equal(outcome.done.status, 'completed');
    assert.equal(outcome.done.epochsCompleted, 2);
    assert.equal(outcome.discarded, false);
    const inFolder = readFileSync(path.join(session.runDir, RUN_FILES.model), 'utf8');
    assert.equal(inFolder, session.modelText);
    assert.equal(specOf(inFolder).train.epochs, 2, 'the folder does not say 12 epochs for a run that trained 2');
    const [request] = requests();
    assert.equal(request?.modelText, inFolder);
    assert.equal(request?.spec.train.epochs, 2);
    const run = await readRun(session.runDir);
    assert.equal(run.summary?.totalEpochs, 2);
    const record = readRunRecord(session.runDir);
    assert.deepEqual(
      { ...record, writtenAt: '' },
      { version: 1, maxTrainSamples: null, maxTestSamples: null, backend: 'auto', seed: 5, overrides: { epochs: 2 }, writtenAt: '' },
    );
  });

  it('no override: the model text is recorded as written', async () => {
    const session = start('normal', { overrides: { epochs: 12, backend: 'cpu' } });
    assert.equal(session.modelText, MODEL);
    assert.equal((await session.ended).done.epochsCompleted, 12);
    assert.equal(readFileSync(path.join(session.runDir, RUN_FILES.model), 'utf8'), MODEL);
    assert.equal(readRunRecord(session.runDir)?.backend, 'cpu');
  });

  it('maxTrainSamples is recorded, and a resume uses it even when the caller passes none (or another)', async () => {
    const first = start('crash', { overrides: { epochs: 3, maxTrainSamples: 50, maxTestSamples: 20, backend: 'cpu' } });
    const firstOutcome = await first.ended;
    assert.equal(firstOutcome.done.status, 'interrupted');
    assert.equal(firstOutcome.resume?.plan.resumable, true);
    assert.equal(readRunRecord(first.runDir)?.maxTrainSamples, 50);

    const folderText = readFileSync(path.join(first.runDir, RUN_FILES.model), 'utf8');
    const resumed = start('normal', { modelText: folderText, spec: specOf(folderText), resumeDir: first.runDir, overrides: {} });
    assert.equal(resumed.runDir, first.runDir);
    assert.equal(resumed.record.maxTrainSamples, 50);
    assert.equal(resumed.record.backend, 'cpu', 'the recorded backend when none is asked for');
    assert.deepEqual(resumed.notes, []);
    assert.equal((await resumed.ended).done.status, 'completed');

    const again = start('normal', { modelText: folderText, spec: specOf(folderText), resumeDir: first.runDir, overrides: { epochs: 4, maxTrainSamples: 999 } });
    assert.equal(again.record.maxTrainSamples, 50);
    assert.match(again.notes.join('\n'), /maxTrainSamples 999 ignored/);
    await again.ended;

    const sent = requests();
    assert.deepEqual(sent.map((r) => [r.resume, r.maxTrainSamples, r.maxTestSamples]), [[false, 50, 20], [true, 50, 20], [true, 50, 20]]);
    assert.equal(sent[2]?.spec.train.epochs, 4);
    assert.equal(specOf(readFileSync(path.join(first.runDir, RUN_FILES.model), 'utf8')).train.epochs, 4);
  });

  it('a trainer that fails before writing anything leaves no run folder', async () => {
    const session = start('failEarly', { overrides: { epochs: 2, maxTrainSamples: 10 } });
    assert.ok(existsSync(path.join(session.runDir, RUN_FILES.record)), 'the record is written before the trainer starts');
    const outcome = await session.ended;
    assert.equal(outcome.done.status, 'failed');
    assert.equal(outcome.failure?.code, 'E_BACKEND_UNAVAILABLE');
    assert.equal(outcome.discarded, true);
    assert.equal(outcome.resume, null);
    assert.equal(existsSync(session.runDir), false);
    assert.deepEqual(readdirSync(path.join(tmp, 'runs')), []);
  });

  it('a trainer that cannot be started leaves no run folder either', async () => {
    const session = start('normal', { launch: { trainerPath: path.join(tmp, 'missing.js') } });
    const outcome = await session.ended;
    assert.equal(outcome.done.status, 'interrupted');
    assert.equal(outcome.discarded, true);
    assert.equal(existsSync(session.runDir), false);
  });

  it('a resumed folder is never removed, even when its trainer fails at once', async () => {
    const first = start('crash', { overrides: { epochs: 3 } });
    await first.ended;
    const text = readFileSync(path.join(first.runDir, RUN_FILES.model), 'utf8');
    const resumed = start('failEarly', { modelText: text, spec: specOf(text), resumeDir: first.runDir, overrides: {} });
    const outcome = await resumed.ended;
    assert.equal(outcome.discarded, false);
    assert.ok(existsSync(path.join(first.runDir, RUN_FILES.summary)));
  });

  it('an override the model cannot take throws before any folder is made', () => {
    assert.throws(() => start('normal', {
      overrides: { epochs: 3 },
      applyOverrides: () => { throw new Error('does not fit'); },
    }), /does not fit/);
    assert.equal(existsSync(path.join(tmp, 'runs')), false);
  });

  it('run.json: its guard, and it counts as a start-up leftover', () => {
    assert.ok(isStartupLeftover(RUN_FILES.record));
    const ok = { version: 1, maxTrainSamples: 5, maxTestSamples: null, backend: 'wasm', seed: 1, overrides: {}, writtenAt: 'x' };
    assert.deepEqual(parseRunRecord(JSON.stringify(ok)), ok);
    assert.equal(parseRunRecord(JSON.stringify({ ...ok, maxTrainSamples: 0 })), null);
    assert.equal(parseRunRecord(JSON.stringify({ ...ok, backend: 'gpu' })), null);
    assert.equal(parseRunRecord('{"version":1,'), null);
  });
});
