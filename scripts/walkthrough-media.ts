/**
 * Draws the measured parts of the walkthrough's pictures from real run folders, so their curves
 * and numbers are what CNN Lab measured, not drawn by hand:
 *
 *   npx tsx scripts/walkthrough-media.ts --commit SHA [--mnist RUN_DIR] [--dropout EXPERIMENT_DIR] [--media DIR]
 *
 * - `--mnist`: a run of examples/mnist.cnn.yaml. media/walkthrough/mnist.svg gets its training and
 *   validation accuracy per epoch and its test accuracy (from evaluation.json).
 * - `--dropout`: a Compare Dropout Placements experiment (`cnn-lab compare dropout
 *   examples/mnist-keras-example.cnn.yaml`). media/walkthrough/dropout.svg gets the training and
 *   validation accuracy of its dropout-after-Flatten and no-dropout variants, each annotated with
 *   its final gap (train − validation, in points), the gap the comparison panel tables.
 * - `--commit`: the CNN Lab commit the runs were trained with (run folders do not record it).
 *
 * Only the part between `<!-- measured: begin -->` and `<!-- measured: end -->` is rewritten (the
 * diagrams around it are drawn once), with the `<title>` and a comment naming the run it was drawn
 * from. The output keeps the pictures' rules: presentation attributes with the theme's CSS
 * variables (the walkthrough page's CSP drops `<style>`), and only numbers and Keras names as text,
 * so one picture serves every language.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeModelText } from '../src/core/index';
import type { LayerSpec } from '../src/core/index';
import { parseExperimentRecord, type ExperimentVariant } from '../src/shared/experimentFiles';
import { RUN_FILES, isRunSummary, parseMetrics } from '../src/shared/runFiles';
import type { RunSummary } from '../src/shared/trainerProtocol';

const ROOT = path.resolve(__dirname, '..');
const BEGIN = '<!-- measured: begin -->';
const END = '<!-- measured: end -->';

const FG = 'var(--vscode-foreground, #cccccc)';
const DESC = 'var(--vscode-descriptionForeground, #9d9d9d)';
const BORDER = 'var(--vscode-widget-border, #80808050)';
const TRAIN = 'var(--vscode-charts-blue, #3794ff)';
const VAL = 'var(--vscode-charts-orange, #d18616)';
const MONO = 'var(--vscode-editor-font-family, monospace)';
const SANS = 'var(--vscode-font-family, sans-serif)';

// ------------------------------------------------------------------ reading runs

interface EpochPoint { readonly epoch: number; readonly acc: number; readonly valAcc: number }

interface MeasuredRun {
  readonly dir: string;
  readonly summary: RunSummary;
  readonly epochs: readonly EpochPoint[];
  readonly modelText: string;
  /** Test images the evaluation counted (the confusion matrix's sum). */
  readonly testCount: number | null;
}

