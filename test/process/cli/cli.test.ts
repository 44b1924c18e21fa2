/**
 * The real CLI end to end: `node bin/cnn-lab.js` over the freshly built bundles, training a tiny
 * model on a few hundred real MNIST digits (the offline fallback: the only mirror given refuses
 * connections) with the real trainer child process. Checks exit codes, the printed output and
 * what lands in the run folder; Ctrl-C (SIGINT) must stop with a checkpoint that --resume
 * continues, and a trainer killed with SIGKILL must leave a run marked interrupted.
 */
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { lastCheckpointEpoch, readRun } from '../../../src/host/runStore';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'bin/cnn-lab.js');
/** Port 9 (discard) on loopback: connection refused at once, so the offline fallback is taken quickly. */
const DEAD_MIRROR = 'http://127.0.0.1:9/mnist/';

const TINY = `# a tiny model so each epoch takes a moment
name: tiny-digits
dataset: mnist
layers:
  - conv2d: { filters: 4, kernel: 3, activation: relu }
  - maxpool2d: { pool: 2 }
  - flatten
  - dense: { units: 10, activation: softmax }
train:
  epochs: 4
  batchSize: 32
`;

const BROKEN = `name: broken
dataset: mnist
layers:
  - conv2d: { filters: 4, kernel: 3, activation: relu }
  - dense: { units: 10, activation: softmax }
  - conv2d: { filters: 4, kernal: 3 }
`;

interface Result { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

describe('cnn-lab CLI (real trainer)', function () {
  this.timeout(240_000);
  let tmp: string;
  let dataDir: string;
  const children: ChildProcess[] = [];

  before(function () {
    this.timeout(180_000);
    const build = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(build.status, 0, `build failed:\n${build.stdout}\n${build.stderr}`);
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'cnnlab-cli-data-'));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));
  beforeEach(() => {
    tmp = mkdtempSync(path.join(os.tmpdir(), 'cnnlab-cli-'));
    writeFileSync(path.join(tmp, 'tiny.cnn.yaml'), TINY);
    writeFileSync(path.join(tmp, 'broken.cnn.yaml'), BROKEN);
  });
  afterEach(() => {
    for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(tmp, { recursive: true, force: true });
  });

