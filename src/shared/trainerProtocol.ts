/**
 * Host ⇄ trainer protocol: the messages exchanged over the IPC channel of the forked trainer
 * process (`process.send` / `child.on('message')`). Imported by the extension host, the CLI and
 * the trainer itself; `isHostMessage` / `isTrainerMessage` guard every message that crosses.
 */
import type { ModelSpec, ModelSummary } from './modelSpec';
import { isWireError } from './errors';
import type { WireError } from './errors';

/** `auto` picks the fastest backend that loads: tensorflow, then wasm, then cpu. */
export const BACKEND_CHOICES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];
export type BackendName = Exclude<BackendChoice, 'auto'>;

/** An 8-bit image, row-major HWC, base64-encoded for compact JSON. */
export interface ImagePayload {
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3;
  readonly pixelsBase64: string;
}

// ---------------------------------------------------------------- host → trainer

export interface StartRequest {
  readonly type: 'start';
  /** Folder of this run; created by the trainer if missing. */
  readonly runDir: string;
  readonly spec: ModelSpec;
  /** The model file text exactly as trained; saved as `model.cnn.yaml` in the run folder. */
  readonly modelText: string;
  /** Folder the model file lives in; image-folder data sets resolve against it. */
  readonly modelDir: string;
  readonly backend: BackendChoice;
  /** Cache folder for downloaded and unpacked data sets. */
  readonly dataDir: string;
  /** Continue from the last checkpoint in `runDir` instead of starting fresh. */
  readonly resume: boolean;
  /** Mirrors to try for MNIST-format downloads, in order; empty means the built-in defaults. */
  readonly mirrors?: readonly string[];
  /** Cap on training samples (after the validation split), for quick runs and tests. */
  readonly maxTrainSamples?: number;
  /** Cap on test samples. */
  readonly maxTestSamples?: number;
  /** Test-set index of the sample whose feature maps are sent each epoch. Default 0. */
  readonly featureSample?: number;
  /** Minimum milliseconds between `batch` messages (throttling); default 100. */
  readonly batchIntervalMs?: number;
  /**
   * `train` (default) trains or resumes. `inspect` trains nothing: the trainer loads the run's
   * final weights (else its last checkpoint) and the data set, sends `ready` → `backend` →
   * `dataset` → `featureMaps` for `featureSample`, then answers each `featureMapsRequest` until
   * `stop` or disconnect, when it sends `done` with the run's recorded status. Used by the
   * dashboard to pick samples of a finished run.
   */
  readonly mode?: 'train' | 'inspect';
}

/** Sent by the host to ask the trainer to stop after the current batch; a checkpoint is written. */
export interface StopRequest { readonly type: 'stop' }

/** Sent by the host (e.g. when the user picks another sample in the dashboard). */
export interface FeatureMapsRequest { readonly type: 'featureMapsRequest'; readonly sampleIndex: number }

/** Sent by the host every few seconds; a trainer that hears nothing for long exits (orphan watchdog). */
export interface PingRequest { readonly type: 'ping'; readonly sentAt: number }

export type HostMessage = StartRequest | StopRequest | FeatureMapsRequest | PingRequest;

// ---------------------------------------------------------------- trainer → host

/** Sent once the process is up and listening. */
export interface ReadyMessage { readonly type: 'ready'; readonly pid: number; readonly node: string }

/** Sent after backend selection: what was asked for and what actually runs. */
export interface BackendMessage {
  readonly type: 'backend';
  readonly requested: BackendChoice;
  readonly name: BackendName;
  /** e.g. `libtensorflow 2.21.0`, `tfjs-backend-wasm 4.22.0 (simd, 2 threads)`. */
  readonly detail: string;
  /** Why a faster backend was not used (when `auto` fell back). */
  readonly fallbackReasons: readonly string[];
}

/** Sent when the data set is loaded. */
export interface DatasetMessage {
  readonly type: 'dataset';
  readonly name: string;
  /** Where the data came from, in the user's words, e.g. "MNIST official 60,000/10,000, offline copy shipped with CNN Lab (content SHA-256 verified; no mirror reachable)". */
  readonly source: string;
  readonly trainCount: number;
  readonly validationCount: number;
  readonly testCount: number;
  readonly inputShape: readonly [number, number, number];
  readonly classNames: readonly string[];
}

