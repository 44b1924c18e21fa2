/**
 * One experiment's life (the course's comparisons), owned in one place for the CLI and the
 * extension alike: the experiment folder and its record (`experiment.json`, src/shared/experimentFiles),
 * the variants trained one after another, each an ordinary run through the caller's run lifecycle
 * (the extension's TrainingService, the CLI's RunSession), a stop that ends the current run after
 * its batch and marks the experiment stopped, and a resume that continues the stopped variant from
 * its checkpoint and then trains the rest, after a window reload too (a record whose owner process
 * is gone reads as interrupted). `readComparison` gathers what the comparison panel and the CLI's
 * table show. Node-only, no vscode import; the variants come from the core's `planExperiment`.
 */
import { existsSync, mkdirSync, promises as fsp, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CnnLabError } from '../shared/errors';
import { epochsOfRecords, type ComparisonEpoch, type ComparisonState, type ComparisonVariant } from '../shared/comparison';
import {
  EXPERIMENT_FILES, effectiveExperimentStatus, experimentStatusAfter, isExperimentResumable, nextVariantIndex, parseExperimentRecord,
  withVariant, type ExperimentKind, type ExperimentRecord, type ExperimentSettings, type ExperimentStatus, type ExperimentVariant, type VariantDefinition,
} from '../shared/experimentFiles';
import { RUN_FILES, isRunSummary, parseMetrics } from '../shared/runFiles';
import type { DoneMessage, RunStatus } from '../shared/trainerProtocol';
import { effectiveStatus, isPidAlive, readResumePlan, safeName, timestamp, writeJsonAtomic } from './runStore';
import type { Disposable } from './trainerClient';

/** A variant to create an experiment with (the core's `VariantPlan`). */
export type NewVariant = VariantDefinition;

export interface NewExperiment {
  /** The runs folder: the experiment goes to `<runsRoot>/experiments/`, its runs beside the others. */
  readonly runsRoot: string;
  readonly kind: ExperimentKind;
  readonly name: string;
  readonly variants: readonly NewVariant[];
  readonly sourceFile: string | null;
  readonly modelDir: string;
  readonly settings: ExperimentSettings;
  readonly now?: Date;
  readonly ownerPid?: number;
}

/** The experiments folder of a runs folder. */
function experimentsRoot(runsRoot: string): string {
  return path.join(runsRoot, EXPERIMENT_FILES.folder);
}

/** The runs folder an experiment folder lies in (its variants' runs are there). */
export function runsRootOfExperiment(experimentDir: string): string {
  return path.dirname(path.dirname(path.resolve(experimentDir)));
}

/**
 * Creates `<runsRoot>/experiments/<model>-<kind>-<time>/experiment.json` (`-2`, `-3`, ... when
 * taken) with every variant pending; returns its folder and record.
 */
