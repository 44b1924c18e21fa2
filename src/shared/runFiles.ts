/**
 * The run folder's file format, shared by its writer (the trainer) and its readers (the host's run
 * store, the trainer when resuming or inspecting): file names, and the runtime guards for
 * `metrics.jsonl` lines and `summary.json`. Pure: no fs, so both sides do their own I/O.
 */
import {
  BACKEND_CHOICES, isTrainingStep, type BackendChoice, type FeatureMapsMessage, type FiltersMessage, type MetricRecord, type RunStatus, type RunSummary,
} from './trainerProtocol';
import { parseJsonAs } from './guards';

/** Names inside a run folder. */
export const RUN_FILES = {
  model: 'model.cnn.yaml',
  metrics: 'metrics.jsonl',
  summary: 'summary.json',
  featureMaps: 'featureMaps.json',
  filters: 'filters.json',
  evaluation: 'evaluation.json',
  checkpoints: 'checkpoints',
  final: 'final',
  /**
   * `{ "pid": <host pid>, "createdAt": ISO }`, written by the host that made the folder right after
   * `mkdir`: who owns a folder that has no summary.json yet (a run that is still starting).
   */
  owner: 'owner.json',
  /**
   * `RunRecord`: what the run is trained with beyond its model text, written by the host's
   * RunSession before the trainer starts and read back on resume, so a resumed run keeps its caps.
   */
  record: 'run.json',
  /**
   * TensorBoard event files, as Keras's TensorBoard callback lays them out (`train/`,
   * `validation/`), so `tensorboard --logdir <runs folder>` shows each run's curves.
   */
  tensorboardTrain: 'train',
  tensorboardValidation: 'validation',
  /**
   * `history/epoch-N.json` (`EpochHistoryEntry`): the chosen sample's feature maps and the conv
   * filters after each epoch (epoch 0: before training), for the dashboard's epoch slider.
   * Thinned to stay under `HISTORY_MAX_BYTES`; the first and the latest epoch are always kept.
   */
  history: 'history',
} as const;

/** Inside a model folder (`checkpoints/epoch-N/`, `final/`): TF.js layers format. */
export const MODEL_DIR_FILES = { json: 'model.json', weights: 'weights.bin' } as const;

/** Marks a temp file or folder of an atomic write (`<name>.tmp-<pid>`); readers ignore them. */
export const TMP_MARK = '.tmp-';

type Json = Record<string, unknown>;

export function isJsonObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const numOrNull = (v: unknown): boolean => v === null || num(v);
const RUN_STATUSES: readonly RunStatus[] = ['running', 'completed', 'stopped', 'failed', 'interrupted'];

/** Checks the fields a reader relies on; a summary failing this is treated as corrupt. */
export function isRunSummary(v: unknown): v is RunSummary {
  if (!isJsonObject(v)) return false;
  return typeof v.runId === 'string' && typeof v.name === 'string'
    && RUN_STATUSES.includes(v.status as RunStatus)
    && typeof v.dataset === 'string' && typeof v.datasetSource === 'string'
    && (BACKEND_CHOICES as readonly unknown[]).includes(v.backend) && v.backend !== 'auto'
    && typeof v.backendDetail === 'string' && typeof v.startedAt === 'string'
    && (v.finishedAt === null || typeof v.finishedAt === 'string')
    && num(v.durationSec) && num(v.totalEpochs) && num(v.epochsCompleted)
    && numOrNull(v.bestValAcc) && numOrNull(v.testAcc) && numOrNull(v.testLoss) && numOrNull(v.samplesPerSec)
    && num(v.totalParams) && isJsonObject(v.versions) && num(v.pid)
    && (v.trainingStep === undefined || isTrainingStep(v.trainingStep));
}

