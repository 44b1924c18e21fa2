/**
 * `npm run bench`: CNN Lab's numbers on this machine, side by side with Keras and PyTorch, written
 * to bench/results.json and docs/benchmarks.md and printed as tables.
 *
 *   npm run bench [-- --quick] [--rounds N] [--threads N] [--no-install] [--no-build] [--cifar DIR]
 *                 [--skip steps,peers,wasm-bench,cpu,profile] [--models ID,ID] [--contenders ID,ID] [--step-rounds N] [--out-md FILE] [--out-json FILE]
 *                 [--steps-only] [--render-only]
 *
 * 1. Training throughput: CNN Lab's trainer (dist/trainer.js, forked as the extension forks it)
 *    on each backend that loads, Keras (model.fit) and PyTorch (eager loop), on the same training
 *    samples (exported from the trainer's own data loading and seeded split), batch size,
 *    optimizer and thread count; rounds interleaved, rotating the order; median and spread.
 * 2. Efficiency: achieved FLOP/s of the training step (forward MACs × 2 FLOPs × 3 for forward and
 *    backward) against the best large matmul of the same framework.
 * 3. Speed steps of the native trainer (bench/steps.ts), and a per-op profile of one native
 *    training step per model (bench/profile.ts).
 * 4. Language server latency (bench/lsp.ts), wasm kernels (bench/wasm.ts), bundle sizes and
 *    load cost of the extension host bundles, trainer memory per epoch.
 * Sections other scripts write into docs/benchmarks.md (between `<!-- kept: NAME -->` markers,
 * e.g. bench/fusedOps.ts's) are carried over from the file this run replaces.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ModelSpec } from '../src/shared/modelSpec';
import type { BackendName } from '../src/shared/trainerProtocol';
import {
  ROOT, arg, capture, commandVersion, flag, fmt, loadModelFile, machineInfo, markdownTable, median, spread, withKept,
  type MachineInfo, type ModelFile, type Spread,
} from './lib/common';
import { exportTrainingSlice, findCifarFolder, folderDataset, loadFor, type ExportedSlice } from './lib/data';
import { ensureVenv, runPeer, type PeerName, type Venv } from './lib/python';
import { runTrainer, type TrainerRunResult } from './lib/trainerRun';
import { profileSummaryTable, profileTable, type ProfileResult } from './profile';
import { measureSteps, stepsTable, type StepsResult } from './steps';

// ------------------------------------------------------------------ options

const quick = flag('quick');
const skip = new Set((arg('skip') ?? '').split(',').filter(Boolean));
const rounds = Number(arg('rounds') ?? (quick ? 1 : 3));
/** Rounds of the speed-step measurements (each configuration in a fresh process per round). */
const stepRounds = Number(arg('step-rounds') ?? (quick ? 1 : 3));
const threads = Number(arg('threads') ?? os.cpus().length);
const outJson = path.resolve(arg('out-json') ?? path.join(ROOT, 'bench', 'results.json'));
const outMd = path.resolve(arg('out-md') ?? path.join(ROOT, 'docs', 'benchmarks.md'));
/** `--contenders id,id`: only these contenders (cnnlab-tensorflow, keras, pytorch, cnnlab-wasm, cnnlab-cpu). */
const onlyContenders = arg('contenders')?.split(',').filter(Boolean) ?? null;
/** `--models id,id`: only these benchmark models (ids of `MODELS`). */
const onlyModels = arg('models')?.split(',').filter(Boolean) ?? null;
const log = (line: string): void => { process.stderr.write(`${line}\n`); };

type ContenderId = `cnnlab-${BackendName}` | PeerName;
const CONTENDERS: readonly ContenderId[] = ['cnnlab-tensorflow', 'keras', 'pytorch', 'cnnlab-wasm', 'cnnlab-cpu'];
const CONTENDER_TITLE: Readonly<Record<ContenderId, string>> = {
  'cnnlab-tensorflow': 'CNN Lab, tensorflow (tfjs-node)',
  'cnnlab-wasm': 'CNN Lab, wasm',
  'cnnlab-cpu': 'CNN Lab, cpu (pure JS)',
  keras: 'Keras (TensorFlow)',
  pytorch: 'PyTorch',
};

interface BenchModel {
  readonly id: string;
  readonly title: string;
  readonly file: string;
  readonly expectedParams: number;
  readonly data: 'mnist' | 'fashion' | 'cifar';
}

const MODELS: readonly BenchModel[] = [
  { id: 'keras-mnist-convnet', title: 'Keras mnist_convnet', file: 'examples/mnist-keras-example.cnn.yaml', expectedParams: 34_826, data: 'mnist' },
  { id: 'course-mnist', title: 'Course MNIST (2 conv + 2 dense)', file: 'examples/mnist.cnn.yaml', expectedParams: 220_234, data: 'mnist' },
  { id: 'cifar10-alexnet', title: 'CIFAR-10 simplified AlexNet', file: 'examples/cifar10-alexnet.cnn.yaml', expectedParams: 528_054, data: 'cifar' },
  // Issue 12's batch-norm model: conv–batchnorm–relu, average pooling, a strided conv, global average pooling.
  { id: 'fashion-batchnorm', title: 'Fashion-MNIST batch norm (conv–BN–ReLU, avg + global pooling)', file: 'bench/models/fashion-batchnorm.cnn.yaml', expectedParams: 19_562, data: 'fashion' },
];

