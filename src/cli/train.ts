/**
 * `cnn-lab train`: validate the model file like a compiler, hand it with the command-line
 * overrides to the RunSession the extension uses too (it edits the text, makes and records the run
 * folder, forks the trainer) and show what the trainer reports: backend, data source, a progress bar per epoch, a table of epoch metrics, the test
 * accuracy and the run folder. Ctrl-C stops after the current batch (with a checkpoint); a second
 * Ctrl-C kills the trainer.
 */
import { existsSync, mkdirSync, promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeModelText, applyOverrides } from '../core/index';
import { describeResume, isRunDir, MODEL_FILE, readResumePlan, runsRoot, type ResumePlan } from '../host/runStore';
import { RunSession, type ApplyModelOverrides, type RunOutcome } from '../host/runSession';
import type { ModelSpec } from '../shared/modelSpec';
import type { DoneMessage, TrainerMessage } from '../shared/trainerProtocol';
import type { TrainOptions } from './args';
import { bar, count, duration, epochTableLayout, fixed, percent } from './format';
import { printDiagnostics, type Terminal } from './terminal';
import { nativeEnvForTrainer } from '../host/native/shared';
import type { TrainerLaunchOptions } from '../host/trainerClient';

export const EXIT = { ok: 0, invalid: 1, failed: 2, stopped: 130 } as const;

const DUPLICATE_SIGNAL_MS = 1000;

/** The data-set cache: --data-dir, else $CNN_LAB_DATA_DIR, else ~/.cache/cnn-lab/data (XDG aware). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CNN_LAB_DATA_DIR !== undefined && env.CNN_LAB_DATA_DIR !== '') return path.resolve(env.CNN_LAB_DATA_DIR);
  const cache = env.XDG_CACHE_HOME !== undefined && env.XDG_CACHE_HOME !== '' ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(cache, 'cnn-lab', 'data');
}

/** The trainer bundle next to the CLI bundle (both in dist/). */
function defaultTrainerPath(): string {
  return path.join(__dirname, 'trainer.js');
}

interface Prepared {
  /** The model text as written (for a resume: the run folder's) and its analysis. */
  readonly spec: ModelSpec;
  readonly modelText: string;
  readonly label: string;
  readonly modelDir: string;
  readonly resumeDir: string | undefined;
}