/** One complete `metrics.jsonl` record, batch or epoch. */
function isMetricRecord(v: unknown): v is MetricRecord {
  if (!isJsonObject(v) || !num(v.epoch) || !num(v.time) || !num(v.loss) || !num(v.acc)) return false;
  if (v.kind === 'batch') return num(v.batch) && num(v.batchesPerEpoch);
  if (v.kind === 'epoch') return numOrNull(v.valLoss) && numOrNull(v.valAcc) && num(v.durationSec);
  return false;
}

/**
 * Parses metrics.jsonl text. Lines that are not complete JSON metric records (a torn last line
 * from a killed trainer, or damage in the middle) are skipped and counted.
 */
export function parseMetrics(text: string): { records: MetricRecord[]; skipped: number } {
  const records: MetricRecord[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      skipped++;
      continue;
    }
    if (isMetricRecord(value)) records.push(value);
    else skipped++;
  }
  return { records, skipped };
}

// ---------------------------------------------------------------- what a run is trained with

/** The overrides a run was started (or last resumed) with, as given; absent keys were not given. */
export interface RunOverrides {
  readonly epochs?: number;
  readonly dataset?: string;
  readonly grayscale?: boolean;
  readonly maxTrainSamples?: number;
  readonly maxTestSamples?: number;
  readonly backend?: BackendChoice;
}

/**
 * `run.json`: the settings of a run that model.cnn.yaml does not hold. The caps decide which
 * samples train, so a resume uses these, never the settings of the moment.
 */
export interface RunRecord {
  readonly version: 1;
  /** Training samples used at most; null: all of them. */
  readonly maxTrainSamples: number | null;
  /** Test samples evaluated at most; null: all of them. */
  readonly maxTestSamples: number | null;
  /** The backend asked for (the trainer reports the one it runs on in summary.json). */
  readonly backend: BackendChoice;
  /** `train.seed` of the effective model text. */
  readonly seed: number;
  readonly overrides: RunOverrides;
  /** ISO time of the start (or last resume) that wrote the record. */
  readonly writtenAt: string;
}

const posIntOrNull = (v: unknown): boolean => v === null || (Number.isInteger(v) && (v as number) > 0);

function isRunRecord(v: unknown): v is RunRecord {
  if (!isJsonObject(v) || v.version !== 1 || !isJsonObject(v.overrides)) return false;
  return posIntOrNull(v.maxTrainSamples) && posIntOrNull(v.maxTestSamples)
    && (BACKEND_CHOICES as readonly unknown[]).includes(v.backend) && num(v.seed) && typeof v.writtenAt === 'string';
}

/** run.json's content, or null when it is not a record (missing, torn or from elsewhere). */
export function parseRunRecord(text: string): RunRecord | null {
  return parseJsonAs(text, isRunRecord);
}

// ---------------------------------------------------------------- epoch history

/** One epoch's pictures in `history/`. */
export interface EpochHistoryEntry {
  readonly version: 1;
  /** 0: before the first epoch. */
  readonly epoch: number;
  readonly featureMaps: FeatureMapsMessage;
  /** The filters of layers up to `HISTORY_MAX_FILTER_WEIGHTS` weights (larger ones are left out). */
  readonly filters: FiltersMessage;
}

/** Budget of `history/`: beyond it every second epoch between the first and the latest is dropped. */
export const HISTORY_MAX_BYTES = 24 * 1024 * 1024;
/** A conv layer with more weights than this is not kept per epoch (AlexNet's deeper layers). */
export const HISTORY_MAX_FILTER_WEIGHTS = 40_000;

/** The `history/` entry of an epoch: `epoch-N.json`. */
export function historyEntryName(epoch: number): string {
  return `epoch-${epoch}.json`;
}

/** The epoch of a `history/` entry named `epoch-N.json`, else null (temp files and strays). */
export function historyEpochOf(name: string): number | null {
  const m = /^epoch-(\d+)\.json$/.exec(name);
  return m ? Number(m[1]) : null;
}

