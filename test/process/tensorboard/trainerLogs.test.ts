/**
 * A real training run writes TensorBoard logs as Keras does, and TensorBoard reads them: the CLI
 * trains a small MNIST model, resumes it for more epochs, and TensorBoard's event loader finds
 * every batch and epoch scalar once (the resumed session's start drops nothing that was kept),
 * the model summary as text and the first convolution's filters as an image per epoch.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { requirePython } from '../python/pythonEnv';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'bin/cnn-lab.js');
const TBCHECK = path.join(__dirname, 'tbcheck.py');
/** Port 9 (discard) on loopback: refused at once, so the offline MNIST copy is read. */
const DEAD_MIRROR = 'http://127.0.0.1:9/mnist/';

const MODEL = `name: tb-digits
dataset: mnist
layers:
  - conv2d: { filters: 4, kernel: 3, activation: relu }
  - maxpool2d: { pool: 2 }
  - flatten: {}
  - dense: { units: 10, activation: softmax }
train: { epochs: 2, batchSize: 64, validationSplit: 0.2 }
`;

interface Item { kind: string; tag?: string; step?: number; value?: unknown; height?: number; width?: number }

describe('TensorBoard logs of a training run', function () {
  this.timeout(600_000);
  let python = '';
  let work = '';

  before(function () {
    python = requirePython(this, [{ module: 'tensorboard', pip: 'tensorboard==2.21.0' }]);
    work = mkdtempSync(path.join(os.tmpdir(), 'cnnlab-tbrun-'));
    writeFileSync(path.join(work, 'tb.cnn.yaml'), MODEL);
  });
  after(() => { if (work) rmSync(work, { recursive: true, force: true }); });

  const cli = (...args: string[]): string => {
    const r = spawnSync(process.execPath, [BIN, ...args], {
      cwd: work, encoding: 'utf8', timeout: 300_000,
      env: { ...process.env, CNN_LAB_DATA_DIR: path.join(work, 'data'), CI: '1' },
    });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };

  it('writes train/ and validation/ scalars, text and filter images that TensorBoard reads, also across a resume', () => {
    const common = ['--max-train-samples', '640', '--max-test-samples', '200', '--mirror', DEAD_MIRROR, '--out', path.join(work, 'runs')];
    cli('train', 'tb.cnn.yaml', ...common);
    const runs = readdirSync(path.join(work, 'runs'));
    assert.equal(runs.length, 1);
    const runDir = path.join(work, 'runs', runs[0] ?? '');
    cli('train', 'tb.cnn.yaml', '--resume', runDir, '--epochs', '3', ...common);

    const r = spawnSync(python, [TBCHECK, 'read', runDir], { encoding: 'utf8', timeout: 300_000 });
    assert.equal(r.status, 0, r.stderr);
    const read = JSON.parse(r.stdout) as Record<string, Item[]>;
    const train = read.train ?? [];
    const validation = read.validation ?? [];
    const steps = (items: Item[], tag: string): number[] => items.filter((i) => i.tag === tag).map((i) => i.step ?? -1);
    // 640 training samples (the cap applies after the validation split) → 10 batches of 64 per
    // epoch; 3 epochs over two sessions.
    assert.deepEqual(steps(train, 'batch_loss'), Array.from({ length: 30 }, (_, i) => i));
    assert.deepEqual(steps(train, 'epoch_loss'), [0, 1, 2]);
    assert.deepEqual(steps(train, 'epoch_accuracy'), [0, 1, 2]);
    assert.deepEqual(steps(train, 'epoch_learning_rate'), [0, 1, 2]);
    assert.ok(train.filter((i) => i.tag === 'epoch_learning_rate').every((i) => Math.abs((i.value as number) - 0.001) < 1e-9));
    assert.deepEqual(steps(validation, 'epoch_loss'), [0, 1, 2]);
    assert.deepEqual(steps(validation, 'epoch_accuracy'), [0, 1, 2]);
    assert.ok(validation.filter((i) => i.tag === 'epoch_accuracy').every((i) => (i.value as number) > 0 && (i.value as number) <= 1));
    // Evaluated after each session (2 and 3 epochs completed).
    assert.deepEqual(steps(validation, 'evaluation_accuracy_vs_iterations'), [20, 30]);
    const summary = train.find((i) => i.tag === 'model/summary');
    assert.match(String(summary?.value), /conv2d \(Conv2D\)\s+\(None, 26, 26, 4\)\s+40/);
    assert.match(String(train.find((i) => i.tag === 'model/file')?.value), /name: tb-digits/);
    // 4 filters of 3×3 in a 2×2 grid of 24-pixel tiles with 2-pixel gaps; 0..3 epochs completed.
    const images = train.filter((i) => i.kind === 'image');
    assert.deepEqual(images.map((i) => [i.tag, i.step, i.width, i.height]),
      [0, 1, 2, 3].map((s) => ['filters/conv2d', s, 54, 54]));
  });
});
