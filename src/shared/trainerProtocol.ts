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

/**
 * What an inspection is about: a test sample by its index, or an image the user drew or dropped
 * into the dashboard, already at the model's input size and channels (8-bit, as the data set's
 * images are; the trainer scales it to 0..1 as it does those).
 */
export type InspectSubject =
  | { readonly kind: 'test'; readonly index: number }
  | { readonly kind: 'own'; readonly image: ImagePayload };

/** The subject an answer is about, without the image (the answer carries the input it used). */
export type SubjectRef = { readonly kind: 'test'; readonly index: number } | { readonly kind: 'own' };

/** What to compute for the subject. */
export type InspectWhat =
  /** Feature maps and the prediction (answered by `featureMaps` with `requestId`). */
  | { readonly kind: 'featureMaps' }
  /** One conv filter's arithmetic on its input (answered by `explanation`). */
  | { readonly kind: 'explanation'; readonly layerIndex: number; readonly filter: number }
  /** Saliency and Grad-CAM for a class; null: the predicted class (answered by `saliency`). */
  | { readonly kind: 'saliency'; readonly classIndex: number | null };

/**
 * Sent by the host when the user asks the dashboard about a sample or their own image: answered
 * between two batches while training, at once in inspect mode, with the message `what` names
 * (same `requestId`), or `inspectFailed`.
 */
export interface InspectRequest {
  readonly type: 'inspectRequest';
  readonly requestId: number;
  readonly subject: InspectSubject;
  readonly what: InspectWhat;
}

export type HostMessage = StartRequest | StopRequest | FeatureMapsRequest | PingRequest | InspectRequest;

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

/**
 * How the trainer runs each training step, decided once per run (and per resume) before `started`:
 * - `direct`: the tensorflow backend with TensorFlow's training ops called directly (the fast path);
 *   `kernels` names the oneDNN and fused kernels it uses, in the user's words;
 * - `fallback`: the tensorflow backend, but a layer has no direct pass, so tfjs's `trainOnBatch`
 *   runs: 3–6× slower per step (docs/benchmarks.md, speed steps). `layerIndex` (0-based) and
 *   `layerName` say which layer, null when the native backend itself could not make the step;
 * - `backendPath`: `trainOnBatch`, the training path of the wasm and cpu backends (not a warning).
 */
export type TrainingStep =
  | { readonly kind: 'direct'; readonly kernels: readonly string[] }
  | { readonly kind: 'fallback'; readonly layerIndex: number | null; readonly layerName: string | null; readonly reason: string }
  | { readonly kind: 'backendPath'; readonly backend: Exclude<BackendName, 'tensorflow'> };