/** Progress of a long step (download, unpacking, generating). */
export interface ProgressMessage {
  readonly type: 'progress';
  readonly task: string;
  /** 0..1, or null when unknown. */
  readonly fraction: number | null;
  readonly detail?: string;
}

/** Sent when training begins (or resumes). */
export interface StartedMessage {
  readonly type: 'started';
  readonly runId: string;
  readonly runDir: string;
  readonly summary: ModelSummary;
  readonly totalEpochs: number;
  /** First epoch this process trains (1-based); > 1 when resumed. */
  readonly startEpoch: number;
  readonly batchesPerEpoch: number;
}

/** Throttled per-batch progress. Loss and accuracy are of that batch. */
export interface BatchMessage {
  readonly type: 'batch';
  /** 1-based. */
  readonly epoch: number;
  /** 1-based within the epoch. */
  readonly batch: number;
  readonly batchesPerEpoch: number;
  readonly loss: number;
  readonly acc: number;
  readonly samplesPerSec: number;
  /** Seconds left for the whole run. */
  readonly etaSec: number;
}

/** End of each epoch, after validation and the checkpoint. */
export interface EpochEndMessage {
  readonly type: 'epochEnd';
  readonly epoch: number;
  readonly loss: number;
  readonly acc: number;
  readonly valLoss: number | null;
  readonly valAcc: number | null;
  readonly durationSec: number;
  readonly samplesPerSec: number;
  /** `tf.memory().numTensors` at epoch end: flat when nothing leaks. */
  readonly numTensors: number;
}

export interface MisclassifiedSample {
  readonly index: number;
  readonly label: number;
  readonly predicted: number;
  readonly confidence: number;
  readonly image: ImagePayload;
}

/** Test-set evaluation after the last epoch (or after stop). */
export interface EvaluationMessage {
  readonly type: 'evaluation';
  readonly testLoss: number;
  readonly testAcc: number;
  /** confusion[actual][predicted] counts. */
  readonly confusion: readonly (readonly number[])[];
  readonly classNames: readonly string[];
  readonly misclassified: readonly MisclassifiedSample[];
}

/** One layer's activations for the chosen sample, each channel scaled to 0..255. */
export interface FeatureMapLayer {
  readonly layerIndex: number;
  readonly name: string;
  readonly type: string;
  /** [height, width, channels]. */
  readonly shape: readonly [number, number, number];
  /** uint8 HWC, base64. */
  readonly valuesBase64: string;
  /** Per-channel [min, max] of the raw activations before scaling. */
  readonly ranges: readonly (readonly [number, number])[];
}

/** Activations of each conv and pooling layer for one test sample; sent each epoch and on request. */
export interface FeatureMapsMessage {
  readonly type: 'featureMaps';
  readonly epoch: number;
  readonly sampleIndex: number;
  readonly label: number;
  readonly input: ImagePayload;
  readonly layers: readonly FeatureMapLayer[];
}

/** One conv layer's kernels. */
export interface FilterLayer {
  readonly layerIndex: number;
  readonly name: string;
  readonly kernel: readonly [number, number];
  readonly inChannels: number;
  readonly outChannels: number;
  /** Raw float weights in TF order [kh][kw][in][out], flattened. */
  readonly weights: readonly number[];
}

/** Each conv layer's kernels, split per input channel by the viewer; sent each epoch. */
export interface FiltersMessage {
  readonly type: 'filters';
  readonly epoch: number;
  readonly layers: readonly FilterLayer[];
}

export interface LogMessage {
  readonly type: 'log';
  readonly level: 'info' | 'warn' | 'error';
  readonly message: string;
}

/** A fatal error; `done` with status `failed` follows. */
export interface ErrorMessage { readonly type: 'error'; readonly error: WireError }

export type RunStatus = 'running' | 'completed' | 'stopped' | 'failed' | 'interrupted';