/** The models this run measures (`--models`, else all). */
function benchModels(): readonly BenchModel[] {
  if (onlyModels === null) return MODELS;
  const unknown = onlyModels.filter((id) => !MODELS.some((m) => m.id === id));
  if (unknown.length > 0) throw new Error(`--models: no benchmark model ${unknown.join(', ')} (have ${MODELS.map((m) => m.id).join(', ')})`);
  return MODELS.filter((m) => onlyModels.includes(m.id));
}

/** Samples and epochs per contender: the slow pure-JS and wasm backends train on a short slice. */
function workload(c: ContenderId, m: BenchModel): { samples: number; epochs: number } {
  const full = m.data === 'cifar' ? 12_800 : 9000;
  if (quick) return c === 'cnnlab-cpu' ? { samples: 256, epochs: 2 } : c === 'cnnlab-wasm' ? { samples: 512, epochs: 2 } : { samples: 2048, epochs: 2 };
  if (c === 'cnnlab-cpu') return { samples: m.data === 'cifar' ? 512 : 768, epochs: 2 };
  if (c === 'cnnlab-wasm') return { samples: 2048, epochs: 2 };
  return { samples: full, epochs: 4 };
}

// ------------------------------------------------------------------ results

interface ThroughputCell {
  readonly contender: ContenderId;
  /** samples/s per round (median over the timed epochs of that run, i.e. all but the first). */
  readonly rounds: readonly number[];
  readonly samplesPerSec: Spread | null;
  readonly samples: number;
  readonly epochs: number;
  readonly note: string;
  /** FLOP/s achieved: samples/s × forward MACs × 6. */
  readonly flops: number | null;
}

interface MemoryRow {
  readonly model: string;
  readonly backend: BackendName;
  readonly peakRssMiB: number | null;
  readonly numTensorsPerEpoch: readonly number[];
}

interface ModelResult {
  readonly id: string;
  readonly title: string;
  readonly params: number;
  readonly macs: number;
  readonly batchSize: number;
  readonly optimizer: string;
  readonly data: string;
  readonly cells: readonly ThroughputCell[];
}

interface Results {
  readonly generatedAt: string;
  readonly command: string;
  readonly quick: boolean;
  readonly rounds: number;
  readonly threads: number;
  readonly machine: MachineInfo & { readonly loadAverageAtEnd: readonly number[] };
  readonly versions: Readonly<Record<string, string>>;
  readonly peers: Readonly<Record<PeerName, true | string>>;
  readonly models: readonly ModelResult[];
  readonly peaks: Readonly<Record<string, { readonly flops: number; readonly n: number } | string>>;
  readonly steps: readonly StepsResult[];
  readonly lsp: readonly { readonly layers: number; readonly medianMs: number; readonly p95Ms: number }[] | string;
  readonly bundles: readonly { readonly file: string; readonly bytes: number; readonly compileMs: number | null }[];
  readonly memory: readonly MemoryRow[];
  readonly wasmBench: string | null;
  readonly stepModes: Readonly<Record<string, string>>;
  /** Per-op profile of one native training step per model (bench/profile.ts), or why not. */
  readonly profile?: { readonly detail: string; readonly results: readonly ProfileResult[] } | string;
}

// ------------------------------------------------------------------ runs

interface Prepared {
  readonly model: BenchModel;
  readonly mf: ModelFile;
  /** The spec trained: augmentation off (the peers do not augment), data set resolved. */
  readonly spec: ModelSpec;
  readonly slices: Map<number, ExportedSlice>;
  readonly dataNote: string;
}

async function prepare(model: BenchModel, venvDir: string): Promise<Prepared | string> {
  const mf = loadModelFile(path.join(ROOT, model.file));
  if (mf.summary.totalParams !== model.expectedParams) {
    throw new Error(`${model.file}: ${mf.summary.totalParams} parameters, expected ${model.expectedParams}`);
  }
  let spec: ModelSpec = { ...mf.spec, train: { ...mf.spec.train, augment: { flipHorizontal: false, shift: 0 } } };
  if (model.data === 'cifar') {
    const cifar = findCifarFolder(arg('cifar'));
    if (!cifar) return 'CIFAR-10 is not available as an image folder here (pass --cifar DIR or set CNN_LAB_CIFAR_DIR)';
    spec = { ...spec, dataset: folderDataset(cifar.dir) };
  }
  log(`loading data for ${model.title} ...`);
  const ds = await loadFor(spec, undefined, log);
  const slices = new Map<number, ExportedSlice>();
  for (const c of CONTENDERS) {
    const { samples } = workload(c, model);
    if (!slices.has(samples)) slices.set(samples, exportTrainingSlice(ds, spec, samples, venvDir, `${model.id}-${samples}`));
  }
  return { model, mf, spec, slices, dataNote: ds.source };
}

interface PeerOutput {
  readonly epochSeconds: readonly number[];
  readonly params: number;
  readonly versions: Readonly<Record<string, string>>;
  readonly mode: string;
}

const threadEnv = (): NodeJS.ProcessEnv => ({ TF_NUM_INTRAOP_THREADS: String(threads), TF_NUM_INTEROP_THREADS: '1' });

