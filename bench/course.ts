/**
 * `npm run course`: the course's experiments ("Deep Learning for Vision Systems", chapter 3)
 * reproduced through CNN Lab's own CLI and trainer, written up in docs/course.md with the numbers
 * a student compares against the book. Every run is an ordinary run folder (default
 * .cnn-lab/runs), so the dashboard opens it.
 *
 *   npm run course [-- --quick] [--out DIR] [--cifar DIR] [--only mnist,dropout,colour,augment]
 *                  [--backend NAME] [--no-build] [--out-md FILE]
 *
 * 1. MNIST, 2 conv + 2 dense (examples/mnist.cnn.yaml): test accuracy on the data the MNIST loader
 *    finds (the official 60,000 / 10,000: downloaded when a mirror answers, else the verified offline
 *    copy; the doc's data line says which).
 * 2. Dropout between the flattened features and the output (the Keras mnist_convnet) against the
 *    same model without it: training/validation gap.
 * 3. Colour against grayscale on the CIFAR-10 simplified AlexNet: parameters, MACs, s/epoch, accuracy.
 * 4. The CIFAR-10 simplified AlexNet with and without augmentation (flips, shifts).
 * CIFAR-10 is the JPEG copy (see bench/lib/data.ts), loaded as an image folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { spawn } from 'node:child_process';
import type { ModelSummary } from '../src/shared/modelSpec';
import type { DatasetMessage, DoneMessage, EpochEndMessage, EvaluationMessage, TrainerMessage } from '../src/shared/trainerProtocol';
import { isTrainerMessage } from '../src/shared/trainerProtocol';
import { ROOT, arg, capture, flag, fmt, loadModelFile, machineInfo, markdownTable, median, withKept } from './lib/common';
import { findCifarFolder } from './lib/data';

const quick = flag('quick');
const only = new Set((arg('only') ?? 'mnist,dropout,colour,augment').split(','));
const outDir = path.resolve(arg('out') ?? path.join(ROOT, '.cnn-lab', 'runs'));
const modelsDir = path.join(path.dirname(outDir), 'course-models');
const outMd = path.resolve(arg('out-md') ?? path.join(ROOT, 'docs', 'course.md'));
const backend = arg('backend') ?? 'auto';
const log = (line: string): void => { process.stderr.write(`${line}\n`); };

interface CourseRun {
  readonly label: string;
  readonly modelFile: string;
  readonly command: string;
  readonly backend: string;
  readonly dataset: DatasetMessage | null;
  readonly summary: ModelSummary | null;
  readonly epochs: readonly EpochEndMessage[];
  readonly evaluation: EvaluationMessage | null;
  readonly done: DoneMessage | null;
  readonly wallSec: number;
}

/** Trains one model file through the CLI (`cnn-lab train --json`), collecting the trainer's messages. */
async function train(label: string, modelFile: string, extra: readonly string[]): Promise<CourseRun> {
  const args = [path.join(ROOT, 'bin', 'cnn-lab.js'), 'train', modelFile, '--out', outDir, '--backend', backend, '--json', ...extra];
  const command = `cnn-lab train ${path.relative(ROOT, modelFile)} --out ${path.relative(ROOT, outDir) || '.'} --backend ${backend} ${extra.join(' ')}`.trim();
  log(`\n${label}: ${command}`);
  const t0 = Date.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let backendDetail = '';
  let dataset: DatasetMessage | null = null;
  let summary: ModelSummary | null = null;
  const epochs: EpochEndMessage[] = [];
  let evaluation: EvaluationMessage | null = null;
  let done: DoneMessage | null = null;
  const stderr: string[] = [];
  child.stderr.on('data', (d: Buffer) => { stderr.push(d.toString()); });
  const lines = readline.createInterface({ input: child.stdout, crlfDelay: Infinity });
  lines.on('line', (line) => {
    let m: unknown;
    try { m = JSON.parse(line); } catch { return; }
    if (!isTrainerMessage(m)) return;
    const msg: TrainerMessage = m;
    switch (msg.type) {
      case 'backend': backendDetail = `${msg.name} (${msg.detail})`; break;
      case 'dataset': dataset = msg; break;
      case 'started': summary = msg.summary; break;
      case 'epochEnd':
        epochs.push(msg);
        log(`  epoch ${msg.epoch}: loss ${msg.loss.toFixed(4)} acc ${(msg.acc * 100).toFixed(2)}% val ${msg.valAcc === null ? '—' : `${(msg.valAcc * 100).toFixed(2)}%`} ${msg.durationSec.toFixed(1)} s`);
        break;
      case 'evaluation': evaluation = msg; break;
      case 'done': done = msg; break;
      default: break;
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0 || done === null) throw new Error(`${label}: cnn-lab exited ${code}\n${stderr.join('').slice(-2000)}`);
  const finished = done as DoneMessage;
  log(`  test accuracy ${evaluation ? `${((evaluation as EvaluationMessage).testAcc * 100).toFixed(2)}%` : '—'}, run folder ${path.relative(ROOT, finished.runDir)}`);
  return { label, modelFile, command, backend: backendDetail, dataset, summary, epochs, evaluation, done: finished, wallSec: (Date.now() - t0) / 1000 };
}

// ------------------------------------------------------------------ model files

function write(name: string, text: string): string {
  fs.mkdirSync(modelsDir, { recursive: true });
  const file = path.join(modelsDir, `${name}.cnn.yaml`);
  fs.writeFileSync(file, text);
  loadModelFile(file); // fail early on a model the language server would reject
  return file;
}

const MNIST_DROPOUT = (withDropout: boolean): string => `# Course section 3.5: ${withDropout ? 'dropout (0.5)' : 'no dropout'} between the flattened features and the output (Keras mnist_convnet).
name: mnist-${withDropout ? 'dropout' : 'no-dropout'}
dataset: mnist
layers:
  - conv2d: { filters: 32, kernel: 3, activation: relu }
  - maxpool2d: { pool: 2 }
  - conv2d: { filters: 64, kernel: 3, activation: relu }
  - maxpool2d: { pool: 2 }
  - flatten: {}
${withDropout ? '  - dropout: { rate: 0.5 }\n' : ''}  - dense: { units: 10, activation: softmax }
train: { epochs: 15, batchSize: 128, optimizer: adam, learningRate: 0.001, validationSplit: 0.1, seed: 42 }
`;

function alexnet(cifarDir: string, grayscale: boolean, augment: boolean): string {
  return `# The course's simplified AlexNet on CIFAR-10 (JPEG copy, image folder), ${grayscale ? 'grayscale' : 'colour'}, ${augment ? 'with' : 'without'} augmentation.
name: cifar10-alexnet-${grayscale ? 'gray' : 'rgb'}-${augment ? 'aug' : 'noaug'}
dataset: { folder: ${JSON.stringify(cifarDir)}, imageSize: [32, 32] }
classes: 10
grayscale: ${grayscale}
layers:
  - conv2d: { filters: 16, kernel: 2, padding: same, activation: relu }
  - maxpool2d: { pool: 2 }
  - conv2d: { filters: 32, kernel: 2, padding: same, activation: relu }
  - maxpool2d: { pool: 2 }
  - conv2d: { filters: 64, kernel: 2, padding: same, activation: relu }
  - maxpool2d: { pool: 2 }
  - dropout: { rate: 0.3 }
  - flatten: {}
  - dense: { units: 500, activation: relu }
  - dropout: { rate: 0.4 }
  - dense: { units: 10, activation: softmax }
train:
  epochs: 10
  batchSize: 32
  optimizer: rmsprop
  learningRate: 0.001
  validationSplit: 0.1
  seed: 42
  augment: { flipHorizontal: ${augment}, shift: ${augment ? 0.1 : 0} }
`;
}

// ------------------------------------------------------------------ report helpers

const pct = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(2)}%`);
const last = (r: CourseRun): EpochEndMessage | undefined => r.epochs[r.epochs.length - 1];
/** Seconds per epoch of training (excluding validation and checkpoints): median over epochs after the first. */
const secPerEpoch = (r: CourseRun): number => {
  const xs = r.epochs.slice(r.epochs.length > 1 ? 1 : 0).map((e) => (r.dataset?.trainCount ?? 0) / e.samplesPerSec);
  return median(xs);
};
const wallPerEpoch = (r: CourseRun): number => median(r.epochs.slice(r.epochs.length > 1 ? 1 : 0).map((e) => e.durationSec));
const runLink = (r: CourseRun): string => (r.done ? `\`${path.relative(ROOT, r.done.runDir)}\`` : '—');

