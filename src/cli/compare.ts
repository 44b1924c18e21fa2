/**
 * `cnn-lab compare dropout|colour FILE`: the course's experiments from the command line. The core
 * derives the variants (`planExperiment`), the host's ExperimentRunner trains them one after
 * another, each through a RunSession as `cnn-lab train` does, and records the experiment; then the
 * comparison is printed as tables (the numbers of src/shared/comparison, as the panel shows them).
 * Ctrl-C stops the current run after its batch and the experiment with it; `--resume DIR` continues.
 */
import { existsSync, mkdirSync, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { analyzeModelText, applyOverrides, compact, groupDigits, planExperiment } from '../core/index';
import { createExperiment, ExperimentRunner, readComparison, runsRootOfExperiment, type StartVariant } from '../host/experiment';
import { RunSession } from '../host/runSession';
import { nativeEnvForTrainer } from '../host/native/shared';
import { runsRoot } from '../host/runStore';
import { DATASETS } from '../shared/datasets';
import { gapTable, variantResults, type ComparisonState, type VariantResult } from '../shared/comparison';
import type { VariantKey } from '../shared/experimentFiles';
import type { CompareOptions } from './args';
import { duration, fixed, percent, TableLayout, type Column } from './format';
import { formatDiagnostic, printDiagnostics, type Terminal } from './terminal';
import { cliLaunch, defaultDataDir, EXIT } from './train';

/** Variant names in the tables. */
const VARIANT_LABELS: Readonly<Record<VariantKey, string>> = {
  none: 'no dropout', afterFlatten: 'dropout after flatten (recommended)', afterEveryConvBlock: 'dropout after every conv block',
  rgb: 'RGB (3 channels)', grayscale: 'grayscale (1 channel)',
};

/** Percentage points with a sign: 0.0312 → `+3.12 pp`. */
function points(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : `${v >= 0 ? '+' : '−'}${Math.abs(v * 100).toFixed(2)} pp`;
}

function signed(v: number | null | undefined): string {
  return v === null || v === undefined ? '—' : `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(4)}`;
}

const RESULT_COLUMNS: Readonly<Record<'dropout' | 'colour', readonly Column<VariantResult>[]>> = {
  dropout: [
    { header: 'variant', align: 'left', value: (r) => VARIANT_LABELS[r.key] },
    { header: 'epochs', align: 'right', value: (r) => String(r.epochsCompleted) },
    { header: 'train acc', align: 'right', value: (r) => percent(r.last?.acc) },
    { header: 'val acc', align: 'right', value: (r) => percent(r.last?.valAcc) },
    { header: 'acc gap (train−val)', align: 'right', value: (r) => points(r.lastGap?.accGap) },
    { header: 'loss gap (val−train)', align: 'right', value: (r) => signed(r.lastGap?.lossGap) },
    { header: 'test acc', align: 'right', value: (r) => percent(r.testAcc) },
    { header: 'status', align: 'left', value: (r) => r.status },
  ],
  colour: [
    { header: 'variant', align: 'left', value: (r) => VARIANT_LABELS[r.key] },
    { header: 'params', align: 'right', value: (r) => groupDigits(r.totalParams) },
    { header: 'MACs/sample', align: 'right', value: (r) => `${compact(r.totalMacs)} (${groupDigits(r.totalMacs)})` },
    { header: 's/epoch (mean)', align: 'right', value: (r) => (r.secPerEpoch === null ? '—' : r.secPerEpoch.toFixed(2)) },
    { header: 'epochs', align: 'right', value: (r) => String(r.epochsCompleted) },
    { header: 'val acc', align: 'right', value: (r) => percent(r.last?.valAcc) },
    { header: 'test acc', align: 'right', value: (r) => percent(r.testAcc) },
    { header: 'status', align: 'left', value: (r) => r.status },
  ],
};

/** The comparison as plain-text tables: the results per variant, then the gap at each epoch. */
export function formatComparison(state: ComparisonState): string {
  const results = variantResults(state.variants);
  const lines: string[] = [];
  const title = state.kind === 'dropout' ? 'dropout placements (course 3.5)' : 'colour and grayscale (course 3.6.2)';
  lines.push(`comparison of ${title}: ${state.name} — ${state.status}`);
  lines.push('');
  lines.push(TableLayout.fit(RESULT_COLUMNS[state.kind], results).render(results));
  const rows = gapTable(state.variants);
  if (rows.length > 0) {
    lines.push('');
    lines.push('train/validation gap per epoch: accuracy gap = train acc − val acc (percentage points), loss gap = val loss − train loss');
    const cols: Column<(typeof rows)[number]>[] = [{ header: 'epoch', align: 'right', value: (r) => String(r.epoch) }];
    state.variants.forEach((v, i) => {
      const short = v.key === 'none' ? 'none' : v.key === 'afterFlatten' ? 'flatten' : v.key === 'afterEveryConvBlock' ? 'blocks' : v.key === 'rgb' ? 'rgb' : 'gray';
      cols.push({ header: `${short} acc gap`, align: 'right', value: (r) => points(r.gaps[i]?.accGap) });
      cols.push({ header: `${short} loss gap`, align: 'right', value: (r) => signed(r.gaps[i]?.lossGap) });
    });
    lines.push(TableLayout.fit(cols, rows).render(rows));
  }
  return lines.join('\n');
}

/** Runs `cnn-lab compare`; resolves with the exit code. */
export async function compareCommand(o: CompareOptions, term: Terminal, trainerPath: string = path.join(__dirname, 'trainer.js')): Promise<number> {
  if (!existsSync(trainerPath)) {
    term.error(`error: the trainer bundle ${trainerPath} is missing; run \`npm run build\` first`);
    return EXIT.failed;
  }
  const root = o.out !== undefined ? path.resolve(o.out) : runsRoot(process.cwd());
  let runner: ExperimentRunner | undefined;
  const dataDir = o.dataDir !== undefined ? path.resolve(o.dataDir) : defaultDataDir();
  mkdirSync(dataDir, { recursive: true });
  const nativeEnv = await nativeEnvForTrainer(trainerPath);
  let session: RunSession | undefined;
  const startVariant: StartVariant = ({ record, index, variant, resumeDir }) => {
    const text = variant.modelText;
    const a = analyzeModelText(text);
    if (a.spec === null) throw new Error(`variant ${variant.name} no longer validates`);
    const spec = a.spec;
    session = RunSession.start({
      // A resumed experiment's new runs go beside its others.
      modelText: text, spec, modelDir: record.modelDir, runsRoot: runner !== undefined ? runsRootOfExperiment(runner.dir) : root,
      ...(resumeDir !== undefined ? { resumeDir } : {}),
      overrides: { ...record.settings },
      applyOverrides: (t, ov) => {
        const edited = applyOverrides(t, ov, { dataset: spec.dataset, grayscale: spec.grayscale });
        const b = analyzeModelText(edited);
        if (b.spec === null) throw new Error(`variant ${variant.name} does not validate with ${ov.epochs ?? spec.train.epochs} epochs`);
        return { modelText: edited, spec: b.spec };
      },
      dataDir, mirrors: o.mirrors,
      launch: cliLaunch(term, trainerPath, nativeEnv, o.verbose),
    });
    const s = session;
    term.out('');
    term.out(`variant ${index + 1}/${record.variants.length}: ${VARIANT_LABELS[variant.key]} — ${resumeDir !== undefined ? 'resuming' : 'training'} ${variant.name} in ${s.runDir}`);
    s.onMessage((m) => {
      if (m.type === 'epochEnd') {
        term.out(`  epoch ${m.epoch}/${s.spec.train.epochs}: loss ${fixed(m.loss)} acc ${percent(m.acc)} val_loss ${fixed(m.valLoss)} val_acc ${percent(m.valAcc)} (${duration(m.durationSec)})`);
      } else if (m.type === 'error') {
        term.error(`  error [${m.error.code}]: ${m.error.message}${m.error.hint !== undefined ? ` — ${m.error.hint}` : ''}`);
      }
    });
    void s.done.then((d) => term.out(`  ${d.status}: ${d.epochsCompleted} epochs in ${duration(d.durationSec)}, test accuracy ${percent(d.testAcc)}`));
    return Promise.resolve({ runDir: s.runDir, done: s.done, stop: () => s.stop() });
  };

  if (o.resume !== undefined) {
    try {
      runner = ExperimentRunner.open(path.resolve(o.resume), startVariant);
    } catch (err) {
      term.error(`error: ${err instanceof Error ? err.message : String(err)}`);
      return EXIT.invalid;
    }
    term.info(`resuming the experiment in ${runner.dir}`);
  } else {
    const file = o.modelFile ?? '';
    let text: string;
    try {
      text = await fsp.readFile(file, 'utf8');
    } catch (err) {
      term.error(`error: cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
      return EXIT.invalid;
    }
    const planned = planExperiment(o.kind, text);
    if (!planned.ok) {
      const r = planned.refusal;
      if (r.reason === 'invalid') {
        printDiagnostics(term, file, r.errors);
        term.error(`${file}: the model has errors; nothing was trained`);
      } else if (r.reason === 'noColour') {
        const at = r.range ?? { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
        term.error(formatDiagnostic(file, {
          range: at, severity: 'error',
          message: `${DATASETS[r.dataset as keyof typeof DATASETS]?.title ?? r.dataset} has no colour (its images have one channel), so there is no RGB to compare with grayscale`,
        }));
        term.error('  hint: compare colour on a colour data set: start from examples/shapes-rgb.cnn.yaml (generated offline) or examples/cifar10-alexnet.cnn.yaml (CIFAR-10, a 170 MB download), or `dataset: shapes`');
      } else {
        term.error(`${file}: the ${VARIANT_LABELS[r.key]} variant does not validate: ${r.error}`);
      }
      return EXIT.invalid;
    }
    const plan = planned.plan;
    for (const s of plan.skipped) term.info(`note: ${VARIANT_LABELS[s.key]} is the same model as ${VARIANT_LABELS[s.sameAs]} here; trained once`);
    const created = await createExperiment({
      runsRoot: root, kind: plan.kind, name: plan.name, variants: plan.variants, sourceFile: path.resolve(file),
      modelDir: path.dirname(path.resolve(file)),
      settings: {
        ...(o.epochs !== undefined ? { epochs: o.epochs } : {}),
        ...(o.maxTrainSamples !== undefined ? { maxTrainSamples: o.maxTrainSamples } : {}),
        ...(o.maxTestSamples !== undefined ? { maxTestSamples: o.maxTestSamples } : {}),
        ...(o.backend !== undefined ? { backend: o.backend } : {}),
      },
    });
    runner = new ExperimentRunner(created.dir, created.record, startVariant);
    term.info(`experiment: ${created.dir} (${plan.variants.length} variants of ${plan.name}, one after another)`);
  }

  const experiment = runner;
  let interrupts = 0;
  const onSignal = (): void => {
    interrupts++;
    if (interrupts === 1) {
      term.info('stopping the current run after its batch (a checkpoint is written) and the experiment with it — press Ctrl-C again to kill the trainer');
      void experiment.stop();
    } else session?.kill();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let code: number;
  try {
    const record = await experiment.run();
    code = record.status === 'completed' ? EXIT.ok : record.status === 'stopped' ? EXIT.stopped : EXIT.failed;
  } catch (err) {
    term.error(`error: ${err instanceof Error ? err.message : String(err)}`);
    code = EXIT.failed;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  term.out('');
  term.out(formatComparison(await readComparison(experiment.dir)));
  term.out('');
  term.out(`experiment: ${experiment.dir}`);
  if (code !== EXIT.ok) term.out(`continue it with: cnn-lab compare --resume ${experiment.dir}`);
  return code;
}