function readRunFolder(dir: string): MeasuredRun {
  const summary: unknown = JSON.parse(fs.readFileSync(path.join(dir, RUN_FILES.summary), 'utf8'));
  if (!isRunSummary(summary)) throw new Error(`${dir}: summary.json is not a run summary`);
  if (summary.status !== 'completed') throw new Error(`${dir}: the run is ${summary.status}, not completed`);
  // The last record of each epoch (a resumed run may repeat one).
  const byEpoch = new Map<number, EpochPoint>();
  for (const r of parseMetrics(fs.readFileSync(path.join(dir, RUN_FILES.metrics), 'utf8')).records) {
    if (r.kind === 'epoch' && r.valAcc !== null) byEpoch.set(r.epoch, { epoch: r.epoch, acc: r.acc, valAcc: r.valAcc });
  }
  const epochs = [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
  if (epochs.length < 2) throw new Error(`${dir}: fewer than two epochs with validation accuracy`);
  let testCount: number | null = null;
  const evaluationFile = path.join(dir, 'evaluation.json');
  if (fs.existsSync(evaluationFile)) {
    const ev = JSON.parse(fs.readFileSync(evaluationFile, 'utf8')) as { confusion?: unknown };
    if (Array.isArray(ev.confusion)) testCount = (ev.confusion as unknown[]).flat().reduce<number>((t, c) => t + (typeof c === 'number' ? c : 0), 0);
  }
  return { dir, summary, epochs, modelText: fs.readFileSync(path.join(dir, 'model.cnn.yaml'), 'utf8'), testCount };
}

function specOf(run: MeasuredRun): NonNullable<ReturnType<typeof analyzeModelText>['spec']> {
  const spec = analyzeModelText(run.modelText).spec;
  if (spec === null) throw new Error(`${run.dir}: model.cnn.yaml does not validate`);
  return spec;
}

// ------------------------------------------------------------------ drawing

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const n1 = (v: number): string => v.toFixed(1);

interface TextStyle { readonly size: number; readonly mono?: boolean; readonly muted?: boolean; readonly bold?: boolean; readonly anchor?: 'start' | 'middle' | 'end' }

function text(x: number, y: number, content: string, s: TextStyle): string {
  return `<text font-family="${s.mono === true ? MONO : SANS}" font-size="${s.size}px" fill="${s.muted === true ? DESC : FG}"${s.bold === true ? ' font-weight="600"' : ''}`
    + ` x="${n1(x)}" y="${n1(y)}" text-anchor="${s.anchor ?? 'start'}">${esc(content)}</text>`;
}

interface Chart { readonly x: number; readonly y: number; readonly w: number; readonly h: number; readonly lo: number; readonly hi: number; readonly first: number; readonly last: number }

/**
 * The accuracy axis, in percent: up to 100, down to the whole percent below the lowest value from
 * the second epoch on. The first epoch (far lower) would flatten the last epochs' gap to a pixel;
 * its segment enters from below the axis.
 */
function accuracyRange(series: readonly (readonly EpochPoint[])[]): { lo: number; hi: number } {
  const later = series.flatMap((s) => s.slice(1).flatMap((p) => [p.acc, p.valAcc]));
  return { lo: Math.floor(Math.min(...later) * 100), hi: 100 };
}

const px = (c: Chart, epoch: number): number => c.x + ((epoch - c.first) / Math.max(1, c.last - c.first)) * c.w;
const py = (c: Chart, percent: number): number => c.y + c.h - ((percent - c.lo) / (c.hi - c.lo)) * c.h;

/** A polyline of (epoch, percent) points, cut where it leaves the axis at the bottom. */
function curve(c: Chart, points: readonly (readonly [number, number])[], colour: string): string[] {
  const runs: [number, number][][] = [];
  let current: [number, number][] = [];
  for (let i = 0; i < points.length; i++) {
    const [e, v] = points[i] ?? [0, 0];
    const prev = points[i - 1];
    const inside = v >= c.lo;
    if (prev !== undefined && (prev[1] >= c.lo) !== inside) {
      // Where the segment crosses the axis's bottom.
      const t = (c.lo - prev[1]) / (v - prev[1]);
      current.push([prev[0] + t * (e - prev[0]), c.lo]);
      if (!inside) { runs.push(current); current = []; }
    }
    if (inside) current.push([e, v]);
  }
  runs.push(current);
  return runs.filter((r) => r.length > 1).map((r) => `<polyline stroke="${colour}" fill="none" stroke-width="2.5" points="${r.map(([e, v]) => `${n1(px(c, e))},${n1(py(c, v))}`).join(' ')}"/>`);
}

function chart(c: Chart, run: MeasuredRun): string[] {
  const out = [`<rect stroke="${BORDER}" fill="none" stroke-width="1" x="${c.x}" y="${c.y}" width="${c.w}" height="${c.h}"/>`];
  const step = c.hi - c.lo > 6 ? 2 : 1;
  for (let v = c.lo; v <= c.hi; v += step) {
    const y = py(c, v);
    out.push(`<path stroke="${BORDER}" fill="none" stroke-width="1" d="M${c.x} ${n1(y)} H${c.x + c.w}"/>`);
    out.push(text(c.x - 4, y + 4, `${v}%`, { size: 12, muted: true, anchor: 'end' }));
  }
  out.push(...curve(c, run.epochs.map((p) => [p.epoch, p.acc * 100]), TRAIN));
  out.push(...curve(c, run.epochs.map((p) => [p.epoch, p.valAcc * 100]), VAL));
  const below = c.y + c.h + 17;
  out.push(text(c.x, below, String(c.first), { size: 12, muted: true, anchor: 'middle' }));
  out.push(text(c.x + c.w, below, String(c.last), { size: 12, muted: true, anchor: 'middle' }));
  out.push(text(c.x + c.w / 2, below, 'epoch', { size: 12, muted: true, mono: true, anchor: 'middle' }));
  return out;
}

/** The Keras names `accuracy` and `val_accuracy` beside their colours. */
function legend(x: number, y: number): string[] {
  return [
    `<rect fill="${TRAIN}" x="${x}" y="${y - 6}" width="14" height="4"/>`,
    text(x + 20, y, 'accuracy', { size: 13, mono: true }),
    `<rect fill="${VAL}" x="${x + 110}" y="${y - 6}" width="14" height="4"/>`,
    text(x + 130, y, 'val_accuracy', { size: 13, mono: true }),
  ];
}

const pct = (v: number): string => `${(v * 100).toFixed(2)}%`;
/** Train − validation accuracy at the last epoch, in points, signed. */
function finalGap(run: MeasuredRun): number {
  const last = run.epochs[run.epochs.length - 1];
  return last === undefined ? 0 : (last.acc - last.valAcc) * 100;
}
const signed = (v: number): string => `${v < 0 ? '−' : '+'}${Math.abs(v).toFixed(2)}`;
const grouped = (n: number): string => n.toLocaleString('en-US');

const KERAS_OPTIMIZER: Record<string, string> = { adam: 'Adam', sgd: 'SGD', rmsprop: 'RMSprop', adagrad: 'Adagrad', adadelta: 'Adadelta', adamax: 'Adamax', nadam: 'Nadam' };

/** The layers from Flatten on, as Keras names them: `Flatten → Dropout(0.5) → Dense(10)`. */
function headOf(layers: readonly LayerSpec[]): string {
  const from = layers.findIndex((l) => l.type === 'flatten');
  return layers.slice(Math.max(0, from)).map((l) => {
    if (l.type === 'flatten') return 'Flatten';
    if (l.type === 'dropout') return `Dropout(${l.rate})`;
    if (l.type === 'dense') return `Dense(${l.units})`;
    return l.type;
  }).join(' → ');
}

/** Names the run a picture was drawn from, as an XML comment (which may not hold a double hyphen). */
function provenance(runs: readonly MeasuredRun[], commit: string, what: string, model: string): string {
  const lines = runs.map((r) => {
    const s = r.summary;
    const spec = specOf(r);
    const test = r.testCount !== null ? `, ${grouped(r.testCount)} test images` : '';
    return `  ${s.runId}: ${s.name}, data ${s.dataset} (${s.datasetSource}), validationSplit ${spec.train.validationSplit}${test}, `
      + `${s.epochsCompleted} epochs, seed ${spec.train.seed}, trained ${s.startedAt.slice(0, 10)}, ${s.backend} (${s.backendDetail})`;
  });
  const body = `${what}\n  drawn by scripts/walkthrough-media.ts from runs of ${model} trained with CNN Lab ${commit} (cnnLab ${runs[0]?.summary.versions.cnnLab ?? '?'}):\n${lines.join('\n')}\n`;
  return `<!-- ${body.replace(/-{2,}/g, (m) => m.split('').join(' '))}-->`;
}

/** The example a run trained, when its model.cnn.yaml is that file as the repository has it now. */
function exampleOf(run: MeasuredRun, example: string): string {
  const file = path.join(ROOT, example);
  return fs.existsSync(file) && fs.readFileSync(file, 'utf8') === run.modelText ? example : `the run's model.cnn.yaml (not ${example} as it is now)`;
}

/** Rewrites the measured part of one picture, its title and its provenance comment. */
function rewrite(file: string, title: string, comment: string, measured: readonly string[]): void {
  const old = fs.readFileSync(file, 'utf8');
  const begin = old.indexOf(BEGIN);
  const end = old.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`${file}: no ${BEGIN} … ${END} part to draw into`);
  let head = old.slice(0, begin).replace(/<title>[^<]*<\/title>/, `<title>${esc(title)}</title>`);
  head = head.replace(/<!-- Measured[\s\S]*?-->\n/, '');
  head = head.replace(/(<svg[^>]*>\n)/, `$1${comment}\n`);
  const next = `${head}${BEGIN}\n${measured.join('\n')}\n${old.slice(end)}`;
  fs.writeFileSync(file, next);
  process.stdout.write(`${path.relative(ROOT, file)}: ${old === next ? 'unchanged' : 'drawn'}\n`);
}