/** Runtime guard of a `TrainingStep` (it is read back from `summary.json` and crosses to the webview). */
export function isTrainingStep(v: unknown): v is TrainingStep {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  switch (o.kind) {
    case 'direct': return Array.isArray(o.kernels) && o.kernels.every((k) => typeof k === 'string');
    case 'fallback':
      return (o.layerIndex === null || (Number.isInteger(o.layerIndex) && (o.layerIndex as number) >= 0))
        && (o.layerName === null || typeof o.layerName === 'string') && typeof o.reason === 'string';
    case 'backendPath': return o.backend === 'wasm' || o.backend === 'cpu';
    default: return false;
  }
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
  /** Whether the steps take the direct TensorFlow path, and if not, why (also in `summary.json`). */
  readonly trainingStep: TrainingStep;
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

/**
 * Activations of each conv and pooling layer for one test sample (sent each epoch and on a
 * `featureMapsRequest`) or for the user's own image (on an `inspectRequest`).
 */
export interface FeatureMapsMessage {
  readonly type: 'featureMaps';
  readonly epoch: number;
  /** Test-set index; null for the user's own image. */
  readonly sampleIndex: number | null;
  /** The sample's class; null for the user's own image (it has none). */
  readonly label: number | null;
  readonly input: ImagePayload;
  readonly layers: readonly FeatureMapLayer[];
  /** The model's class probabilities for this input (softmax applied when it outputs logits); absent in runs from before they were recorded. */
  readonly probabilities?: readonly number[];
  /** Present when this answers an `inspectRequest`. */
  readonly requestId?: number;
}

/** A float32 array, little-endian, base64-encoded (exact values, compact JSON). */
export interface FloatPayload {
  /** Row-major; the last axis varies fastest. */
  readonly shape: readonly number[];
  readonly f32Base64: string;
}

/**
 * One conv2d filter's arithmetic on one input (answer to an `inspectRequest` for `explanation`):
 * the layer's input, the filter's kernel (one k×k slice per input channel) and bias, how the
 * kernel slides, and the layer's real output channel as the model computed it. The viewer
 * computes each channel's partial map (plane ⊛ slice) and their sum from these, and compares.
 */
export interface ExplanationMessage {
  readonly type: 'explanation';
  readonly requestId: number;
  readonly epoch: number;
  readonly subject: SubjectRef;
  readonly layerIndex: number;
  readonly layerName: string;
  /** Output channel (0-based). */
  readonly filter: number;
  readonly filters: number;
  /** True for the model's first layer: the input is the image (scaled to 0..1); else the previous layer's output. */
  readonly inputIsImage: boolean;
  /** Name of the layer whose output is the input (null for the image). */
  readonly inputLayerName: string | null;
  /** The layer's input [h, w, c], as the model sees it. */
  readonly input: FloatPayload;
  /** The filter's kernel [kh, kw, c] (TF order, this filter only). */
  readonly kernel: FloatPayload;
  readonly bias: number;
  readonly strides: readonly [number, number];
  readonly padding: 'valid' | 'same';
  readonly activation: string;
  /** The layer's output for this filter [oh, ow], from the model's own forward pass. */
  readonly output: FloatPayload;
  /** The same before the activation: the layer's kernel and bias applied by TensorFlow's conv2d [oh, ow]. */
  readonly preActivation: FloatPayload;
  /** The input image (for display next to the planes). */
  readonly image: ImagePayload;
}

/**
 * Why the model gives a class (answer to an `inspectRequest` for `saliency`): the gradient of the
 * class score (the logit, before softmax) with respect to the input pixels, and Grad-CAM on the
 * last convolution layer.
 */
export interface SaliencyMessage {
  readonly type: 'saliency';
  readonly requestId: number;
  readonly epoch: number;
  readonly subject: SubjectRef;
  readonly classIndex: number;
  /** The class score the gradients are of, and the class's probability. */
  readonly score: number;
  readonly probability: number;
  /** `logit`: the pre-softmax score; `log-probability` when the model's logits are out of reach. */
  readonly scoreKind: 'logit' | 'log-probability';
  /** ∂score/∂input [h, w, c] (input scaled to 0..1). */
  readonly gradient: FloatPayload;
  /** Grad-CAM on the last conv layer; null when the model has none. */
  readonly gradCam: {
    readonly layerIndex: number;
    readonly layerName: string;
    /** ReLU(Σ_k α_k A_k) at the layer's resolution [h', w']. */
    readonly map: FloatPayload;
    /** α_k: the spatial mean of ∂score/∂A_k, one per channel. */
    readonly weights: readonly number[];
  } | null;
  readonly image: ImagePayload;
}

/** An `inspectRequest` could not be answered (no weights yet, a wrong image size, …). */
export interface InspectFailedMessage {
  readonly type: 'inspectFailed';
  readonly requestId: number;
  readonly error: WireError;
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
  /** One bias per filter; absent without bias (or in runs from before biases were recorded). */
  readonly bias?: readonly number[];
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
  | LogMessage | ErrorMessage | DoneMessage | PongMessage
  | ExplanationMessage | SaliencyMessage | InspectFailedMessage;

/**
 * Every message type, as the keys of a record over the union: a type added to a union and not
 * here (or here and not in the union) fails to compile, so the guards below stay exhaustive.
 */
const HOST_TYPE_KEYS = { start: true, stop: true, featureMapsRequest: true, ping: true, inspectRequest: true } as const satisfies Record<HostMessage['type'], true>;
const TRAINER_TYPE_KEYS = {
  ready: true, backend: true, dataset: true, progress: true, started: true, batch: true, epochEnd: true, evaluation: true,
  featureMaps: true, filters: true, log: true, error: true, done: true, pong: true,
  explanation: true, saliency: true, inspectFailed: true,
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
    case 'inspectRequest':
      return Number.isInteger(m.requestId) && isInspectSubject(m.subject) && isInspectWhat(m.what);
    default:
      return true;
  }
}

const isNatural = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

/** An 8-bit image whose base64 holds exactly width × height × channels bytes (at most 1024 × 1024). */
function isImagePayload(v: unknown): v is ImagePayload {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  if (!isNatural(o.width) || !isNatural(o.height) || (o.channels !== 1 && o.channels !== 3) || typeof o.pixelsBase64 !== 'string') return false;
  if (o.width < 1 || o.height < 1 || o.width > 1024 || o.height > 1024) return false;
  const b64 = o.pixelsBase64;
  const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return /^[A-Za-z0-9+/]*={0,2}$/.test(b64) && b64.length % 4 === 0 && b64.length / 4 * 3 - pad === o.width * o.height * o.channels;
}

/** Runtime guard of an inspection's subject (it crosses the webview and the process boundary). */
export function isInspectSubject(v: unknown): v is InspectSubject {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  if (o.kind === 'test') return isNatural(o.index);
  return o.kind === 'own' && isImagePayload(o.image);
}

/** Runtime guard of what an inspection asks for. */
export function isInspectWhat(v: unknown): v is InspectWhat {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  switch (o.kind) {
    case 'featureMaps': return true;
    case 'explanation': return isNatural(o.layerIndex) && isNatural(o.filter);
    case 'saliency': return o.classIndex === null || isNatural(o.classIndex);
    default: return false;
  }
}

/** Runtime guard for messages arriving at the host. */
export function isTrainerMessage(v: unknown): v is TrainerMessage {
  if (!hasType(v, TRAINER_TYPES)) return false;
  const m = v as Record<string, unknown>;
  // An error is rebuilt as a typed error on the host side: its code must be one the host knows.
  if (m.type === 'error' || m.type === 'inspectFailed') return isWireError(m.error);
  return true;
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
  /** How the steps ran (the trainer's `started`); absent in runs from before it was recorded. */
  readonly trainingStep?: TrainingStep;
}