async function runOnce(p: Prepared, c: ContenderId, venv: Venv, runsDir: string, round: number,
  memory: MemoryRow[], stepModes: Record<string, string>, notes: Map<ContenderId, string>): Promise<number | null> {
  const { samples, epochs } = workload(c, p.model);
  const spec: ModelSpec = { ...p.spec, train: { ...p.spec.train, epochs } };
  const slice = p.slices.get(samples);
  if (!slice) throw new Error('missing data slice');
  if (c === 'keras' || c === 'pytorch') {
    const why = venv.available[c];
    if (why !== true) {
      notes.set(c, `not installed: ${why}`);
      return null;
    }
    const out = await runPeer<PeerOutput>(venv, {
      framework: c, spec, epochs, images: slice.images, labels: slice.labels, count: slice.count, inputShape: spec.inputShape, threads,
    }, threadEnv());
    if (out.params !== p.mf.summary.totalParams) throw new Error(`${c} built ${out.params} parameters for ${p.model.title}, CNN Lab ${p.mf.summary.totalParams}`);
    notes.set(c, out.mode);
    return median(out.epochSeconds.slice(1).map((s) => slice.count / s));
  }
  const backend = c.slice('cnnlab-'.length) as BackendName;
  const runDir = path.join(runsDir, `${p.model.id}-${backend}-r${round}`);
  let r: TrainerRunResult;
  try {
    r = await runTrainer({ spec, modelText: p.mf.text, runDir, backend, maxTrainSamples: samples, maxTestSamples: 256, env: threadEnv() });
  } catch (err) {
    if (/E_BACKEND_UNAVAILABLE/.test(String(err))) {
      notes.set(c, `backend not available: ${String(err).split('\n')[0] ?? ''}`);
      return null;
    }
    throw err;
  } finally {
    fs.rmSync(runDir, { recursive: true, force: true });
  }
  if (r.trainCount !== slice.count) throw new Error(`trainer trained ${r.trainCount} samples, peers ${slice.count}`);
  notes.set(c, r.backendDetail);
  if (r.stepMode) stepModes[`${p.model.id}/${backend}`] = r.stepMode;
  if (round === 0) memory.push({ model: p.model.title, backend, peakRssMiB: r.peakRssMiB, numTensorsPerEpoch: r.epochs.map((e) => e.numTensors) });
  return median(r.epochs.slice(1).map((e) => e.samplesPerSec));
}

// ------------------------------------------------------------------ other measurements

async function peaks(venv: Venv): Promise<Record<string, { flops: number; n: number } | string>> {
  const out: Record<string, { flops: number; n: number } | string> = {};
  const sizes: Record<BackendName, number> = { tensorflow: 2048, wasm: 1024, cpu: 512 };
  for (const b of ['tensorflow', 'wasm', 'cpu'] as const) {
    const r = await capture(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'peakWorker.ts'), b, String(sizes[b])], { env: { ...process.env, ...threadEnv() } });
    const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
    out[`cnnlab-${b}`] = r.code === 0 && line ? (JSON.parse(line) as { flops: number; n: number }) : `failed: ${r.stderr.trim().split('\n').pop() ?? ''}`;
  }
  for (const peer of ['keras', 'pytorch'] as const) {
    if (venv.available[peer] !== true) { out[peer] = 'not installed'; continue; }
    try {
      const r = await runPeer<{ flops: number }>(venv, { task: 'peak', framework: peer, size: 2048, reps: 5, threads }, threadEnv());
      out[peer] = { flops: r.flops, n: 2048 };
    } catch (err) {
      out[peer] = `failed: ${String(err).slice(0, 200)}`;
    }
  }
  return out;
}

async function lspLatency(): Promise<Results['lsp']> {
  const r = await capture(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'lsp.ts')]);
  if (r.code !== 0) return `bench/lsp.ts failed: ${r.stderr.trim().split('\n').pop() ?? ''}`;
  const rows = [...r.stdout.matchAll(/(\d+) layers: median ([\d.]+) ms, p95 ([\d.]+) ms/g)]
    .map((m) => ({ layers: Number(m[1]), medianMs: Number(m[2]), p95Ms: Number(m[3]) }));
  return rows.length > 0 ? rows : `bench/lsp.ts printed no latency lines: ${r.stdout.slice(0, 200)}`;
}

/** Bundle sizes and the V8 parse+compile time of each Node bundle in a fresh process (best of 3). */
async function bundles(): Promise<Results['bundles']> {
  const files = ['dist/extension.js', 'dist/server.js', 'dist/trainer.js', 'dist/cli.js', 'dist/webview/dashboard.js', 'dist/webview/filters.js'];
  const out: { file: string; bytes: number; compileMs: number | null }[] = [];
  for (const f of files) {
    const abs = path.join(ROOT, f);
    if (!fs.existsSync(abs)) continue;
    let compileMs: number | null = null;
    if (!f.includes('webview')) {
      const script = `const vm=require('node:vm');const src=require('node:fs').readFileSync(${JSON.stringify(abs)},'utf8');`
        + 'const t0=process.hrtime.bigint();new vm.Script(src,{filename:"b.js"}).runInThisContext;'
        + 'console.log(Number(process.hrtime.bigint()-t0)/1e6);';
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await capture(process.execPath, ['-e', script]);
        const v = Number(r.stdout.trim());
        if (r.code === 0 && Number.isFinite(v)) times.push(v);
      }
      compileMs = times.length ? Math.min(...times) : null;
    }
    out.push({ file: f, bytes: fs.statSync(abs).size, compileMs });
  }
  return out;
}