function runDetails(runs: readonly CourseRun[]): string[] {
  return runs.map((r) => `- ${r.label}: \`${r.command}\` → ${runLink(r)}; ${r.backend}; data: ${r.dataset?.source ?? '—'} `
    + `(${fmt(r.dataset?.trainCount)} train, ${fmt(r.dataset?.validationCount)} validation, ${fmt(r.dataset?.testCount)} test); wall time ${fmt(r.wallSec)} s`);
}

function dropoutRemark(withDrop: CourseRun | undefined, without: CourseRun | undefined): string {
  const a = withDrop ? last(withDrop) : undefined;
  const b = without ? last(without) : undefined;
  if (!a || !b || a.valAcc === null || b.valAcc === null) return '';
  const gapWith = a.acc - a.valAcc;
  const gapWithout = b.acc - b.valAcc;
  return gapWith < gapWithout
    ? `Dropout narrows the training/validation accuracy gap from ${(gapWithout * 100).toFixed(2)} to ${(gapWith * 100).toFixed(2)} points (and the loss gap likewise): without it the network fits the training digits almost perfectly while validation stalls, the overfitting the course describes.`
    : `In this run dropout did not narrow the gap (${(gapWith * 100).toFixed(2)} against ${(gapWithout * 100).toFixed(2)} points without it).`;
}

