/**
 * The course's experiments through the host's lifecycle (src/host/experiment.ts) with the real
 * trainer bundle on the offline MNIST and the generated shapes: a dropout comparison stopped in
 * its first variant keeps that run (stopped, with its checkpoint) and trains nothing after it;
 * resumed after its owner is gone (a window reload), it continues the stopped run from its
 * checkpoint in the same folder and then trains the rest; the comparison then holds every
 * variant's epochs. `cnn-lab compare` prints the tables, and refuses colour on MNIST at its line.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeModelText, applyOverrides, planExperiment } from '../../../src/core/index';
import {
  createExperiment, ExperimentRunner, listExperiments, readComparison, readExperiment, type StartVariant,
} from '../../../src/host/experiment';
import { RunSession } from '../../../src/host/runSession';
import { lastCheckpointEpoch, readRun } from '../../../src/host/runStore';
import { gapTable, variantResults } from '../../../src/shared/comparison';
import { EXPERIMENT_FILES } from '../../../src/shared/experimentFiles';

const ROOT = path.resolve(__dirname, '../../..');
const TRAINER = path.join(ROOT, 'dist/trainer.js');
const BIN = path.join(ROOT, 'bin/cnn-lab.js');
const MODEL = readFileSync(path.join(ROOT, 'test/fixtures/workspace/models/small-mnist.cnn.yaml'), 'utf8');
const DEAD_MIRROR = 'http://127.0.0.1:9/mnist/';

describe('experiments through the host lifecycle (real trainer)', function () {
  this.timeout(300_000);
  let tmp: string;
  let dataDir: string;
  const sessions: RunSession[] = [];

  before(function () {
    this.timeout(180_000);
    const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, `build failed:\n${build.stdout}\n${build.stderr}`);
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'cnnlab-exp-data-'));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  beforeEach(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'cnnlab-exp-')); });
  afterEach(() => {
    for (const s of sessions.splice(0)) s.kill();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** How the CLI starts a variant: a RunSession over the trainer bundle; `onEpoch` sees each epoch end. */
  function starter(runsRoot: string, started: { runDir: string; resumed: boolean }[], onEpoch: (epoch: number, s: RunSession) => void = () => undefined): StartVariant {
    return ({ record, variant, resumeDir }) => {
      const a = analyzeModelText(variant.modelText);
      assert.ok(a.spec !== null);
      const spec = a.spec;
      const s = RunSession.start({
        modelText: variant.modelText, spec, modelDir: record.modelDir, runsRoot, ...(resumeDir !== undefined ? { resumeDir } : {}),
        overrides: { ...record.settings },
        applyOverrides: (t, o) => {
          const edited = applyOverrides(t, o, { dataset: spec.dataset, grayscale: spec.grayscale });
          const b = analyzeModelText(edited);
          assert.ok(b.spec !== null);
          return { modelText: edited, spec: b.spec };
        },
        dataDir, mirrors: [DEAD_MIRROR], launch: { trainerPath: TRAINER },
      });
      sessions.push(s);
      started.push({ runDir: s.runDir, resumed: s.resumed });
      s.onMessage((m) => { if (m.type === 'epochEnd') onEpoch(m.epoch, s); });
      return Promise.resolve({ runDir: s.runDir, done: s.done, stop: () => s.stop() });
    };
  }

  it('a dropout comparison stopped in its first variant resumes it from its checkpoint after a reload, then trains the rest', async () => {
    const runs = path.join(tmp, 'runs');
    const planned = planExperiment('dropout', MODEL);
    assert.ok(planned.ok);
    const { dir, record } = await createExperiment({
      runsRoot: runs, kind: 'dropout', name: planned.plan.name, variants: planned.plan.variants, sourceFile: null, modelDir: tmp,
      // Enough samples that epoch 2 is still running when the stop asked at the end of epoch 1 arrives.
      settings: { epochs: 2, maxTrainSamples: 3000, maxTestSamples: 200, backend: 'auto' },
    });
    assert.equal(path.dirname(dir), path.join(runs, EXPERIMENT_FILES.folder));
    const started: { runDir: string; resumed: boolean }[] = [];
    const runner: ExperimentRunner = new ExperimentRunner(dir, record, starter(runs, started, (epoch) => { if (epoch === 1) void runner.stop(); }));
    const changes: string[] = [];
    runner.onChange((r) => changes.push(`${r.status}:${r.variants.map((v) => v.status).join(',')}`));
    const stopped = await runner.run();

    assert.equal(stopped.status, 'stopped');
    assert.deepEqual(stopped.variants.map((v) => v.status), ['stopped', 'pending', 'pending']);
    assert.equal(started.length, 1, 'no variant is started after the stop');
    const first = stopped.variants[0]?.runDir;
    assert.ok(first !== null && first !== undefined && existsSync(first));
    assert.equal(first, started[0]?.runDir);
    assert.equal((await readRun(first)).summary?.epochsCompleted, 1, 'the stopped run keeps its first epoch');
    assert.equal(await lastCheckpointEpoch(first), 1);
    assert.deepEqual(readExperiment(dir), stopped, 'experiment.json says what the runner returned');
    assert.ok(changes.includes('running:running,pending,pending'), changes.join(' | '));

    // A window reload: the record says running, but its owner is gone.
    const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid ?? 0;
    writeFileSync(path.join(dir, EXPERIMENT_FILES.record), JSON.stringify({ ...stopped, status: 'running', ownerPid: dead }));
    const [listed] = await listExperiments(runs);
    assert.equal(listed?.status, 'interrupted');
    assert.equal((await readComparison(dir)).resumable, true);

    const resumedStarts: { runDir: string; resumed: boolean }[] = [];
    const again = ExperimentRunner.open(path.join(dir, EXPERIMENT_FILES.record), starter(runs, resumedStarts));
    const finished = await again.run();
    assert.equal(finished.status, 'completed');
    assert.deepEqual(finished.variants.map((v) => v.status), ['completed', 'completed', 'completed']);
    assert.deepEqual(resumedStarts[0], { runDir: first, resumed: true }, 'the stopped variant continues in its own folder');
    assert.deepEqual(resumedStarts.slice(1).map((s) => s.resumed), [false, false]);
    const firstRun = await readRun(first);
    assert.equal(firstRun.summary?.status, 'completed');
    assert.equal(firstRun.summary?.epochsCompleted, 2);
    // Resumed from checkpoint 1: epoch 1 was not trained again.
    assert.deepEqual(firstRun.metrics.filter((m) => m.kind === 'epoch').map((m) => m.epoch), [1, 2]);

    // Every variant a normal run folder in the runs folder, beside the experiments folder.
    const folders = readdirSync(runs).filter((n) => n !== EXPERIMENT_FILES.folder).sort();
    assert.equal(folders.length, 3);
    assert.deepEqual(folders.map((f) => f.replace(/^\d{8}-\d{6}-/, '')).sort(), planned.plan.variants.map((v) => v.name).sort());

    const state = await readComparison(dir);
    assert.equal(state.status, 'completed');
    const rows = gapTable(state.variants);
    assert.deepEqual(rows.map((r) => r.epoch), [1, 2]);
    for (const row of rows) for (const g of row.gaps) assert.ok(g !== null && Number.isFinite(g.accGap) && Number.isFinite(g.lossGap));
    for (const r of variantResults(state.variants)) {
      assert.ok(r.testAcc !== null && r.testAcc > 0 && r.testAcc <= 1, `${r.key} test accuracy ${String(r.testAcc)}`);
      assert.equal(r.epochsCompleted, 2);
      const run = await readRun(state.variants.find((v) => v.key === r.key)?.runDir ?? '');
      assert.equal(r.testAcc, run.summary?.testAcc, 'the table shows the run folder\'s test accuracy');
      assert.equal(r.last?.valAcc, run.metrics.filter((m) => m.kind === 'epoch').at(-1)?.valAcc);
    }
  });

  interface Result { code: number | null; stdout: string; stderr: string }
  function cli(args: string[]): Promise<Result> {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: tmp, env: { ...process.env, CNN_LAB_DATA_DIR: dataDir, CI: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  }
  const quick = ['--epochs', '1', '--max-train-samples', '256', '--max-test-samples', '100', '--mirror', DEAD_MIRROR, '--out', 'runs'];

  it('cnn-lab compare dropout prints the results and the gap per epoch, and records the experiment', async () => {
    writeFileSync(path.join(tmp, 'm.cnn.yaml'), MODEL);
    const r = await cli(['compare', 'dropout', 'm.cnn.yaml', ...quick]);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /variant +epochs +train acc +val acc +acc gap \(train−val\) +loss gap \(val−train\) +test acc/);
    assert.match(r.stdout, /^no dropout +1 /m);
    assert.match(r.stdout, /^dropout after flatten \(recommended\) +1 /m);
    assert.match(r.stdout, /^epoch +none acc gap +none loss gap +flatten acc gap/m);
    const [entry] = await listExperiments(path.join(tmp, 'runs'));
    assert.equal(entry?.status, 'completed');
    const state = await readComparison(entry?.dir ?? '');
    for (const v of state.variants) assert.match(r.stdout, new RegExp(`${((v.testAcc ?? 0) * 100).toFixed(2)}%`), `${v.key}'s test accuracy is printed`);
  });

  it('cnn-lab compare colour tables parameters, MACs and seconds per epoch on shapes, and refuses MNIST at its data-set line', async () => {
    writeFileSync(path.join(tmp, 'shapes.cnn.yaml'), readFileSync(path.join(ROOT, 'examples/shapes-rgb.cnn.yaml'), 'utf8'));
    const r = await cli(['compare', 'colour', 'shapes.cnn.yaml', ...quick]);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /variant +params +MACs\/sample +s\/epoch \(mean\) +epochs +val acc +test acc/);
    const planned = planExperiment('colour', readFileSync(path.join(tmp, 'shapes.cnn.yaml'), 'utf8'));
    assert.ok(planned.ok);
    for (const v of planned.plan.variants) assert.match(r.stdout, new RegExp(v.totalParams.toLocaleString('en-US')));

    writeFileSync(path.join(tmp, 'digits.cnn.yaml'), MODEL);
    const refused = await cli(['compare', 'colour', 'digits.cnn.yaml', ...quick]);
    assert.equal(refused.code, 1);
    const line = MODEL.split('\n').findIndex((l) => l.startsWith('dataset:')) + 1;
    assert.match(refused.stderr, new RegExp(`digits\\.cnn\\.yaml:${line}:\\d+: error: MNIST handwritten digits has no colour`));
    assert.match(refused.stderr, /shapes-rgb\.cnn\.yaml/);
    assert.equal((await listExperiments(path.join(tmp, 'runs'))).filter((e) => e.record.kind === 'colour').length, 1, 'nothing recorded for the refused one');
  });
});