/** Checks what a reader of a history entry relies on. */
export function isEpochHistoryEntry(v: unknown): v is EpochHistoryEntry {
  return isJsonObject(v) && v.version === 1 && num(v.epoch) && isJsonObject(v.featureMaps) && v.featureMaps.type === 'featureMaps'
    && Array.isArray(v.featureMaps.layers) && isJsonObject(v.filters) && v.filters.type === 'filters' && Array.isArray(v.filters.layers);
}

/**
 * Which history epochs to delete so that the rest fits `maxBytes`: every second one between the
 * first and the latest, repeated until it fits (the first and the latest always stay), so the
 * kept epochs stay spread over the whole run. `sizes`: epoch → bytes.
 */
export function historyToThin(sizes: ReadonlyMap<number, number>, maxBytes: number = HISTORY_MAX_BYTES): number[] {
  let kept = [...sizes.keys()].sort((a, b) => a - b);
  const total = (): number => kept.reduce((t, e) => t + (sizes.get(e) ?? 0), 0);
  const dropped: number[] = [];
  while (total() > maxBytes && kept.length > 2) {
    const next = kept.filter((_e, i) => i === 0 || i === kept.length - 1 || i % 2 === 0);
    if (next.length === kept.length) break;
    dropped.push(...kept.filter((e) => !next.includes(e)));
    kept = next;
  }
  return dropped.sort((a, b) => a - b);
}

// ---------------------------------------------------------------- complete checkpoints

/** The `checkpoints/` entry of the checkpoint written after `epoch` (1-based): `epoch-N`. */
export function checkpointDirName(epoch: number): string {
  return `epoch-${epoch}`;
}

/** The epoch of a `checkpoints/` entry named `epoch-N`, else null (temp folders and strays). */
export function checkpointEpochOf(name: string): number | null {
  const m = /^epoch-(\d+)$/.exec(name);
  return m ? Number(m[1]) : null;
}

const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, complex64: 8, string: 0 };

/**
 * The byte length `weights.bin` must have for the weights manifest in `model.json` (a parsed
 * `tf.io.ModelJSON`), or null when the JSON is not a model with a manifest.
 */
function manifestBytes(modelJson: unknown): number | null {
  if (!isJsonObject(modelJson) || !Array.isArray(modelJson.weightsManifest)) return null;
  let sum = 0;
  for (const group of modelJson.weightsManifest as unknown[]) {
    if (!isJsonObject(group) || !Array.isArray(group.weights)) return null;
    for (const w of group.weights as unknown[]) {
      if (!isJsonObject(w) || !Array.isArray(w.shape) || typeof w.dtype !== 'string') return null;
      sum += (w.shape as unknown[]).reduce<number>((a, b) => a * (typeof b === 'number' ? b : NaN), 1) * (DTYPE_BYTES[w.dtype] ?? 4);
    }
  }
  return Number.isFinite(sum) ? sum : null;
}

/**
 * THE definition of a complete model folder (checkpoint or final/), for the trainer and the host
 * alike: `model.json` parses as a model with a weights manifest, and `weights.bin` holds exactly
 * the bytes that manifest names. `modelJsonText` null: model.json is missing; `weightsBytes`
 * null: weights.bin is missing.
 */
export function isCompleteModelDir(modelJsonText: string | null, weightsBytes: number | null): boolean {
  if (modelJsonText === null || weightsBytes === null) return false;
  let json: unknown;
  try {
    json = JSON.parse(modelJsonText);
  } catch {
    return false;
  }
  const want = manifestBytes(json);
  return want !== null && want === weightsBytes;
}

// ---------------------------------------------------------------- is this folder resumable

/** What is known about a run folder that decides whether it can be resumed. */
export interface ResumeFacts {
  /** The effective status (`running` only while the trainer's pid lives). */
  readonly status: RunStatus;
  /** model.cnn.yaml is present: resume trains the model text as recorded. */
  readonly hasModelText: boolean;
  /** Highest complete checkpoint (`isCompleteModelDir`), or null. */
  readonly lastCheckpoint: number | null;
  /** The run's epochs (summary.json), or null when unknown. */
  readonly totalEpochs: number | null;
}

