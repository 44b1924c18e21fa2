/**
 * One run's life, owned in one place for the CLI and the extension alike (STYLE habit 16): apply
 * the overrides to the model TEXT, create the run folder (or take the folder to resume), record
 * what the run is trained with (model.cnn.yaml as trained, run.json with the caps, backend, seed
 * and overrides), fork and supervise the trainer through TrainerClient, and once it has ended
 * remove a new folder it never wrote to and say what resuming the folder would do. Node-only, no
 * vscode import.
 *
 * Resuming reads run.json back: the recorded sample caps win over what the caller passes (the
 * settings of the moment), since they decide which samples the checkpoint was trained on.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { WireError } from '../shared/errors';
import type { BuiltinDatasetName, ModelSpec } from '../shared/modelSpec';
import { RUN_FILES, TMP_MARK, parseRunRecord, type RunOverrides, type RunRecord } from '../shared/runFiles';
import type { BackendChoice, DoneMessage, TrainerMessage } from '../shared/trainerProtocol';
import { discardRunDirIfNeverStarted, newRunDir, readResumePlan, describeResume, type ResumePlan } from './runStore';
import { TrainerClient, type Disposable, type TrainerExit, type TrainerLaunchOptions } from './trainerClient';

/** The overrides that change the model text (and so model.cnn.yaml). */
export interface ModelTextOverrides {
  readonly epochs?: number;
  readonly dataset?: BuiltinDatasetName;
  readonly grayscale?: boolean;
}

/** What the caller asks to change for this run; absent: as the model (or, on resume, the record) says. */
export interface RunSessionOverrides extends ModelTextOverrides {
  readonly maxTrainSamples?: number;
  readonly maxTestSamples?: number;
  readonly backend?: BackendChoice;
}

/**
 * Applies model-text overrides and analyses the edited text (the core's `applyOverrides` and
 * analysis); throws when the edited model is not valid. Injected: src/host may not import the
 * model language.
 */
export type ApplyModelOverrides = (modelText: string, overrides: ModelTextOverrides) => { readonly modelText: string; readonly spec: ModelSpec };

export interface RunSessionOptions {
  /** The model text as written (for a resume: the folder's model.cnn.yaml) and its analysis. */
  readonly modelText: string;
  readonly spec: ModelSpec;
  /** Folder that relative data-set paths resolve against. */
  readonly modelDir: string;
  /** Where a new run folder is created; unused when `resumeDir` is given. */
  readonly runsRoot: string;
  /** Continue this run folder instead of creating one. */
  readonly resumeDir?: string;
  readonly overrides: RunSessionOverrides;
  readonly applyOverrides: ApplyModelOverrides;
  readonly dataDir: string;
  readonly mirrors?: readonly string[];
  /** How the trainer is forked: bundle, Node, environment, log sinks. */
  readonly launch: TrainerLaunchOptions;
  /** Pid written to a new folder's owner.json; default this process. */
  readonly ownerPid?: number;
}

/** What happened to the run folder once the trainer ended. */
export interface RunOutcome {
  readonly done: DoneMessage;
  /** The new folder was removed: the trainer ended before writing anything to it. */
  readonly discarded: boolean;
  /** Why the run ended badly (the trainer's error or a supervision failure). */
  readonly failure: WireError | undefined;
  /** What resuming the kept folder does (null when completed or removed), with its English note. */
  readonly resume: { readonly plan: ResumePlan; readonly totalEpochs: number | null; readonly note: string } | null;
}

/** Reads a folder's run.json; null when missing or not a record (folders from before records). */
export function readRunRecord(runDir: string): RunRecord | null {
  try {
    return parseRunRecord(readFileSync(path.join(runDir, RUN_FILES.record), 'utf8'));
  } catch {
    return null;
  }
}