/** Last message of a run; the process exits after it. */
export interface DoneMessage {
  readonly type: 'done';
  readonly status: Exclude<RunStatus, 'running'>;
  readonly runDir: string;
  readonly epochsCompleted: number;
  readonly testAcc: number | null;
  readonly durationSec: number;
}

/** Reply to a `ping`. */
export interface PongMessage { readonly type: 'pong'; readonly sentAt: number; readonly numTensors: number }

export type TrainerMessage =
  | ReadyMessage | BackendMessage | DatasetMessage | ProgressMessage | StartedMessage
  | BatchMessage | EpochEndMessage | EvaluationMessage | FeatureMapsMessage | FiltersMessage
  | LogMessage | ErrorMessage | DoneMessage | PongMessage;

/**
 * Every message type, as the keys of a record over the union: a type added to a union and not
 * here (or here and not in the union) fails to compile, so the guards below stay exhaustive.
 */
const HOST_TYPE_KEYS = { start: true, stop: true, featureMapsRequest: true, ping: true } as const satisfies Record<HostMessage['type'], true>;
const TRAINER_TYPE_KEYS = {
  ready: true, backend: true, dataset: true, progress: true, started: true, batch: true, epochEnd: true, evaluation: true,
  featureMaps: true, filters: true, log: true, error: true, done: true, pong: true,
} as const satisfies Record<TrainerMessage['type'], true>;
const HOST_TYPES = Object.keys(HOST_TYPE_KEYS);
const TRAINER_TYPES = Object.keys(TRAINER_TYPE_KEYS);

function hasType(v: unknown, types: readonly string[]): v is { type: string } {
  return typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string'
    && types.includes((v as { type: string }).type);
}

/** Runtime guard for messages arriving at the trainer. */
export function isHostMessage(v: unknown): v is HostMessage {
  if (!hasType(v, HOST_TYPES)) return false;
  const m = v as Record<string, unknown>;
  switch (m.type) {
    case 'start':
      return typeof m.runDir === 'string' && typeof m.spec === 'object' && m.spec !== null
        && typeof m.modelText === 'string' && typeof m.dataDir === 'string'
        && Array.isArray((m.spec as { layers?: unknown }).layers)
        && typeof m.modelDir === 'string' && typeof m.resume === 'boolean'
        && (BACKEND_CHOICES as readonly string[]).includes(m.backend as string);
    case 'featureMapsRequest':
      return Number.isInteger(m.sampleIndex) && (m.sampleIndex as number) >= 0;
    case 'ping':
      return typeof m.sentAt === 'number';
    default:
      return true;
  }
}

/** Runtime guard for messages arriving at the host. */
export function isTrainerMessage(v: unknown): v is TrainerMessage {
  if (!hasType(v, TRAINER_TYPES)) return false;
  const m = v as Record<string, unknown>;
  // An error is rebuilt as a typed error on the host side: its code must be one the host knows.
  return m.type !== 'error' || isWireError(m.error);
}

// ---------------------------------------------------------------- run folder

/** One line of `metrics.jsonl` in a run folder. */
export type MetricRecord =
  | (Omit<BatchMessage, 'type'> & { readonly kind: 'batch'; readonly time: number })
  | (Omit<EpochEndMessage, 'type'> & { readonly kind: 'epoch'; readonly time: number });

/** `summary.json` in a run folder; rewritten atomically at start, after each epoch and at the end. */
export interface RunSummary {
  readonly runId: string;
  readonly name: string;
  readonly status: RunStatus;
  readonly dataset: string;
  readonly datasetSource: string;
  readonly backend: BackendName;
  readonly backendDetail: string;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly durationSec: number;
  readonly totalEpochs: number;
  readonly epochsCompleted: number;
  readonly bestValAcc: number | null;
  readonly testAcc: number | null;
  readonly testLoss: number | null;
  /** Mean training throughput over completed epochs. */
  readonly samplesPerSec: number | null;
  readonly totalParams: number;
  readonly versions: Readonly<Record<string, string>>;
  readonly pid: number;
}