function versions(venv: Venv, models: readonly ModelResult[]): Record<string, string> {
  const pkg = (name: string): string => {
    try {
      return (JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return 'not installed';
    }
  };
  void models;
  return {
    node: process.version, '@tensorflow/tfjs': pkg('@tensorflow/tfjs'), '@tensorflow/tfjs-node': pkg('@tensorflow/tfjs-node'),
    '@tensorflow/tfjs-backend-wasm': pkg('@tensorflow/tfjs-backend-wasm'), python: venv.versions.python ?? 'unknown',
    'tensorflow (Python)': venv.versions.tensorflow ?? 'not installed', keras: venv.versions.keras ?? 'not installed',
    torch: venv.versions.torch ?? 'not installed', gcc: commandVersion('gcc', ['-dumpfullversion']) ?? 'unknown',
  };
}

// ------------------------------------------------------------------ report

function cellText(cell: ThroughputCell | undefined): string {
  if (!cell) return '—';
  if (!cell.samplesPerSec) return `n/a (${cell.note})`;
  const s = cell.samplesPerSec;
  return s.n > 1 ? `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})` : fmt(s.median);
}

function ratioText(cell: ThroughputCell | undefined, keras: ThroughputCell | undefined): string {
  if (!cell?.samplesPerSec || !keras?.samplesPerSec) return '—';
  return `${(cell.samplesPerSec.median / keras.samplesPerSec.median).toFixed(2)}×`;
}

/** Whether the trainer ran the model on the direct TensorFlow step (its log line), in a table cell. */
function directStepText(stepModes: Readonly<Record<string, string>>, id: string): string {
  const mode = stepModes[`${id}/tensorflow`];
  if (mode === undefined) return '—';
  if (mode.startsWith("Training step: TensorFlow's training ops called directly")) return 'yes';
  return `no: ${mode.replace(/^Training step: /, '')}`;
}

function throughputTable(models: readonly ModelResult[], stepModes: Readonly<Record<string, string>>): string {
  const head = ['model (params, batch, optimizer)', ...CONTENDERS.map((c) => CONTENDER_TITLE[c]), 'CNN Lab tensorflow ÷ Keras', 'CNN Lab tensorflow ÷ PyTorch', 'direct TensorFlow step'];
  const rows = models.map((m) => {
    const by = (c: ContenderId): ThroughputCell | undefined => m.cells.find((x) => x.contender === c);
    return [`${m.title} (${fmt(m.params)}, ${m.batchSize}, ${m.optimizer})`, ...CONTENDERS.map((c) => cellText(by(c))),
      ratioText(by('cnnlab-tensorflow'), by('keras')), ratioText(by('cnnlab-tensorflow'), by('pytorch')), directStepText(stepModes, m.id)];
  });
  return markdownTable(head, rows);
}

function ratiosTable(models: readonly ModelResult[]): string {
  const head = ['model', ...CONTENDERS.map((c) => `${CONTENDER_TITLE[c]} ÷ Keras`)];
  return markdownTable(head, models.map((m) => {
    const keras = m.cells.find((x) => x.contender === 'keras');
    return [m.title, ...CONTENDERS.map((c) => ratioText(m.cells.find((x) => x.contender === c), keras))];
  }));
}

function efficiencyTable(models: readonly ModelResult[], pk: Results['peaks']): string {
  const head = ['model', 'forward MACs/sample', ...CONTENDERS.map((c) => `${CONTENDER_TITLE[c]} GFLOP/s (% of peak)`)];
  const rows = models.map((m) => [m.title, fmt(m.macs), ...CONTENDERS.map((c) => {
    const cell = m.cells.find((x) => x.contender === c);
    const peak = pk[c];
    if (!cell?.flops) return '—';
    const pct = typeof peak === 'object' ? ` (${((cell.flops / peak.flops) * 100).toFixed(0)}%)` : '';
    return `${(cell.flops / 1e9).toFixed(1)}${pct}`;
  })]);
  const peakRow = ['measured peak: n×n float32 matmul', '', ...CONTENDERS.map((c) => {
    const p = pk[c];
    return typeof p === 'object' ? `${(p.flops / 1e9).toFixed(1)} (n = ${p.n})` : (p ?? '—');
  })];
  return markdownTable(head, [...rows, peakRow]);
}

function markdown(r: Results): string {
  const m = r.machine;
  const lines: string[] = [];
  lines.push('# Benchmarks', '');
  lines.push(`Measured by \`${r.command}\` on ${r.generatedAt.slice(0, 10)}${r.quick ? ' (**--quick**: short runs, one round; not the published numbers)' : ''}. `
    + `Regenerate with \`npm run bench\` (this run: ${r.rounds} rounds, speed steps included; 39 minutes for 2 rounds on a shared 2-core machine; \`--quick\` for a short check). Raw numbers: [bench/results.json](../bench/results.json).`, '');
  lines.push('## Machine', '');
  lines.push(markdownTable(['', ''], [
    ['CPU', `${m.cpuModel} (${m.flags || 'flags unknown'})`],
    ['logical CPUs', String(m.logicalCpus)],
    ['memory', `${m.memoryGiB} GiB`],
    ['OS', m.os],
    ['load average at start / end', `${m.loadAverageAtStart.join(', ')} / ${m.loadAverageAtEnd.join(', ')}`],
    ['threads given to every contender', `${r.threads} intra-op, 1 inter-op (TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS, tf.config.threading, torch.set_num_threads)`],
    ...Object.entries(r.versions).map(([k, v]) => [k, v]),
  ]), '');

  lines.push('## Training throughput (samples/s)', '');
  lines.push('Median over rounds, with the range (min–max) in brackets; each round runs every contender once, in rotating order, each in a fresh process. '
    + 'A run\'s samples/s is the median over its epochs after the first (the first includes start-up: oneDNN primitive creation, graph tracing, JIT). '
    + 'Training time only (CNN Lab: batch building, step and metrics; Keras: `fit` epoch time without validation; PyTorch: the epoch loop). '
    + 'All train on the same samples (exported from CNN Lab\'s own data loading and seeded split), same batch size and optimizer, augmentation off.', '');
  lines.push(throughputTable(r.models, r.stepModes), '');
  lines.push('Ratio to Keras (≥ 1.00× means at least as fast as Keras on this CPU):', '');
  lines.push(ratiosTable(r.models), '');
  const notes = new Set<string>();
  for (const mm of r.models) for (const c of mm.cells) notes.add(`- ${CONTENDER_TITLE[c.contender]} (${mm.title}): ${c.samples} samples × ${c.epochs} epochs per run; ${c.note}`);
  lines.push('<details><summary>Workloads and modes</summary>', '', ...[...notes], '', ...r.models.map((mm) => `- ${mm.title} data: ${mm.data}`), '', '</details>', '');
  if (Object.keys(r.stepModes).length > 0) {
    lines.push('Training step the trainer reported:', '', ...Object.entries(r.stepModes).map(([k, v]) => `- ${k}: ${v}`), '');
  }

  lines.push('## Efficiency against the machine', '');
  lines.push('Achieved FLOP/s of training = samples/s × forward MACs per sample × 2 FLOPs per MAC × 3 (forward, input gradient, weight gradient), '
    + 'against the best time of a large float32 matmul in the same framework and thread count (the densest work it can do here).', '');
  lines.push(efficiencyTable(r.models, r.peaks), '');

  if (r.steps.length > 0) {
    lines.push('## Speed steps of the native trainer', '');
    lines.push('What each change to the training step on the tensorflow backend buys, measured in isolation: random data of the model\'s input shape at its batch size, '
      + 'each configuration in a fresh process, configurations interleaved and repeated, median of per-process medians (ms per training step, lower is better). '
      + 'Thread rows: TensorFlow\'s default is all cores for both pools.', '');
    for (const s of r.steps) lines.push(`### ${s.model}, batch ${s.batchSize}`, '', stepsTable(s), '');
  }

  if (r.profile !== undefined) lines.push(...profileSection(r));

  lines.push('## Language server latency', '');
  if (typeof r.lsp === 'string') lines.push(r.lsp, '');
  else {
    lines.push('Work the server does per change (parse, validate, infer shapes, inlay hints, code lenses) on generated 10- and 200-layer files, from `bench/lsp.ts` (200 runs after warm-up).', '');
    lines.push(markdownTable(['layers', 'median ms', 'p95 ms', 'goal: p95 < 20 ms'], r.lsp.map((x) => [String(x.layers), x.medianMs.toFixed(2), x.p95Ms.toFixed(2), x.p95Ms < 20 ? 'met' : 'missed'])), '');
  }

  lines.push('## Extension host', '');
  lines.push('Bundle sizes as built by `node esbuild.mjs` (development build, source maps separate), and the V8 parse + compile time of each Node bundle in a fresh process (best of 3). '
    + 'Activation itself needs VS Code (the `vscode` module exists only in the extension host); it is exercised by the integration tests, not timed here. '
    + 'Activation is lazy (language, commands, views), so this compile time is paid when a model file or a CNN Lab view is first opened.', '');
  lines.push(markdownTable(['bundle', 'size', 'compile ms'], r.bundles.map((b) => [b.file, `${fmt(b.bytes / 1024)} KiB`, b.compileMs === null ? '—' : b.compileMs.toFixed(1)])), '');

  lines.push('## Trainer memory', '');
  lines.push('Peak resident memory of the trainer process (VmHWM) and `tf.memory().numTensors` at the end of each epoch, from the first round of the throughput runs. A flat tensor count means no leak.', '');
  lines.push(markdownTable(['model', 'backend', 'peak RSS', 'tensors per epoch', 'flat'], r.memory.map((x) => [
    x.model, x.backend, x.peakRssMiB === null ? '—' : `${fmt(x.peakRssMiB)} MiB`, x.numTensorsPerEpoch.join(', '),
    x.numTensorsPerEpoch.every((n) => n === x.numTensorsPerEpoch[0]) ? 'yes' : 'NO',
  ])), '');

  lines.push(...goalsAndNotes(r));

  if (r.wasmBench) {
    lines.push('## wasm backend kernels', '', 'Output of `bench/wasm.ts` (the wasm gradient kernels CNN Lab registers, and where a wasm step spends its time):', '', '```', r.wasmBench.trim(), '```', '');
  }
  return `${lines.join('\n')}\n`;
}

/** The per-op profile section (bench/profile.ts, run by this script). */
function profileSection(r: Results): string[] {
  const p = r.profile;
  const lines = ['## Where a training step spends its time (per-op profile)', ''];
  if (p === undefined) return [];
  if (typeof p === 'string') return [...lines, p, ''];
  const peak = r.peaks['cnnlab-tensorflow'];
  const peakFlops = typeof peak === 'object' ? peak.flops : null;
  lines.push(`One native training step of each benchmark model as the trainer runs it (${p.detail}), op by op: \`npx tsx bench/profile.ts\` `
    + '(run by `npm run bench`). Each TensorFlow op call is timed through the binding (eager ops run synchronously, so a call\'s time is its kernel plus '
    + 'tfjs-node\'s per-op cost); convolutions and matmuls also count their FLOPs from their operands\' shapes, held to the matmul peak of the efficiency table'
    + `${peakFlops ? ` (${(peakFlops / 1e9).toFixed(1)} GFLOP/s)` : ''}. Random data of the model's input shape at its batch size; plain and profiled steps alternate; median per step.`, '');
  lines.push('By kind of op, ms per step (share of the step):', '', profileSummaryTable(p.results), '');
  for (const x of p.results) {
    lines.push(`<details><summary>${x.title}, batch ${x.batch} (${x.kernels}): ${x.plainMs.toFixed(2)} ms/step unprofiled, ${x.profiledMs.toFixed(2)} profiled</summary>`, '',
      profileTable(x, peakFlops), '', '</details>', '');
  }
  return lines;
}

/** The issue's goals (issues 6 and 12), met or not from this run's numbers, and why the numbers are what they are. */
function goalsAndNotes(r: Results): string[] {
  const rows: string[][] = [];
  const status = (v: number | null, goal: number): string => (v === null ? '—' : v >= goal ? 'met' : 'missed');
  // On a machine loaded beyond its cores the peers' ratios say more about the load than about the step (see Noise).
  const load = r.machine.loadAverageAtStart[0] ?? 0;
  const loaded = load > r.machine.logicalCpus ? ` (load ${load.toFixed(1)} on ${r.machine.logicalCpus} CPUs at start: see Noise)` : '';
  for (const m of r.models) {
    const by = (c: ContenderId): Spread | null | undefined => m.cells.find((x) => x.contender === c)?.samplesPerSec;
    const mine = by('cnnlab-tensorflow');
    for (const [peer, goal] of [['keras', 1.2], ['pytorch', 1.5]] as const) {
      const other = by(peer);
      const ratio = mine && other ? mine.median / other.median : null;
      rows.push([`${m.title}: ≥ ${goal}× ${CONTENDER_TITLE[peer]}`, ratio === null ? 'not measured' : `${ratio.toFixed(2)}×`, `${status(ratio, goal)}${ratio === null ? '' : loaded}`]);
    }
    rows.push([`${m.title}: on the direct TensorFlow step`, directStepText(r.stepModes, m.id), directStepText(r.stepModes, m.id) === 'yes' ? 'met' : 'missed']);
  }
  const peak = r.peaks['cnnlab-tensorflow'];
  for (const [id, goal] of [['cifar10-alexnet', 0.25], ['course-mnist', 0.55]] as const) {
    const m = r.models.find((x) => x.id === id);
    const flops = m?.cells.find((c) => c.contender === 'cnnlab-tensorflow')?.flops ?? null;
    const share = flops !== null && typeof peak === 'object' ? flops / peak.flops : null;
    rows.push([`${m?.title ?? id}: ≥ ${Math.round(goal * 100)}% of the matmul peak`, share === null ? 'not measured' : `${(share * 100).toFixed(0)}%`, `${status(share, goal)}${share === null ? '' : loaded}`]);
  }
  if (typeof r.lsp !== 'string') {
    const big = r.lsp.find((x) => x.layers === 200);
    if (big) rows.push(['language server p95 < 20 ms for 200 layers', `${big.p95Ms.toFixed(2)} ms`, big.p95Ms < 20 ? 'met' : 'missed']);
  }
  const flat = r.memory.every((x) => x.numTensorsPerEpoch.every((n) => n === x.numTensorsPerEpoch[0]));
  rows.push(['flat tensor count per epoch', r.memory.length ? `${r.memory.length} runs` : 'not measured', r.memory.length ? (flat ? 'met' : 'missed') : '—']);
  rows.push(['MNIST test accuracy ≥ 99.2% on full MNIST', 'see docs/course.md', 'measured by the main job (npm run train), not by the benchmark']);
  return [
    '## Goals (benchmarks issue, issue 12)', '',
    markdownTable(['goal', 'measured', 'status'], rows), '',
    '## Notes', '',
    '- **Why CNN Lab on tfjs-node outruns Keras on the same libtensorflow.** Its trainer calls TensorFlow\'s training ops directly '
      + '(src/trainer/nativeStep.ts): a hand-written backward pass over the sequential model with `Conv2DBackpropFilter/Input`, `ReluGrad`, `BiasAddGrad`, '
      + 'the loss and its gradient from one `SparseSoftmaxCrossEntropyWithLogits`, one `ResourceApply*` op per variable, and oneDNN\'s own max pooling, whose workspace '
      + 'turns the pooling gradient into a scatter (0.25 ms instead of 11 ms for the first pool of the Keras example at batch 128). '
      + 'Keras\'s graph runs the stock `MaxPoolGrad` (it recomputes the pooling) and the generic gradient graph of `tf.function`, with per-step Python overhead. '
      + 'The gradients are checked against tfjs\'s automatic differentiation (test/process/trainer/nativeStep.test.ts).',
    '- **Every model of the language runs on the direct step** (issue 12): batch normalisation (`FusedBatchNormV3`, the moving statistics updated in the tfjs layer as tfjs does), '
      + 'average and global pooling, every activation, depthwise and separable convolutions (the "direct TensorFlow step" column). `trainOnBatch` (the "stock" row of the speed-step tables) '
      + 'is left to the wasm and cpu backends.',
    '- **wasm** runs single-threaded here (tfjs 4.22 hard-wires its threaded wasm build off in Node; see src/trainer/backends/wasm.ts), so it gets half the cores the others get; '
      + 'its own numbers and the gradient kernels CNN Lab adds are in the wasm section below. The **cpu** backend is pure JavaScript, for machines where neither loads.',
    '- **Efficiency.** These networks are small: convolutions with 1–64 channels and batch 32–128 are memory- and overhead-bound, far from a 2048² matmul; '
      + 'the per-op profile above shows each convolution\'s and matmul\'s own FLOP rate, and the share of the step that does no multiply-adds at all '
      + '(pooling, batch norm, activations, their gradients: passes over the full-size maps, bound by memory bandwidth). The first convolution of the MNIST models has one input channel, '
      + 'which no CPU kernel runs near peak. conv + bias + ReLU now run in one kernel (the binding patch passes the fused kernels\' list attributes); '
      + 'what would close more of the gap: kernels that fuse a whole block (conv + batch norm + ReLU + pooling, forward and backward), which libtensorflow\'s CPU op set does not have.',
    '- **Step loop rather than `model.fit`** (src/trainer/train.ts). Measured, neither is consistently faster: both run the same compiled train function (tfjs-layers `makeTrainFunction`). cpu, 8-filter test net, 640 samples, 3 alternating reps: fit 2.2–4.9 s vs loop 1.4–4.1 s per epoch; tfjs-node, Keras mnist_convnet at batch 128: fit 183 vs loop 113 ms/step (auto threads) and 53 vs 66 ms/step (2 intra-op threads); the spread is the other load on the 2-core machine. The native step (nativeStep.ts) is about 3× faster per step than `trainOnBatch` on the same backend. The wasm `Sum`/`Mean` kernels for leading axes (wasmKernels/reduce.ts) are about 3× faster than the shipped ones, which took 7 ms or more for the first conv\'s bias gradient of the Keras MNIST net at batch 128.',
    '- **PyTorch** runs the plain eager NCHW loop of its tutorials (no `torch.compile`), with the same thread count.',
    '- **Threads.** Every contender gets all cores for intra-op work and one inter-op thread. At batch 32 most kernels are too small to split well: '
      + 'compare the thread rows of the AlexNet speed-step table (TensorFlow\'s default, which the trainer keeps, is all cores for both pools).',
    '- **Noise.** Every run shares 2 cores with the operating system and whatever else runs; the spread column shows it. The load average at start and end is in the machine table. '
      + 'PyTorch\'s eager loop suffers most on a shared machine (its OpenMP threads wait for cores: a few hundred samples/s at a load average of 5–8 on 2 CPUs, against thousands on a quiet one), '
      + 'so its ratios are only comparable between runs at a similar load; Keras and CNN Lab, on the same libtensorflow thread pool, slow down alike.',
    '',
  ];
}

/** Runs bench/profile.ts (its own process: libtensorflow with 2 threads, oneDNN on) for the models measured. */
async function runProfile(files: readonly string[]): Promise<NonNullable<Results['profile']>> {
  const r = await capture(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'profile.ts'), '--json', '--threads', String(threads),
    '--steps', quick ? '10' : '40', '--models', files.join(',')], { timeoutMs: 600_000 });
  const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
  if (r.code !== 0 || !line) return `bench/profile.ts failed: ${r.stderr.trim().split('\n').slice(-3).join(' ')}`;
  const out = JSON.parse(line) as { detail: string; results: ProfileResult[] };
  return { detail: out.detail, results: out.results };
}