export async function createExperiment(o: NewExperiment): Promise<{ dir: string; record: ExperimentRecord }> {
  const now = o.now ?? new Date();
  const root = experimentsRoot(o.runsRoot);
  mkdirSync(root, { recursive: true });
  const base = `${safeName(o.name)}-${o.kind}-${timestamp(now)}`;
  let dir = '';
  for (let n = 1; ; n++) {
    dir = path.resolve(root, n === 1 ? base : `${base}-${n}`);
    try {
      mkdirSync(dir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const record: ExperimentRecord = {
    version: 1, kind: o.kind, name: o.name, sourceFile: o.sourceFile, modelDir: o.modelDir,
    createdAt: now.toISOString(), updatedAt: now.toISOString(), status: 'running', ownerPid: o.ownerPid ?? process.pid,
    settings: o.settings,
    variants: o.variants.map((v) => ({ ...v, runDir: null, status: 'pending' })),
  };
  await writeJsonAtomic(path.join(dir, EXPERIMENT_FILES.record), record);
  return { dir, record };
}

/** The record of an experiment folder (or of its experiment.json); null when there is none. */
export function readExperiment(dirOrFile: string): ExperimentRecord | null {
  const file = path.basename(dirOrFile) === EXPERIMENT_FILES.record ? dirOrFile : path.join(dirOrFile, EXPERIMENT_FILES.record);
  try {
    return parseExperimentRecord(readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** The folder of an experiment given as its folder or its experiment.json. */
export function experimentDirOf(dirOrFile: string): string {
  return path.resolve(path.basename(dirOrFile) === EXPERIMENT_FILES.record ? path.dirname(dirOrFile) : dirOrFile);
}

/** One experiment of a runs folder, with the status to show. */
export interface ExperimentEntry {
  readonly dir: string;
  readonly record: ExperimentRecord;
  readonly status: ExperimentStatus;
}

/** Every experiment under a runs folder, newest first; unreadable ones are left out. */
export async function listExperiments(runsRoot: string, alive: (pid: number) => boolean = isPidAlive): Promise<ExperimentEntry[]> {
  const root = experimentsRoot(runsRoot);
  let names: string[];
  try {
    names = await fsp.readdir(root);
  } catch {
    return [];
  }
  const out: ExperimentEntry[] = [];
  for (const n of names) {
    const dir = path.join(root, n);
    const record = readExperiment(dir);
    if (record !== null) out.push({ dir, record, status: effectiveExperimentStatus(record, alive) });
  }
  return out.sort((a, b) => (a.record.createdAt < b.record.createdAt ? 1 : a.record.createdAt > b.record.createdAt ? -1 : b.dir.localeCompare(a.dir)));
}

/** A variant's run as the caller started it. */
export interface VariantRun {
  readonly runDir: string;
  /** Settles when the run ends (stopped, failed, interrupted or completed). */
  readonly done: Promise<DoneMessage>;
  /** Asks the trainer to stop after its current batch (it writes a checkpoint). */
  stop(): Promise<unknown>;
}

/** What the caller starts for a variant. */
export interface VariantStart {
  readonly record: ExperimentRecord;
  readonly index: number;
  readonly variant: ExperimentVariant;
  /** Continue this run folder from its last checkpoint (what `resumePlan` says); absent: a new run. */
  readonly resumeDir?: string;
}

/**
 * Starts one variant's run through the caller's run lifecycle and returns at once; undefined when
 * the caller refused (another training runs): the experiment then stops, nothing lost.
 */
export type StartVariant = (s: VariantStart) => Promise<VariantRun | undefined>;

/**
 * Trains an experiment's remaining variants one after another. `run()` continues from where the
 * record stands: a variant with a resumable run folder is resumed, a completed one is skipped.
 */
export class ExperimentRunner {
  private rec: ExperimentRecord;
  private current: { readonly index: number; readonly run: VariantRun } | undefined;
  private stopping = false;
  private running = false;
  private writes: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<(r: ExperimentRecord) => void>();

  constructor(readonly dir: string, record: ExperimentRecord, private readonly startVariant: StartVariant) {
    this.rec = record;
  }

  /** Opens an experiment folder (or its experiment.json) to continue it. */
  static open(dirOrFile: string, startVariant: StartVariant): ExperimentRunner {
    const dir = experimentDirOf(dirOrFile);
    const record = readExperiment(dir);
    if (record === null) throw new CnnLabError('E_IO', `${dir} holds no experiment (${EXPERIMENT_FILES.record} is missing or damaged)`);
    return new ExperimentRunner(dir, record, startVariant);
  }

  get record(): ExperimentRecord { return this.rec; }

  /** The variant training now: its index and run folder. */
  get active(): { readonly index: number; readonly runDir: string } | undefined {
    return this.current !== undefined ? { index: this.current.index, runDir: this.current.run.runDir } : undefined;
  }

  /** Each change of the record, once it is on disk. */
  onChange(listener: (r: ExperimentRecord) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => { this.listeners.delete(listener); } };
  }

  /**
   * Trains what is left; resolves with the final record (status completed, stopped, failed or
   * interrupted as the run that ended it). Throws what the caller's start throws (the record
   * then says failed) and when a variant's run folder is still training elsewhere.
   */
  async run(): Promise<ExperimentRecord> {
    if (this.running) throw new CnnLabError('E_RUN_NOT_RESUMABLE', `${this.dir} is already training`);
    this.running = true;
    this.stopping = false;
    try {
      for (;;) {
        const i = nextVariantIndex(this.rec);
        if (i < 0) return await this.setStatus('completed');
        if (this.stopping) return await this.setStatus('stopped');
        const v = this.rec.variants[i] as ExperimentVariant;
        let resumeDir: string | undefined;
        if (v.runDir !== null && existsSync(v.runDir)) {
          const { plan } = await readResumePlan(v.runDir);
          if (plan.resumable) resumeDir = v.runDir;
          else if (plan.reason === 'completed') { await this.save(withVariant(this.rec, i, { status: 'completed' })); continue; }
          else if (plan.reason === 'running') throw new CnnLabError('E_RUN_NOT_RESUMABLE', `${v.runDir} is still training`, 'Stop that run first.');
        }
        await this.save({ ...this.rec, status: 'running', ownerPid: process.pid, updatedAt: new Date().toISOString() });
        const run = await this.startVariant({ record: this.rec, index: i, variant: v, ...(resumeDir !== undefined ? { resumeDir } : {}) });
        if (run === undefined) return await this.setStatus('stopped');
        this.current = { index: i, run };
        await this.save(withVariant(this.rec, i, { runDir: run.runDir, status: 'running' }));
        if (this.stopping) void run.stop();
        const done = await run.done;
        this.current = undefined;
        await this.save(withVariant(this.rec, i, { status: done.status }));
        const after = experimentStatusAfter(done.status);
        if (after !== null) return await this.setStatus(after);
      }
    } catch (err) {
      this.current = undefined;
      await this.setStatus('failed').catch(() => undefined);
      throw err;
    } finally {
      this.running = false;
    }
  }

  /** Stops the experiment: the current run after its batch (with a checkpoint), and no variant after it. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.current?.run.stop();
  }

  private setStatus(status: ExperimentStatus): Promise<ExperimentRecord> {
    return this.save({ ...this.rec, status, updatedAt: new Date().toISOString() });
  }

  /** Writes the record atomically, in order, then tells the listeners. */
  private save(next: ExperimentRecord): Promise<ExperimentRecord> {
    this.rec = next;
    const write = this.writes.then(() => writeJsonAtomic(path.join(this.dir, EXPERIMENT_FILES.record), next));
    this.writes = write.catch(() => undefined);
    return write.then(() => {
      for (const l of this.listeners) l(next);
      return next;
    });
  }
}

/** What a live run knows beyond its folder (the extension's in-memory model of the training run). */
export interface LiveVariant {
  readonly epochs: readonly ComparisonEpoch[];
  readonly totalEpochs: number | null;
}

/** A run folder's epochs, test result, epochs to train and backend, read tolerantly. */
async function readVariantRun(runDir: string): Promise<{ epochs: ComparisonEpoch[]; testAcc: number | null; testLoss: number | null; totalEpochs: number | null; backend: string | null; status: RunStatus | null }> {
  const text = await fsp.readFile(path.join(runDir, RUN_FILES.metrics), 'utf8').catch(() => '');
  const epochs = epochsOfRecords(parseMetrics(text).records);
  const raw = await fsp.readFile(path.join(runDir, RUN_FILES.summary), 'utf8').then((t) => JSON.parse(t) as unknown, () => null);
  if (!isRunSummary(raw)) return { epochs, testAcc: null, testLoss: null, totalEpochs: null, backend: null, status: null };
  return { epochs, testAcc: raw.testAcc, testLoss: raw.testLoss, totalEpochs: raw.totalEpochs, backend: raw.backend, status: effectiveStatus(raw) };
}

/**
 * The comparison of an experiment: its record, each variant's epochs and test result from its run
 * folder, and for the variant training now what `live` knows that the folder does not yet.
 */
export async function readComparison(dirOrFile: string, live?: (runDir: string) => LiveVariant | undefined): Promise<ComparisonState> {
  const dir = experimentDirOf(dirOrFile);
  const record = readExperiment(dir);
  if (record === null) throw new CnnLabError('E_IO', `${dir} holds no experiment (${EXPERIMENT_FILES.record} is missing or damaged)`);
  const status = effectiveExperimentStatus(record, isPidAlive);
  const variants = await Promise.all(record.variants.map(async (v): Promise<ComparisonVariant> => {
    const base = {
      key: v.key, name: v.name, runDir: v.runDir, totalParams: v.totalParams, totalMacs: v.totalMacs, inputShape: v.inputShape,
    };
    if (v.runDir === null || !existsSync(v.runDir)) {
      return { ...base, status: v.status === 'running' && status !== 'running' ? 'interrupted' : v.status, epochs: [], totalEpochs: null, testAcc: null, testLoss: null, backend: null };
    }
    const disk = await readVariantRun(v.runDir);
    const l = live?.(v.runDir);
    const epochs = l === undefined ? disk.epochs : mergeEpochs(disk.epochs, l.epochs);
    // A variant the record says is running, whose experiment is not: its run folder says how it ended.
    const vStatus = v.status === 'running' && status !== 'running'
      ? (disk.status !== null && disk.status !== 'running' ? disk.status : 'interrupted')
      : v.status;
    const training = vStatus === 'running';
    return {
      ...base, status: vStatus, epochs, totalEpochs: l?.totalEpochs ?? disk.totalEpochs,
      // While a resumed run trains, its folder still holds the test result of the weights it stopped with.
      testAcc: training ? null : disk.testAcc, testLoss: training ? null : disk.testLoss, backend: disk.backend,
    };
  }));
  const current = status === 'running' ? variants.findIndex((v) => v.status === 'running') : -1;
  return {
    experimentDir: dir, kind: record.kind, name: record.name, status, createdAt: record.createdAt, variants,
    current: current >= 0 ? current : null, resumable: isExperimentResumable(status),
  };
}

/** Epochs by number, `b`'s winning. */
function mergeEpochs(a: readonly ComparisonEpoch[], b: readonly ComparisonEpoch[]): ComparisonEpoch[] {
  const m = new Map<number, ComparisonEpoch>();
  for (const e of [...a, ...b]) m.set(e.epoch, e);
  return [...m.values()].sort((x, y) => x.epoch - y.epoch);
}