/**
 * What `--resume` (CLI) and Resume Run (extension) do with a folder, decided in one place:
 *  - `fromCheckpoint: N`: restores checkpoint N (weights and optimizer state) and trains epochs
 *    N+1…; when N is already the last epoch only the final weights and the test evaluation are
 *    redone (a kill during evaluation);
 *  - `fromCheckpoint: null`: no checkpoint was written yet (killed before the first epoch
 *    ended): trains again from epoch 1 in the same folder with the recorded model text and seed,
 *    which is exactly what an uninterrupted run would have done;
 *  - not resumable, with the reason (still training, already completed, no model text).
 */
export type ResumePlan =
  | { readonly resumable: true; readonly fromCheckpoint: number | null }
  | { readonly resumable: false; readonly reason: 'running' | 'completed' | 'noModel' };

/**
 * The resume plan for a folder. `targetEpochs` is the epoch count the resume will train to (the
 * CLI's `--epochs` override), by default the run's own: a completed run is resumable only to
 * train more epochs than its last checkpoint.
 */
export function resumePlan(f: ResumeFacts, targetEpochs: number | null = f.totalEpochs): ResumePlan {
  if (f.status === 'running') return { resumable: false, reason: 'running' };
  if (!f.hasModelText) return { resumable: false, reason: 'noModel' };
  if (f.status === 'completed' && (targetEpochs === null || (f.lastCheckpoint ?? 0) >= targetEpochs)) {
    return { resumable: false, reason: 'completed' };
  }
  return { resumable: true, fromCheckpoint: f.lastCheckpoint };
}

/**
 * What resuming does, in English, for the CLI's status line, `cnn-lab runs` and `--resume` itself,
 * so that what the user is told after a kill is what `--resume` then does.
 */
export function describeResume(plan: ResumePlan, totalEpochs: number | null): string {
  if (!plan.resumable) {
    return {
      running: 'not resumable: it is still training',
      completed: 'not resumable: it already completed (train again, or resume with more --epochs)',
      noModel: 'not resumable: model.cnn.yaml is missing; start a new run',
    }[plan.reason];
  }
  if (plan.fromCheckpoint === null) return 'resumable from the start: no checkpoint yet, so --resume trains again from epoch 1';
  if (totalEpochs !== null && plan.fromCheckpoint >= totalEpochs) {
    return `resumable: all ${totalEpochs} epochs are checkpointed, so --resume only redoes the test evaluation`;
  }
  return `resumable: --resume continues after the checkpoint of epoch ${plan.fromCheckpoint}`;
}

// ---------------------------------------------------------------- folders that never started

/**
 * The entries a fresh run may hold before its first summary.json: the owner file, the run record,
 * the model text, an empty metrics.jsonl, and temp files of atomic writes. A folder without
 * summary.json that holds nothing else (and no complete metric record) never started training:
 * it holds nothing worth keeping.
 */
export function isStartupLeftover(name: string): boolean {
  return name === RUN_FILES.owner || name === RUN_FILES.record || name === RUN_FILES.model || name === RUN_FILES.metrics || name.includes(TMP_MARK);
}

/** The owner file's content, or null when it is not one (a torn write reads as missing). */
export function parseOwner(text: string): { pid: number; createdAt: string } | null {
  try {
    const v: unknown = JSON.parse(text);
    return isJsonObject(v) && num(v.pid) && typeof v.createdAt === 'string' ? { pid: v.pid, createdAt: v.createdAt } : null;
  } catch {
    return null;
  }
}

/**
 * How long a folder that never started, and names no owner (the owner file was not written yet,
 * or a folder from before owner files), is taken to be still starting.
 */
export const UNOWNED_STARTUP_GRACE_MS = 60_000;