// ------------------------------------------------------------------ the pictures

function drawMnist(file: string, run: MeasuredRun, commit: string): void {
  const spec = specOf(run);
  const last = run.epochs[run.epochs.length - 1];
  const testAcc = run.summary.testAcc;
  if (last === undefined || testAcc === null) throw new Error(`${run.dir}: no test accuracy`);
  const { lo, hi } = accuracyRange([run.epochs]);
  const c: Chart = { x: 60, y: 280, w: 420, h: 140, lo, hi, first: run.epochs[0]?.epoch ?? 1, last: last.epoch };
  const aug = spec.train.augment;
  const augment = [aug.flipHorizontal ? 'flipHorizontal' : '', aug.shift > 0 ? `shift: ${aug.shift}` : ''].filter((a) => a !== '');
  const out = [
    ...chart(c, run),
    ...legend(60, 269),
    text(505, 296, 'test accuracy', { size: 13, mono: true, muted: true }),
    text(505, 326, pct(testAcc), { size: 22, bold: true }),
    ...(run.testCount !== null ? [text(505, 346, `${grouped(run.testCount)} images`, { size: 12, mono: true, muted: true })] : []),
    text(505, 368, `accuracy ${pct(last.acc)}`, { size: 12, mono: true, muted: true }),
    text(505, 384, `val_accuracy ${pct(last.valAcc)}`, { size: 12, mono: true, muted: true }),
    text(505, 404, `${KERAS_OPTIMIZER[spec.train.optimizer] ?? spec.train.optimizer} · batch ${spec.train.batchSize}`, { size: 12, mono: true, muted: true }),
    text(505, 420, `epochs: ${spec.train.epochs}`, { size: 12, mono: true, muted: true }),
    text(505, 436, `augment: { ${augment.join(', ')} }`, { size: 12, mono: true, muted: true }),
  ];
  const title = `MNIST: Conv2D 32, MaxPool, Conv2D 64, MaxPool, Flatten, Dense 64, Dense 10; ${grouped(run.summary.totalParams ?? 0)} parameters; `
    + `training and validation accuracy over ${last.epoch} epochs (${pct(last.acc)} and ${pct(last.valAcc)} at the end), ${pct(testAcc)} test accuracy`;
  rewrite(file, title, provenance([run], commit, 'Measured: the curves and numbers below the diagram', exampleOf(run, 'examples/mnist.cnn.yaml')), out);
}