// ------------------------------------------------------------------ main

/** `--steps-only`: re-measures the speed steps into an existing results.json and rewrites the report. */
async function stepsOnly(): Promise<void> {
  const previous = JSON.parse(fs.readFileSync(outJson, 'utf8')) as Results;
  const steps: StepsResult[] = [];
  for (const m of benchModels()) {
    log(`speed steps: ${m.file}`);
    steps.push(await measureSteps(path.join(ROOT, m.file), stepRounds, quick ? 10 : 30, log));
  }
  const r: Results = { ...previous, steps };
  fs.writeFileSync(outJson, `${JSON.stringify(r, null, 2)}\n`);
  fs.writeFileSync(outMd, withKept(markdown(r), outMd));
  for (const s of steps) console.log(`\n${s.model}, batch ${s.batchSize}:\n${stepsTable(s)}`);
}

/** `--render-only`: rewrites the report from an existing results.json (after editing the notes here), measuring nothing. */
function renderOnly(): void {
  const r = JSON.parse(fs.readFileSync(outJson, 'utf8')) as Results;
  fs.writeFileSync(outMd, withKept(markdown(r), outMd));
  log(`rewrote ${path.relative(ROOT, outMd)} from ${path.relative(ROOT, outJson)}`);
}

async function main(): Promise<void> {
  if (flag('render-only')) return renderOnly();
  if (flag('steps-only')) return stepsOnly();
  const started = Date.now();
  const machine = machineInfo();
  log(`CNN Lab benchmark on ${machine.cpuModel}, ${machine.logicalCpus} CPUs, load ${machine.loadAverageAtStart.join(' ')}${quick ? ' (quick)' : ''}`);
  if (!flag('no-build')) {
    log('building the bundles (node esbuild.mjs) ...');
    const b = await capture(process.execPath, ['esbuild.mjs']);
    if (b.code !== 0) throw new Error(`build failed: ${b.stderr}`);
  }
  const venv = skip.has('peers')
    ? { python: '', available: { keras: 'skipped (--skip peers)', pytorch: 'skipped (--skip peers)' }, versions: {} } satisfies Venv
    : await ensureVenv(!flag('no-install'), log);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cnn-lab-bench-'));
  const memory: MemoryRow[] = [];
  const stepModes: Record<string, string> = {};
  const results: ModelResult[] = [];
  try {
    const prepared: (Prepared | { model: BenchModel; why: string })[] = [];
    for (const model of benchModels()) {
      const p = await prepare(model, work);
      prepared.push(typeof p === 'string' ? { model, why: p } : p);
    }
    const samplesBy = new Map<string, Map<ContenderId, number[]>>();
    const notesBy = new Map<string, Map<ContenderId, string>>();
    for (let round = 0; round < rounds; round++) {
      for (const p of prepared) {
        if (!('mf' in p)) continue;
        const samples = samplesBy.get(p.model.id) ?? new Map<ContenderId, number[]>();
        samplesBy.set(p.model.id, samples);
        const notes = notesBy.get(p.model.id) ?? new Map<ContenderId, string>();
        notesBy.set(p.model.id, notes);
        const order = CONTENDERS.map((_, i) => CONTENDERS[(i + round) % CONTENDERS.length] as ContenderId);
        for (const c of order) {
          if (onlyContenders !== null && !onlyContenders.includes(c)) { notes.set(c, 'not measured in this run (--contenders)'); continue; }
          if (c === 'cnnlab-cpu' && skip.has('cpu')) { notes.set(c, 'skipped (--skip cpu)'); continue; }
          const t0 = Date.now();
          const v = await runOnce(p, c, venv, work, round, memory, stepModes, notes);
          log(`round ${round + 1}/${rounds} ${p.model.title} ${CONTENDER_TITLE[c]}: ${v === null ? notes.get(c) : `${fmt(v)} samples/s`} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
          if (v !== null) samples.set(c, [...(samples.get(c) ?? []), v]);
        }
      }
    }
    const pk = await peaks(venv);
    for (const p of prepared) {
      const mf = 'mf' in p ? p.mf : loadModelFile(path.join(ROOT, p.model.file));
      const samples = samplesBy.get(p.model.id);
      const notes = notesBy.get(p.model.id);
      results.push({
        id: p.model.id, title: p.model.title, params: mf.summary.totalParams, macs: mf.summary.totalMacs,
        batchSize: mf.spec.train.batchSize, optimizer: mf.spec.train.optimizer,
        data: 'mf' in p ? p.dataNote : `not measured: ${p.why}`,
        cells: CONTENDERS.map((c) => {
          const xs = samples?.get(c) ?? [];
          const sp = xs.length ? spread(xs) : null;
          const w = workload(c, p.model);
          return {
            contender: c, rounds: xs, samplesPerSec: sp, samples: w.samples, epochs: w.epochs,
            note: notes?.get(c) ?? ('why' in p ? p.why : 'not run'),
            flops: sp ? sp.median * mf.summary.totalMacs * 6 : null,
          };
        }),
      });
    }

    const steps: StepsResult[] = [];
    if (!skip.has('steps')) {
      for (const m of benchModels()) {
        log(`speed steps: ${m.file}`);
        steps.push(await measureSteps(path.join(ROOT, m.file), stepRounds, quick ? 10 : 30, log));
      }
    }
    let profile: Results['profile'];
    if (!skip.has('profile')) {
      log('per-op profile of the native step (bench/profile.ts) ...');
      profile = await runProfile(benchModels().map((m) => m.file));
    }
    log('language server latency (bench/lsp.ts) ...');
    const lsp = await lspLatency();
    let wasmBench: string | null = null;
    if (!skip.has('wasm-bench')) {
      log('wasm kernels (bench/wasm.ts) ...');
      const w = await capture(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'wasm.ts'), '--steps', quick ? '2' : '5']);
      wasmBench = w.code === 0 ? w.stdout : `bench/wasm.ts failed: ${w.stderr.trim().split('\n').slice(-3).join(' ')}`;
    }
    const r: Results = {
      generatedAt: new Date().toISOString(),
      command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      quick, rounds, threads,
      machine: { ...machine, loadAverageAtEnd: os.loadavg().map((x) => Math.round(x * 100) / 100) },
      versions: versions(venv, results), peers: venv.available, models: results, peaks: pk, steps, lsp,
      bundles: await bundles(), memory, wasmBench, stepModes, ...(profile !== undefined ? { profile } : {}),
    };
    fs.writeFileSync(outJson, `${JSON.stringify(r, null, 2)}\n`);
    fs.mkdirSync(path.dirname(outMd), { recursive: true });
    fs.writeFileSync(outMd, withKept(markdown(r), outMd));
    console.log(throughputTable(results, stepModes));
    console.log('');
    console.log(efficiencyTable(results, pk));
    for (const s of steps) console.log(`\n${s.model}, batch ${s.batchSize}:\n${stepsTable(s)}`);
    log(`\nwrote ${path.relative(ROOT, outJson)} and ${path.relative(ROOT, outMd)} in ${((Date.now() - started) / 60000).toFixed(1)} min`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