function augmentRemark(plain: CourseRun, augmented: CourseRun): string {
  const p = plain.evaluation?.testAcc;
  const a = augmented.evaluation?.testAcc;
  const e = last(augmented);
  if (p === undefined || a === undefined || !e || e.valAcc === null) return '';
  const epochs = augmented.epochs.length;
  return a >= p
    ? `Augmentation raised test accuracy from ${pct(p)} to ${pct(a)} in ${epochs} epochs.`
    : `After ${epochs} epochs augmentation is still behind (${pct(a)} against ${pct(p)}): its training accuracy (${pct(e.acc)}) is below its validation accuracy (${pct(e.valAcc)}), `
      + 'i.e. the augmented model is still underfitting; augmentation regularises and pays off with longer training (the plain model\'s training accuracy already runs ahead of validation).';
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  const started = Date.now();
  if (!flag('no-build')) {
    log('building the bundles (node esbuild.mjs) ...');
    const b = await capture(process.execPath, ['esbuild.mjs']);
    if (b.code !== 0) throw new Error(`build failed: ${b.stderr}`);
  }
  const machine = machineInfo();
  const sections: string[] = [];
  const quickArgs = (train: number, epochs: number): string[] => (quick ? ['--max-train-samples', String(train), '--max-test-samples', '1000', '--epochs', String(epochs)] : []);

  // 1. MNIST 2 conv + 2 dense
  if (only.has('mnist')) {
    const r = await train('MNIST, 2 conv + 2 dense', path.join(ROOT, 'examples', 'mnist.cnn.yaml'), quickArgs(2000, 2));
    const full = !quick && r.dataset !== null && /\b60,000\/10,000\b/.test(r.dataset.source);
    sections.push('## 1. MNIST, 2 conv + 2 dense', '',
      'The course\'s MNIST model (examples/mnist.cnn.yaml: conv 32 → pool → conv 64 → pool → dense 64 → dense 10, same padding, Adam, batch 128, 12 epochs). Course: about 99% test accuracy; the benchmarks issue holds full MNIST to ≥ 99.2%. The model file adds ±2 px shifts (augment.shift 0.08), layers unchanged.', '',
      markdownTable(['data', 'parameters', 'epochs', 'train acc', 'val acc', 'test acc', 'course', 's/epoch (training)'], [[
        full ? 'full MNIST (60,000 / 10,000)' : 'MNIST, capped (see the data line)',
        fmt(r.summary?.totalParams), String(r.epochs.length), pct(last(r)?.acc), pct(last(r)?.valAcc), pct(r.evaluation?.testAcc), '≈ 99%', fmt(secPerEpoch(r), 1),
      ]]), '',
      full ? '' : '**Not the full MNIST run** (the data line below says what was trained on), so its test accuracy is not the full-MNIST number.', '',
      ...runDetails([r]), '');
  }

  // 2. Dropout
  if (only.has('dropout')) {
    const runs: CourseRun[] = [];
    for (const withDropout of [true, false]) {
      runs.push(await train(withDropout ? 'with dropout 0.5' : 'without dropout', write(`mnist-${withDropout ? 'dropout' : 'no-dropout'}`, MNIST_DROPOUT(withDropout)), quickArgs(2000, 3)));
    }
    const row = (r: CourseRun): string[] => {
      const e = last(r);
      const gapAcc = e && e.valAcc !== null ? e.acc - e.valAcc : null;
      const gapLoss = e && e.valLoss !== null ? e.valLoss - e.loss : null;
      const bestVal = Math.max(...r.epochs.map((x) => x.valAcc ?? 0));
      return [r.label, fmt(r.summary?.totalParams), String(r.epochs.length), pct(e?.acc), pct(e?.valAcc), gapAcc === null ? '—' : `${(gapAcc * 100).toFixed(2)} pt`,
        e ? e.loss.toFixed(4) : '—', e?.valLoss?.toFixed(4) ?? '—', gapLoss === null ? '—' : gapLoss.toFixed(4), pct(bestVal), pct(r.evaluation?.testAcc)];
    };
    sections.push('## 2. Dropout between the flattened features and the output', '',
      'Course section 3.5: the Keras mnist_convnet (conv 32 → pool → conv 64 → pool → flatten → dropout 0.5 → dense 10) against the same model without the dropout layer, '
      + 'same seed, data and epochs. Training accuracy and loss are measured while training (dropout active, as Keras reports them); the gap is train − validation for accuracy and validation − train for loss.', '',
      markdownTable(['model', 'parameters', 'epochs', 'train acc', 'val acc', 'acc gap', 'train loss', 'val loss', 'loss gap', 'best val acc', 'test acc'], runs.map(row)), '',
      dropoutRemark(runs[0], runs[1]), '',
      'Per-epoch validation accuracy (with / without dropout): '
        + (runs[0]?.epochs.map((e, i) => `${e.epoch}: ${pct(e.valAcc)} / ${pct(runs[1]?.epochs[i]?.valAcc)}`).join(', ') ?? ''), '',
      ...runDetails(runs), '');
  }

  // 3 and 4. CIFAR-10
  const cifar = only.has('colour') || only.has('augment') ? findCifarFolder(arg('cifar')) : null;
  if ((only.has('colour') || only.has('augment')) && !cifar) {
    sections.push('## 3–4. CIFAR-10', '', 'Not run: CIFAR-10 is not available as an image folder on this machine (pass `--cifar DIR`, or put `cifar10-jpeg.tar.gz` in the shared data folder).', '');
  }
  if (cifar) {
    const cifarArgs = quickArgs(5000, 2);
    const rgb = await train('colour (RGB), no augmentation', write('cifar10-alexnet-rgb-noaug', alexnet(cifar.dir, false, false)), cifarArgs);
    if (only.has('colour')) {
      const gray = await train('grayscale, no augmentation', write('cifar10-alexnet-gray-noaug', alexnet(cifar.dir, true, false)), cifarArgs);
      const row = (r: CourseRun): string[] => {
        const first = r.summary?.layers[0];
        return [r.label, r.summary?.inputShape.join('×') ?? '—', fmt(first?.params), fmt(r.summary?.totalParams), fmt(first?.macs), fmt(r.summary?.totalMacs),
          fmt(secPerEpoch(r), 1), pct(last(r)?.valAcc), pct(r.evaluation?.testAcc)];
      };
      sections.push('## 3. Colour against grayscale (CIFAR-10 simplified AlexNet)', '',
        'Course section 3.6.2: the same network on RGB input and on grayscale input (ITU-R BT.601 luma, `grayscale: true`). Only the first convolution changes: '
        + 'each filter has one 2×2 slice per input channel, so its weights and multiply-adds drop to a third; everything after it is identical.', '',
        markdownTable(['input', 'shape', 'first conv params', 'total params', 'first conv MACs', 'total MACs/sample', 's/epoch (training)', 'val acc', 'test acc'], [row(rgb), row(gray)]), '',
        ...runDetails([rgb, gray]), '');
    }
    if (only.has('augment')) {
      const aug = await train('colour (RGB), augmentation (flips, shifts 0.1)', write('cifar10-alexnet-rgb-aug', alexnet(cifar.dir, false, true)), cifarArgs);
      const row = (r: CourseRun): string[] => [r.label, String(r.epochs.length), pct(last(r)?.acc), pct(last(r)?.valAcc), pct(r.evaluation?.testAcc),
        fmt(secPerEpoch(r), 1), fmt(wallPerEpoch(r), 1)];
      sections.push('## 4. CIFAR-10 simplified AlexNet, with and without augmentation', '',
        `The course's CIFAR-10 network (examples/cifar10-alexnet.cnn.yaml, 528,054 parameters, RMSprop, batch 32). Course: about 67% test accuracy, 23 s/epoch on a CPU and 5 s on a GPU. `
        + `Data: ${cifar.source}. `
        + 's/epoch (training) counts the training steps (batch building included); the epoch column adds validation on the held-out 10%, the checkpoint, feature maps and filters.', '',
        markdownTable(['run', 'epochs', 'train acc', 'val acc', 'test acc', 's/epoch (training)', 's/epoch (whole epoch)'], [row(rgb), row(aug)]), '',
        'Course reference: ≈ 67% test accuracy, 23 s/epoch (CPU), 5 s/epoch (GPU).', '',
        augmentRemark(rgb, aug), '',
        ...runDetails([rgb, aug]), '');
    }
  }

  const md = ['# Course experiments reproduced', '',
    `Generated by \`npm run course${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\` on ${new Date().toISOString().slice(0, 10)}${quick ? ' with **--quick** (capped samples and epochs: a smoke test, not the course\'s numbers)' : ''}, `
      + `on ${machine.cpuModel}, ${machine.logicalCpus} logical CPUs, ${machine.memoryGiB} GiB, load average at start ${machine.loadAverageAtStart.join(', ')}. `
      + `Every experiment is an ordinary training run through the CNN Lab CLI (\`bin/cnn-lab.js train\`, the same trainer the extension forks), written to ${path.relative(ROOT, outDir) || '.'}/ where the dashboard opens it; `
      + `generated model files are in ${path.relative(ROOT, modelsDir)}/. Total time ${fmt((Date.now() - started) / 60000, 1)} min; load average at the end ${machineInfo().loadAverageAtStart.join(', ')} `
      + '(the machine is shared: times per epoch include the other load, accuracies do not depend on it).', '',
    ...sections].join('\n');
  fs.mkdirSync(path.dirname(outMd), { recursive: true });
  fs.writeFileSync(outMd, withKept(`${md}\n`, outMd));
  log(`\nwrote ${path.relative(ROOT, outMd)}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