function drawDropout(file: string, experimentDir: string, commit: string): void {
  const record = parseExperimentRecord(fs.readFileSync(path.join(experimentDir, 'experiment.json'), 'utf8'));
  if (record === null || record.kind !== 'dropout') throw new Error(`${experimentDir}: not a dropout experiment`);
  const variant = (key: ExperimentVariant['key']): MeasuredRun => {
    const v = record.variants.find((x) => x.key === key);
    if (v?.runDir === undefined || v.runDir === null) throw new Error(`${experimentDir}: no run of the ${key} variant`);
    return readRunFolder(v.runDir);
  };
  const withDropout = variant('afterFlatten');
  const without = variant('none');
  const { lo, hi } = accuracyRange([withDropout.epochs, without.epochs]);
  const out = [...legend(360, 83)];
  const panels = [[withDropout, 116], [without, 286]] as const;
  for (const [run, top] of panels) {
    const last = run.epochs[run.epochs.length - 1];
    if (last === undefined) continue;
    const c: Chart = { x: 360, y: top, w: 280, h: 110, lo, hi, first: run.epochs[0]?.epoch ?? 1, last: last.epoch };
    out.push(text(330, top - 10, headOf(specOf(run).layers), { size: 15, mono: true, bold: true }));
    out.push(...chart(c, run));
    const [ya, yv] = [py(c, last.acc * 100), py(c, last.valAcc * 100)];
    const bx = c.x + c.w + 8;
    out.push(`<path stroke="${FG}" fill="none" d="M${bx} ${n1(ya)} V${n1(yv)} M${bx - 4} ${n1(ya)} H${bx + 4} M${bx - 4} ${n1(yv)} H${bx + 4}" stroke-width="1.5"/>`);
    out.push(text(bx + 8, (ya + yv) / 2 + 5, `Δ ${signed(finalGap(run))}`, { size: 15, bold: true }));
  }
  const epochs = withDropout.epochs.length;
  const title = `Dropout 0.5 between the flattened features and the output, on the full MNIST over ${epochs} epochs: `
    + `the final gap between training and validation accuracy is ${signed(finalGap(withDropout))} points with it `
    + `(${pct(withDropout.epochs[epochs - 1]?.acc ?? 0)} against ${pct(withDropout.epochs[epochs - 1]?.valAcc ?? 0)}) and ${signed(finalGap(without))} points without it `
    + `(${pct(without.epochs[without.epochs.length - 1]?.acc ?? 0)} against ${pct(without.epochs[without.epochs.length - 1]?.valAcc ?? 0)})`;
  const source = path.basename(record.sourceFile ?? 'model.cnn.yaml');
  const model = fs.existsSync(path.join(ROOT, 'examples', source)) ? `examples/${source}` : source;
  rewrite(file, title, provenance([withDropout, without], commit, `Measured: the two charts, from experiment ${path.basename(experimentDir)}`, `${model} (Compare Dropout Placements)`), out);
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function main(): void {
  const commit = arg('commit');
  const media = path.resolve(arg('media') ?? path.join(ROOT, 'media', 'walkthrough'));
  const mnist = arg('mnist');
  const dropout = arg('dropout');
  if (commit === undefined || (mnist === undefined && dropout === undefined)) {
    process.stderr.write('usage: npx tsx scripts/walkthrough-media.ts --commit SHA [--mnist RUN_DIR] [--dropout EXPERIMENT_DIR] [--media DIR]\n');
    process.exit(2);
  }
  if (mnist !== undefined) drawMnist(path.join(media, 'mnist.svg'), readRunFolder(path.resolve(mnist)), commit);
  if (dropout !== undefined) drawDropout(path.join(media, 'dropout.svg'), path.resolve(dropout), commit);
}

main();