  /** Starts the CLI; `onStdout` sees the output so far each time more arrives. */
  function cli(args: string[], onStdout?: (soFar: string, child: ChildProcess) => void): Promise<Result> {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: tmp, env: { ...process.env, CNN_LAB_DATA_DIR: dataDir, CI: '1' } });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); onStdout?.(stdout, child); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  }

  const quick = ['--max-train-samples', '256', '--max-test-samples', '100', '--mirror', DEAD_MIRROR, '--out', 'runs'];
  const runDirOf = (stdout: string): string => {
    const m = /^run:\s+(\S.*)$/m.exec(stdout);
    assert.ok(m?.[1], `no run folder printed:\n${stdout}`);
    return m[1].trim();
  };

  it('--help prints the usage and exits 0; a bad flag exits 1 with the train usage', async () => {
    const help = await cli(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /cnn-lab train <model\.cnn\.yaml>/);
    const bad = await cli(['train', 'tiny.cnn.yaml', '--epochs', 'three']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /--epochs needs a whole number/);
    assert.match(bad.stderr, /--max-train-samples N/);
  });

  it('an invalid model prints located errors like a compiler and exits 1 without a run', async () => {
    const r = await cli(['train', 'broken.cnn.yaml', ...quick]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^broken\.cnn\.yaml:\d+:\d+: error: /m);
    assert.equal(existsSync(path.join(tmp, 'runs')), false, 'no run folder for an invalid model');
  });

  it('summary prints the Keras-style table', async () => {
    const r = await cli(['summary', 'tiny.cnn.yaml']);
    assert.equal(r.code, 0, r.stderr);
    // conv 4×(3·3·1)+4 = 40, dense (13·13·4)·10+10 = 6,770
    assert.match(r.stdout, /6,810|6810/);
  });

  it('trains one epoch on the offline MNIST digits: table, test accuracy, run folder, runs list', async () => {
    const r = await cli(['train', 'tiny.cnn.yaml', '--epochs', '1', ...quick]);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^backend: (tensorflow|wasm|cpu) /m);
    assert.match(r.stdout, /^data:\s+mnist — .*offline/im);
    assert.match(r.stdout, /^\s*epoch\s+loss\s+acc\s+val_loss\s+val_acc\s+time\s+samples\/s$/m);
    assert.match(r.stdout, /^\s+1\s+\d+\.\d{4}\s+\d+\.\d\d%\s+\d+\.\d{4}\s+\d+\.\d\d%\s+\S+\s+[\d,]+$/m);
    const acc = /^test accuracy: (\d+\.\d\d)% \(loss \d+\.\d{4}\) on 100 test images$/m.exec(r.stdout);
    assert.ok(acc, r.stdout);
    const dir = runDirOf(r.stdout);
    assert.ok(dir.startsWith(path.join(tmp, 'runs')), dir);

    const run = await readRun(dir);
    assert.equal(run.summary?.status, 'completed');
    assert.equal(run.summary?.epochsCompleted, 1);
    assert.equal(run.summary?.testAcc?.toFixed(4), (Number(acc[1]) / 100).toFixed(4));
    assert.equal(run.metrics.filter((m) => m.kind === 'epoch').length, 1);
    assert.match(run.modelText ?? '', /epochs: 1\n/, 'the --epochs override is in the saved model text');
    assert.match(run.modelText ?? '', /# a tiny model/, 'comments survive the override');
    assert.equal(await lastCheckpointEpoch(dir), 1);
    assert.ok(existsSync(path.join(dir, 'final', 'model.json')));
    assert.ok(run.evaluation !== undefined);

    const list = await cli(['runs', '--out', 'runs']);
    assert.equal(list.code, 0);
    assert.match(list.stdout, new RegExp(`${path.basename(dir)}\\s+tiny-digits\\s+mnist\\s+completed\\s+1/1`));
  });

  it('--backend and --dataset choose what runs, and the run records both', async () => {
    const r = await cli(['train', 'tiny.cnn.yaml', '--epochs', '1', '--backend', 'cpu', '--dataset', 'shapes', ...quick]);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^backend: cpu /m);
    assert.match(r.stdout, /^data:\s+shapes — generated/m);
    assert.match(r.stdout, /images of 32×32×3, 9 classes/);
    const run = await readRun(runDirOf(r.stdout));
    assert.equal(run.summary?.backend, 'cpu');
    assert.equal(run.summary?.dataset, 'shapes');
    assert.match(run.modelText ?? '', /dataset: shapes/, 'the switched data set is in the saved model text');
  });

  it('a run that fails before the trainer writes anything leaves no empty run folder', async () => {
    writeFileSync(path.join(tmp, 'nofolder.cnn.yaml'), 'name: nofolder\ndataset: { folder: ./missing, imageSize: [16, 16] }\nlayers:\n  - flatten\n  - dense: { units: 2, activation: softmax }\n');
    const r = await cli(['train', 'nofolder.cnn.yaml', '--backend', 'cpu', '--out', 'runs']);
    assert.equal(r.code, 2, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /E_DATASET_UNAVAILABLE/);
    assert.match(r.stdout, /^run:\s+none/m);
    assert.deepEqual(readdirSync(path.join(tmp, 'runs')), []);
  });

  it('--json prints one trainer message per line and a final done line', async () => {
    const r = await cli(['train', 'tiny.cnn.yaml', '--epochs', '1', '--json', ...quick]);
    assert.equal(r.code, 0, r.stderr);
    const messages = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; status?: string; runDir?: string });
    const types = messages.map((m) => m.type);
    for (const t of ['ready', 'backend', 'dataset', 'started', 'epochEnd', 'evaluation']) assert.ok(types.includes(t), `${t} in ${types.join()}`);
    assert.ok(!types.includes('featureMaps') && !types.includes('filters'), 'large messages stay in the run folder');
    const last = messages.at(-1);
    assert.equal(last?.type, 'done');
    assert.equal(last?.status, 'completed');
    assert.ok(last?.runDir !== undefined && existsSync(path.join(last.runDir, 'summary.json')));
  });

  it('Ctrl-C stops after the current batch with exit 130 and a checkpoint; --resume finishes the run', async () => {
    let interrupted = false;
    const r = await cli(['train', 'tiny.cnn.yaml', '--epochs', '40', ...quick], (soFar, child) => {
      // After the first epoch row, press Ctrl-C once.
      if (!interrupted && /^\s+1\s+\d+\.\d{4}/m.test(soFar)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    assert.ok(interrupted, r.stdout);
    assert.equal(r.code, 130, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /stopping after the current batch/);
    const dir = runDirOf(r.stdout);
    const stopped = await readRun(dir);
    assert.equal(stopped.summary?.status, 'stopped');
    const cp = await lastCheckpointEpoch(dir);
    assert.ok(cp !== null && cp >= 1 && cp < 40, `checkpoint ${cp}`);

    const resumed = await cli(['train', '--resume', dir, '--epochs', String((cp ?? 0) + 1), ...quick]);
    assert.equal(resumed.code, 0, `${resumed.stdout}\n${resumed.stderr}`);
    assert.match(resumed.stdout, /resumed/);
    const done = await readRun(dir);
    assert.equal(done.summary?.status, 'completed');
    assert.equal(done.summary?.epochsCompleted, (cp ?? 0) + 1);
    const epochs = done.metrics.filter((m) => m.kind === 'epoch').map((m) => m.epoch);
    assert.equal(epochs.at(-1), (cp ?? 0) + 1);
  });

  it('a trainer killed with SIGKILL makes the CLI exit 2 and leaves the run marked interrupted', async () => {
    let killedPid: number | undefined;
    const r = await cli(['train', 'tiny.cnn.yaml', '--epochs', '40', ...quick], (soFar) => {
      if (killedPid === undefined && /^\s+1\s+\d+\.\d{4}/m.test(soFar)) {
        const summary = JSON.parse(readFileSync(path.join(runDirOf(soFar), 'summary.json'), 'utf8')) as { pid: number };
        killedPid = summary.pid;
        process.kill(summary.pid, 'SIGKILL');
      }
    });
    assert.ok(killedPid !== undefined);
    assert.equal(r.code, 2, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /E_TRAINER_CRASHED/);
    assert.match(r.stdout, /interrupted/);
    const run = await readRun(runDirOf(r.stdout));
    assert.equal(run.summary?.status, 'interrupted');
    assert.ok((run.entry.lastCheckpoint ?? 0) >= 1);
    const list = await cli(['runs', '--out', 'runs']);
    assert.match(list.stdout, /interrupted/);
  });
});