/** The model file (or the folder to resume), read and validated like a compiler would. */
async function prepare(o: TrainOptions, term: Terminal): Promise<Prepared | number> {
  let text: string;
  let label: string;
  let modelDir: string;
  let resumeDir: string | undefined;
  if (o.resume !== undefined) {
    resumeDir = path.resolve(o.resume);
    if (!(await isRunDir(resumeDir))) {
      term.error(`error: ${o.resume} is not a run folder (no summary.json, metrics.jsonl or ${MODEL_FILE})`);
      return EXIT.invalid;
    }
    // The same decision `cnn-lab runs` and the status line after a kill show (resumePlan).
    const { plan, entry } = await readResumePlan(resumeDir, o.epochs);
    if (!plan.resumable) {
      term.error(`error [E_RUN_NOT_RESUMABLE]: ${o.resume} is ${describeResume(plan, entry.totalEpochs)}`);
      return EXIT.invalid;
    }
    const target = o.epochs ?? entry.totalEpochs;
    label = path.join(o.resume, MODEL_FILE);
    try {
      text = await fsp.readFile(path.join(resumeDir, MODEL_FILE), 'utf8');
    } catch (err) {
      term.error(`error: cannot read ${label}: ${(err as Error).message}`);
      return EXIT.invalid;
    }
    modelDir = o.modelFile !== undefined ? path.dirname(path.resolve(o.modelFile)) : process.cwd();
    if (o.modelFile !== undefined) {
      const given = await fsp.readFile(o.modelFile, 'utf8').catch(() => null);
      if (given !== null && given !== text) term.info(`note: resuming with the model as trained in the run (${label}), not ${o.modelFile}`);
    }
    term.info(plan.fromCheckpoint === null
      ? `resuming ${resumeDir} from the start: no checkpoint yet, so training again from epoch 1`
      : target !== null && plan.fromCheckpoint >= target
        ? `resuming ${resumeDir}: all ${target} epochs are checkpointed, redoing only the test evaluation`
        : `resuming ${resumeDir} from the checkpoint of epoch ${plan.fromCheckpoint}`);
  } else {
    const file = o.modelFile ?? '';
    label = file;
    try {
      text = await fsp.readFile(file, 'utf8');
    } catch (err) {
      term.error(`error: cannot read ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
      return EXIT.invalid;
    }
    modelDir = path.dirname(path.resolve(file));
  }

  const first = analyzeModelText(text);
  if (printDiagnostics(term, label, first.diagnostics) > 0 || first.spec === null) {
    term.error(`${label}: the model has errors; nothing was trained`);
    return EXIT.invalid;
  }
  return { spec: first.spec, modelText: text, label, modelDir, resumeDir };
}

/** Thrown by the CLI's override step after it has printed why; nothing was trained. */
class NotTrained extends Error {}

/** The command-line overrides applied to the model text and checked again, for RunSession. */
/**
 * How the CLI forks a trainer (`train` and `compare`): in its own process group (Ctrl-C reaches the
 * CLI first, which stops the run), on the native backend's environment, the trainer's own output
 * shown only with --verbose; `onStderr` sees every stderr line as well.
 */
export function cliLaunch(
  term: Terminal, trainerPath: string, nativeEnv: NodeJS.ProcessEnv, verbose: boolean, onStderr?: (line: string) => void,
): TrainerLaunchOptions {
  return {
    trainerPath, ownProcessGroup: true, env: { ...process.env, ...nativeEnv },
    onStderr: (line) => { onStderr?.(line); if (verbose) term.error(`trainer: ${line}`); },
    onStdout: (line) => { if (verbose) term.error(`trainer: ${line}`); },
  };
}

function cliOverrides(term: Terminal, label: string, current: ModelSpec): ApplyModelOverrides {
  return (text, overrides) => {
    let modelText: string;
    try {
      modelText = applyOverrides(text, overrides, { dataset: current.dataset, grayscale: current.grayscale });
    } catch (err) {
      term.error(`error: cannot apply the command-line overrides: ${err instanceof Error ? err.message : String(err)}`);
      throw new NotTrained();
    }
    const flags = [
      overrides.epochs !== undefined ? `--epochs ${overrides.epochs}` : '',
      overrides.dataset !== undefined ? `--dataset ${overrides.dataset}` : '',
      overrides.grayscale === true ? '--grayscale' : '',
    ].filter((f) => f !== '').join(' ');
    const analysis = analyzeModelText(modelText);
    const errors = printDiagnostics(term, `${label} (with ${flags})`, analysis.diagnostics.filter((d) => d.severity === 'error'));
    if (errors > 0 || analysis.spec === null) {
      term.error(`${label}: the model does not fit ${flags}; nothing was trained`);
      throw new NotTrained();
    }
    return { modelText, spec: analysis.spec };
  };
}

/** Runs `cnn-lab train`; resolves with the process exit code. */
export async function trainCommand(o: TrainOptions, term: Terminal, trainerPath: string = defaultTrainerPath()): Promise<number> {
  if (!existsSync(trainerPath)) {
    term.error(`error: the trainer bundle ${trainerPath} is missing; run \`npm run build\` first`);
    return EXIT.failed;
  }
  const prepared = await prepare(o, term);
  if (typeof prepared === 'number') return prepared;
  const dataDir = o.dataDir !== undefined ? path.resolve(o.dataDir) : defaultDataDir();
  mkdirSync(dataDir, { recursive: true });

  const stderrTail: string[] = [];
  // A CLI whose checkout has no native addon trains on the one the extension set up, if any.
  const nativeEnv = await nativeEnvForTrainer(trainerPath);
  let session: RunSession;
  try {
    session = RunSession.start({
      modelText: prepared.modelText, spec: prepared.spec, modelDir: prepared.modelDir,
      runsRoot: o.out !== undefined ? path.resolve(o.out) : runsRoot(process.cwd()),
      ...(prepared.resumeDir !== undefined ? { resumeDir: prepared.resumeDir } : {}),
      overrides: {
        backend: o.backend,
        ...(o.epochs !== undefined ? { epochs: o.epochs } : {}),
        ...(o.dataset !== undefined ? { dataset: o.dataset } : {}),
        ...(o.grayscale ? { grayscale: true } : {}),
        ...(o.maxTrainSamples !== undefined ? { maxTrainSamples: o.maxTrainSamples } : {}),
        ...(o.maxTestSamples !== undefined ? { maxTestSamples: o.maxTestSamples } : {}),
      },
      applyOverrides: cliOverrides(term, prepared.label, prepared.spec),
      dataDir, mirrors: o.mirrors,
      launch: cliLaunch(term, trainerPath, nativeEnv, o.verbose, (line) => {
        stderrTail.push(line);
        if (stderrTail.length > 40) stderrTail.shift();
      }),
    });
  } catch (err) {
    if (err instanceof NotTrained) return EXIT.invalid;
    term.error(`error: cannot create the run folder: ${err instanceof Error ? err.message : String(err)}`);
    return EXIT.failed;
  }
  for (const note of session.notes) term.info(`note: ${note}`);
  const { spec } = session;

  // Ctrl-C: first stop gracefully (checkpoint), second kill. SIGTERM asks for the graceful stop.
  // `npm run train` forwards the terminal's SIGINT to us although the terminal sent it to our
  // process group already: a repeat within a second is the same key press, not a second one.
  let interrupts = 0;
  let lastSignalAt = 0;
  let userStopped = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (interrupts > 0 && Date.now() - lastSignalAt < DUPLICATE_SIGNAL_MS) return;
    lastSignalAt = Date.now();
    interrupts++;
    userStopped = true;
    if (interrupts === 1 && signal === 'SIGINT') {
      term.clearLive();
      term.info('stopping after the current batch (a checkpoint is written) — press Ctrl-C again to kill the trainer');
      void session.stop();
    } else if (interrupts === 1) {
      void session.stop();
    } else {
      term.clearLive();
      term.info('killing the trainer');
      session.kill();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const view = o.json ? new JsonView(term) : new HumanView(term, spec);
  const sub = session.onMessage((m) => view.message(m));
  let outcome: RunOutcome;
  try {
    await session.done;
    // Give the child a moment to exit after `done` so the process does not outlive its work.
    await Promise.race([session.exited, new Promise((r) => setTimeout(r, 5_000).unref())]);
    outcome = await session.ended;
  } finally {
    sub.dispose();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const { done } = outcome;
  const code = done.status === 'completed' ? EXIT.ok
    : done.status === 'stopped' || (done.status === 'interrupted' && userStopped) ? EXIT.stopped
      : EXIT.failed;
  // What --resume would do with the folder now, told in the same words it will use.
  view.finish(done, outcome.discarded ? null : session.runDir, outcome.failure, code === EXIT.failed ? stderrTail : [],
    outcome.resume === null ? null : { plan: outcome.resume.plan, note: outcome.resume.note });
  return code;
}

interface View {
  message(m: TrainerMessage): void;
  /**
   * `runDir` is null when the run folder was removed because training never started in it;
   * `resume` is what `--resume` does with the kept folder (null when completed or removed).
   */
  finish(done: DoneMessage, runDir: string | null, failure: { code: string; message: string; hint?: string } | undefined, stderrTail: readonly string[], resume: ResumeNote | null): void;
}

interface ResumeNote { readonly plan: ResumePlan; readonly note: string }

/** `--json`: one JSON object per line; feature maps and filters stay in the run folder (they are large). */
class JsonView implements View {
  constructor(private readonly term: Terminal) {}

  message(m: TrainerMessage): void {
    if (m.type === 'featureMaps' || m.type === 'filters' || m.type === 'pong' || m.type === 'done') return;
    this.term.out(JSON.stringify(m));
  }

  finish(done: DoneMessage, runDir: string | null, failure: { code: string; message: string; hint?: string } | undefined, _tail: readonly string[], resume: ResumeNote | null): void {
    this.term.out(JSON.stringify({
      ...done, runDir, ...(failure ? { failure } : {}),
      ...(resume ? { resume: resume.plan, resumeNote: resume.note } : {}),
    }));
  }
}

class HumanView implements View {
  private readonly table = epochTableLayout();
  private totalEpochs: number;
  private headerPrinted = false;
  private lastPlainProgressAt = 0;
  private lastProgressTask = '';
  private lastProgressStep = -1;
  private evaluation: Extract<TrainerMessage, { type: 'evaluation' }> | undefined;
  private testCount: number | null = null;
  private readonly printedErrors: string[] = [];

  constructor(private readonly term: Terminal, private readonly spec: ModelSpec) {
    this.totalEpochs = spec.train.epochs;
  }

  message(m: TrainerMessage): void {
    const t = this.term;
    switch (m.type) {
      case 'backend': {
        t.clearLive();
        t.out(`backend: ${m.name} (${m.detail})${m.requested !== 'auto' && m.requested !== m.name ? ` — asked for ${m.requested}` : ''}`);
        for (const r of m.fallbackReasons) t.out(`  not used: ${r}`);
        break;
      }
      case 'dataset':
        t.clearLive();
        this.testCount = m.testCount;
        t.out(`data:    ${m.name} — ${m.source}`);
        t.out(`         ${count(m.trainCount)} train, ${count(m.validationCount)} validation, ${count(m.testCount)} test images of ${m.inputShape.join('×')}, ${m.classNames.length} classes`);
        break;
      case 'progress': {
        const frac = m.fraction;
        const text = `${m.task}${frac !== null ? ` ${bar(frac, 20)} ${Math.round(frac * 100)}%` : ''}${m.detail !== undefined ? ` ${m.detail}` : ''}`;
        if (t.isTTY) t.live(text);
        else {
          // Plain output: one line per task and per quarter, never a flood.
          const step = frac === null ? -1 : Math.floor(frac * 4);
          const newTask = m.task !== this.lastProgressTask;
          if (newTask || step > this.lastProgressStep) t.out(text);
          this.lastProgressTask = m.task;
          this.lastProgressStep = newTask ? step : Math.max(step, this.lastProgressStep);
        }
        break;
      }
      case 'started': {
        t.clearLive();
        this.totalEpochs = m.totalEpochs;
        this.lastPlainProgressAt = Date.now();
        const s = m.summary;
        const batches = `${m.batchesPerEpoch} batch${m.batchesPerEpoch === 1 ? '' : 'es'} of ${this.spec.train.batchSize} per epoch`;
        t.out(`model:   ${this.spec.name} — ${count(s.totalParams)} parameters, input ${s.inputShape.join('×')}, ${s.layers.length} layers`);
        t.out(`run:     ${m.runDir}`);
        t.out(m.startEpoch > m.totalEpochs
          ? `all ${m.totalEpochs} epochs trained (resumed); evaluating on the test set`
          : m.startEpoch > 1
            ? `training epochs ${m.startEpoch}–${m.totalEpochs} (resumed), ${batches}`
            : `training ${m.totalEpochs} epoch${m.totalEpochs === 1 ? '' : 's'}, ${batches}`);
        t.out('');
        t.out(this.table.header());
        t.out(this.table.rule());
        this.headerPrinted = true;
        break;
      }
      case 'batch': {
        const line = `epoch ${m.epoch}/${this.totalEpochs} ${bar(m.batch / m.batchesPerEpoch, 20)} ${m.batch}/${m.batchesPerEpoch} loss ${fixed(m.loss)} acc ${percent(m.acc, 1)} ${count(m.samplesPerSec)}/s ETA ${duration(m.etaSec)}`;
        if (t.isTTY) t.live(line);
        else if (Date.now() - this.lastPlainProgressAt >= 10_000) {
          // Plain output (CI, pipes): a line at most every 10 s, so short epochs leave only the table.
          this.lastPlainProgressAt = Date.now();
          t.out(`  ${line}`);
        }
        break;
      }
      case 'epochEnd':
        t.clearLive();
        if (!this.headerPrinted) {
          t.out(this.table.header());
          t.out(this.table.rule());
          this.headerPrinted = true;
        }
        t.out(this.table.row(m));
        this.lastPlainProgressAt = Date.now();
        break;
      case 'evaluation':
        this.evaluation = m;
        break;
      case 'log':
        t.clearLive();
        if (m.level === 'info') t.out(`note: ${m.message}`);
        else t.error(`${m.level === 'warn' ? 'warning' : 'error'}: ${m.message}`);
        break;
      case 'error': {
        t.clearLive();
        const key = `${m.error.code}:${m.error.message}`;
        this.printedErrors.push(key);
        t.error(`error [${m.error.code}]: ${m.error.message}`);
        if (m.error.hint !== undefined) t.error(`  hint: ${m.error.hint}`);
        break;
      }
      default:
        break;
    }
  }

  finish(done: DoneMessage, runDir: string | null, failure: { code: string; message: string; hint?: string } | undefined, stderrTail: readonly string[], resume: ResumeNote | null): void {
    const t = this.term;
    t.clearLive();
    t.out('');
    const ev = this.evaluation;
    if (ev !== undefined) {
      const n = this.testCount ?? ev.confusion.reduce((a, row) => a + row.reduce((b, c) => b + c, 0), 0);
      t.out(`test accuracy: ${percent(ev.testAcc)} (loss ${fixed(ev.testLoss)}) on ${count(n)} test images`);
    } else if (done.testAcc !== null) {
      t.out(`test accuracy: ${percent(done.testAcc)}`);
    }
    if (failure !== undefined && !this.printedErrors.includes(`${failure.code}:${failure.message}`)) {
      t.error(`error [${failure.code}]: ${failure.message}`);
      if (failure.hint !== undefined) t.error(`  hint: ${failure.hint}`);
    }
    if (stderrTail.length > 0) {
      t.error('last lines of the trainer\'s stderr:');
      for (const l of stderrTail.slice(-15)) t.error(`  ${l}`);
    }
    const what = done.status === 'completed' ? 'completed'
      : runDir === null ? `${done.status} (nothing was kept: training had not started; start a new run)`
        : `${done.status} (${resume?.note ?? 'the run folder could not be read'})`;
    t.out(`status:  ${what} — ${done.epochsCompleted} epoch${done.epochsCompleted === 1 ? '' : 's'} in ${duration(done.durationSec)}`);
    t.out(runDir !== null ? `run:     ${runDir}` : 'run:     none (the trainer wrote nothing, so no run folder was kept)');
  }
}