function writeFileAtomicSync(file: string, text: string): void {
  const tmp = `${file}${TMP_MARK}${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

const defined = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

export class RunSession implements Disposable {
  /** Settles with the trainer's `done` (or one made up when the process died). */
  readonly done: Promise<DoneMessage>;
  /** Settles after `done`, once the folder is final: removed when never written to, else its resume plan. */
  readonly ended: Promise<RunOutcome>;

  private constructor(
    readonly runDir: string,
    readonly resumed: boolean,
    /** The model text the trainer trains, as saved in the folder (after overrides). */
    readonly modelText: string,
    /** The analysis of `modelText`. */
    readonly spec: ModelSpec,
    /** What run.json says now. */
    readonly record: RunRecord,
    /** Things the caller should tell the user (a cap kept from the record over the one asked for). */
    readonly notes: readonly string[],
    readonly client: TrainerClient,
  ) {
    this.done = client.done;
    this.ended = client.done.then((done) => this.settle(done));
  }

  /**
   * Prepares the folder and forks the trainer; returns at once. Throws what `applyOverrides`
   * throws (nothing is created then), or an fs error writing the folder (a new folder is removed).
   */
  static start(o: RunSessionOptions): RunSession {
    const resumed = o.resumeDir !== undefined;
    const previous = o.resumeDir !== undefined ? readRunRecord(o.resumeDir) : null;
    const notes: string[] = [];
    const cap = (key: 'maxTrainSamples' | 'maxTestSamples'): number | null => {
      const asked = o.overrides[key] ?? null;
      if (previous === null) return asked;
      if (asked !== null && asked !== previous[key]) {
        notes.push(`${key} ${asked} ignored: the run was trained with ${previous[key] ?? 'all samples'} (run.json), and a resume keeps it`);
      }
      return previous[key];
    };
    const maxTrainSamples = cap('maxTrainSamples');
    const maxTestSamples = cap('maxTestSamples');
    const backend = o.overrides.backend ?? previous?.backend ?? 'auto';

    const textOverrides: ModelTextOverrides = defined({
      epochs: o.overrides.epochs !== undefined && o.overrides.epochs !== o.spec.train.epochs ? o.overrides.epochs : undefined,
      dataset: o.overrides.dataset,
      grayscale: o.overrides.grayscale === true ? true : undefined,
    });
    const effective = Object.keys(textOverrides).length === 0
      ? { modelText: o.modelText, spec: o.spec }
      : o.applyOverrides(o.modelText, textOverrides);

    const runDir = o.resumeDir !== undefined ? path.resolve(o.resumeDir) : newRunDir(o.runsRoot, effective.spec.name, new Date(), o.ownerPid);
    const given: RunOverrides = defined({ ...o.overrides });
    const record: RunRecord = {
      version: 1, maxTrainSamples, maxTestSamples, backend, seed: effective.spec.train.seed,
      overrides: given, writtenAt: new Date().toISOString(),
    };
    try {
      writeFileAtomicSync(path.join(runDir, RUN_FILES.model), effective.modelText);
      writeFileAtomicSync(path.join(runDir, RUN_FILES.record), `${JSON.stringify(record, null, 2)}\n`);
    } catch (err) {
      if (!resumed) void discardRunDirIfNeverStarted(runDir, false);
      throw err;
    }

    const client = TrainerClient.launch({
      runDir, spec: effective.spec, modelText: effective.modelText, modelDir: o.modelDir, backend, dataDir: o.dataDir, resume: resumed,
      ...(o.mirrors !== undefined && o.mirrors.length > 0 ? { mirrors: o.mirrors } : {}),
      ...(maxTrainSamples !== null ? { maxTrainSamples } : {}),
      ...(maxTestSamples !== null ? { maxTestSamples } : {}),
    }, o.launch);
    return new RunSession(runDir, resumed, effective.modelText, effective.spec, record, notes, client);
  }

  /** Resolves when the child process has ended (after `done`, normally). */
  get exited(): Promise<TrainerExit> { return this.client.exited; }

  get failure(): WireError | undefined { return this.client.failure; }

  /** Every trainer message, guarded; a made-up `done` is delivered too. */
  onMessage(listener: (m: TrainerMessage) => void): Disposable { return this.client.onMessage(listener); }

  /** Asks the trainer to stop after its current batch (it writes a checkpoint). */
  stop(): Promise<DoneMessage> { return this.client.stop(); }

  /** Kills the trainer at once. */
  kill(): void { this.client.kill(); }

  dispose(): void { this.client.dispose(); }

  private async settle(done: DoneMessage): Promise<RunOutcome> {
    // A new folder the trainer never wrote to is not a run: the runs list holds no empty folders.
    const discarded = await discardRunDirIfNeverStarted(this.runDir, this.resumed);
    const read = discarded || done.status === 'completed' ? null : await readResumePlan(this.runDir).catch(() => null);
    return {
      done, discarded, failure: this.client.failure,
      resume: read === null ? null : { plan: read.plan, totalEpochs: read.entry.totalEpochs, note: describeResume(read.plan, read.entry.totalEpochs) },
    };
  }
}
