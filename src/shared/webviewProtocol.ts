/**
 * Host ⇄ webview protocol for the dashboard panel and the filters view. Both ends import it; each
 * side runs the guards below on every message it receives (`postMessage` carries structured
 * clones, but a webview is still a separate, less trusted context).
 *
 * Dashboard flow: the webview sends `ready`; the host answers with a full `snapshot` (also when
 * the panel becomes visible again); while visible, each change is an `append` numbered by `seq`
 * (snapshot seq + 1, + 2, ...). A webview that sees a gap sends `resync` and gets a new snapshot.
 */
import { isArrOf, isNat, isNum, isNumOrNull, isObj, isStr, isStrOrNull, type Obj } from './guards';
import type { ModelSummary } from './modelSpec';
import type { EpochHistoryEntry } from './runFiles';
import { isInspectSubject, isInspectWhat, isTrainingStep } from './trainerProtocol';
import type {
  TrainingStep, BatchMessage, EpochEndMessage, EvaluationMessage, ExplanationMessage, FeatureMapsMessage, FilterLayer, InspectSubject, InspectWhat,
  RunStatus, SaliencyMessage,
} from './trainerProtocol';

/** Translated strings for `@vscode/l10n` in the webview (`vscode.l10n.bundle`); null = English. */
export type L10nContents = Readonly<Record<string, string>> | null;

/** One throttled batch point of the live curves. */
export type DashboardBatch = Omit<BatchMessage, 'type'>;
/** One epoch point of the curves. */
export type DashboardEpoch = Omit<EpochEndMessage, 'type'>;
export type DashboardFeatureMaps = Omit<FeatureMapsMessage, 'type'>;
export type DashboardEvaluation = Omit<EvaluationMessage, 'type'>;
/** One conv filter's arithmetic, as the trainer sent it (the explainer draws and checks it). */
export type DashboardExplanation = Omit<ExplanationMessage, 'type' | 'requestId'>;
/** Saliency and Grad-CAM of one class for one input. */
export type DashboardSaliency = Omit<SaliencyMessage, 'type' | 'requestId'>;

/** What an inspection computes (`InspectWhat['kind']`). */
export type InspectKind = InspectWhat['kind'];

/** How the dashboard's inspections (own image, explainer, saliency) are doing. */
export interface InspectState {
  /** Kinds asked for and not answered yet. */
  readonly pending: readonly InspectKind[];
  /** Why the last one failed and what to do, translated; null when it did not. */
  readonly error: string | null;
}

/** The scalar facts about a run shown in the dashboard header and status line. */
export interface DashboardRunInfo {
  readonly runDir: string;
  readonly name: string;
  readonly status: RunStatus;
  /** Backend actually running, e.g. `tensorflow`; null before the trainer reported it. */
  readonly backend: string | null;
  readonly backendDetail: string | null;
  readonly dataset: string | null;
  readonly datasetSource: string | null;
  readonly classNames: readonly string[];
  /** [h, w, c] of the model input; null until known. */
  readonly inputShape: readonly [number, number, number] | null;
  readonly totalEpochs: number;
  readonly batchesPerEpoch: number | null;
  readonly startedAt: string | null;
  readonly durationSec: number;
  readonly bestValAcc: number | null;
  readonly testAcc: number | null;
  /** Last fatal error, as a user-facing sentence (message and hint). */
  readonly error: string | null;
  /** True while a trainer process serves this run (sample picks are answered by it). */
  readonly live: boolean;
  /**
   * The run folder holds trained weights (a checkpoint or the final model), so once the run has
   * ended its samples can still be picked: an inspection process loads the weights on demand.
   */
  readonly inspectable: boolean;
  /** Number of test samples (valid picks are 0 … testCount − 1); null until a trainer reported it. */
  readonly testCount: number | null;
  /**
   * Whether the steps take the direct TensorFlow path or trainOnBatch, and why (the trainer's
   * `started`, kept in `summary.json`); null until known, or for a tensorflow run from before it was recorded.
   */
  readonly trainingStep: TrainingStep | null;
}

/** How the sample picker of the feature maps is doing; shown next to the picker. */
export interface SamplePickState {
  /** Test sample asked for and not yet shown; null when nothing is pending. */
  readonly pending: number | null;
  /** What is being done to answer it (e.g. loading the run's weights), translated; null when idle. */
  readonly progress: string | null;
  /** Why the last pick could not be answered and what to do, translated; null when it could. */
  readonly error: string | null;
  /**
   * True while an inspection process of the finished run is up (started by a pick or an
   * inspection, stopped after a while without picks): the page warns that a pick loads the weights
   * only while it is false.
   */
  readonly inspectorRunning: boolean;
}

/** Another run's epoch curve for the comparison overlay. */
export interface ComparisonRun {
  readonly runDir: string;
  readonly name: string;
  readonly epochs: readonly DashboardEpoch[];
}

/** Everything the dashboard draws; sent whole on `ready`, on becoming visible and on `resync`. */
export interface DashboardSnapshot {
  readonly info: DashboardRunInfo;
  readonly modelSummary: ModelSummary | null;
  readonly batches: readonly DashboardBatch[];
  readonly epochs: readonly DashboardEpoch[];
  readonly featureMaps: DashboardFeatureMaps | null;
  readonly evaluation: DashboardEvaluation | null;
  readonly comparisons: readonly ComparisonRun[];
  readonly samplePick: SamplePickState;
  /** Feature maps and prediction of the user's own image (drawn or dropped); null before one. */
  readonly ownInput: DashboardFeatureMaps | null;
  /** The latest explained filter; null before one was asked for. */
  readonly explanation: DashboardExplanation | null;
  /** The latest saliency; null before one was asked for. */
  readonly saliency: DashboardSaliency | null;
  /** Epochs with pictures in the run folder's history (for the epoch slider), ascending. */
  readonly historyEpochs: readonly number[];
  readonly inspect: InspectState;
}

/** Something outside the page asked it to show a part (e.g. the Filters view's Explain). */
export type DashboardFocus = { readonly kind: 'explain'; readonly layerIndex: number; readonly filter: number };

/** One change to a snapshot, applied in `seq` order. */
export type DashboardUpdate =
  | { readonly kind: 'info'; readonly info: DashboardRunInfo }
  | { readonly kind: 'modelSummary'; readonly modelSummary: ModelSummary }
  | { readonly kind: 'batch'; readonly batch: DashboardBatch }
  | { readonly kind: 'epoch'; readonly epoch: DashboardEpoch }
  | { readonly kind: 'featureMaps'; readonly featureMaps: DashboardFeatureMaps }
  /** `null`: the shown evaluation no longer holds (a resumed run trains again). */
  | { readonly kind: 'evaluation'; readonly evaluation: DashboardEvaluation | null }
  | { readonly kind: 'comparisons'; readonly comparisons: readonly ComparisonRun[] }
  | { readonly kind: 'samplePick'; readonly samplePick: SamplePickState }
  | { readonly kind: 'ownInput'; readonly ownInput: DashboardFeatureMaps }
  | { readonly kind: 'explanation'; readonly explanation: DashboardExplanation }
  | { readonly kind: 'saliency'; readonly saliency: DashboardSaliency }
  | { readonly kind: 'historyEpochs'; readonly historyEpochs: readonly number[] }
  /** The pictures of one epoch, asked for by `requestHistory` (not kept in the snapshot). */
  | { readonly kind: 'historyEntry'; readonly entry: EpochHistoryEntry }
  | { readonly kind: 'inspect'; readonly inspect: InspectState }
  /** Not kept: the page shows that part once (and asks for what it needs). */
  | { readonly kind: 'focus'; readonly focus: DashboardFocus };

// ---------------------------------------------------------------- host → dashboard

/** Host → dashboard: the whole state, on `ready`, on becoming visible and on `resync`. */
export interface DashboardSnapshotMessage {
  readonly type: 'snapshot';
  readonly seq: number;
  readonly snapshot: DashboardSnapshot;
  readonly l10n: L10nContents;
}

/** Host → dashboard: one change while the panel is visible; `seq` is the previous message's + 1. */
export interface DashboardAppendMessage {
  readonly type: 'append';
  readonly seq: number;
  readonly update: DashboardUpdate;
}

export type HostToDashboardMessage = DashboardSnapshotMessage | DashboardAppendMessage;

// ---------------------------------------------------------------- dashboard → host

/** Dashboard → host: the app has loaded and wants a snapshot. */
export interface WebviewReadyMessage { readonly type: 'ready' }
/** Dashboard → host: an append arrived out of order; send a snapshot. */
export interface DashboardResyncMessage { readonly type: 'resync'; readonly lastSeq: number }
/** Dashboard → host: the user picked a test sample whose feature maps to show. */
export interface RequestFeatureMapsMessage { readonly type: 'requestFeatureMaps'; readonly sampleIndex: number }
/** Dashboard → host: the user pressed Stop. */
export interface StopTrainingMessage { readonly type: 'stopTraining' }
/** Any webview → host: an uncaught error in the webview, for the output channel. */
export interface WebviewErrorMessage { readonly type: 'webviewError'; readonly message: string }

/**
 * Dashboard → host: after each redraw of the feature maps, what the page now shows — the sample,
 * its caption as displayed (translated) and whether picking is possible. Logged by the host, and
 * read by the integration tests, which cannot look into the page.
 */
export interface DashboardShownMessage {
  readonly type: 'shown';
  /** `seq` of the last host message drawn. */
  readonly seq: number;
  readonly sampleIndex: number | null;
  readonly caption: string | null;
  /** `live`: the training process answers picks; `inspect`: an inspection process does; `none`: no pick possible. */
  readonly picking: SamplePicking;
}

/** Who answers sample picks, derived from the run info by `samplePicking`. */
export type SamplePicking = 'live' | 'inspect' | 'none';

/**
 * Dashboard → host: the user asked about a test sample or their own image: its feature maps and
 * prediction (own image), one filter's arithmetic (explainer) or saliency. The host relays it to
 * the run's trainer, or to an inspection process once the run has ended.
 */
export interface InspectMessage { readonly type: 'inspect'; readonly subject: InspectSubject; readonly what: InspectWhat }
/** Dashboard → host: the epoch slider moved; answered by a `historyEntry` update. */
export interface RequestHistoryMessage { readonly type: 'requestHistory'; readonly epoch: number }

export type DashboardToHostMessage =
  | WebviewReadyMessage | DashboardResyncMessage | RequestFeatureMapsMessage | StopTrainingMessage | WebviewErrorMessage
  | DashboardShownMessage | InspectMessage | RequestHistoryMessage;

/** Who answers a sample pick of this run: its trainer while live, else an inspection process when it has weights. */
export function samplePicking(info: Pick<DashboardRunInfo, 'live' | 'inspectable'>): SamplePicking {
  return info.live ? 'live' : info.inspectable ? 'inspect' : 'none';
}

// ---------------------------------------------------------------- filters view

/** The conv kernels of one run at one epoch, as the filters view draws them. */
export interface FiltersState {
  readonly runDir: string;
  readonly runName: string;
  readonly status: RunStatus;
  readonly epoch: number;
  /** Channel names of the model input: ['R', 'G', 'B'] for colour, ['gray'] otherwise. */
  readonly inputChannels: readonly string[];
  readonly layers: readonly FilterLayer[];
}

/** Host → filters view: the state to draw (whole, it is small), or why there is nothing to draw. */
export interface FiltersStateMessage {
  readonly type: 'filtersState';
  readonly state: FiltersState | null;
  /** Shown when `state` is null, already translated. */
  readonly emptyText: string;
  readonly l10n: L10nContents;
}

export type HostToFiltersMessage = FiltersStateMessage;

/** Filters view → host: let the user choose which run to show. */
export interface ChooseRunMessage { readonly type: 'chooseRun' }
/** Filters view → host: show this filter's arithmetic in the run's dashboard (opened if needed). */
export interface ExplainFilterMessage { readonly type: 'explainFilter'; readonly layerIndex: number; readonly filter: number }

export type FiltersToHostMessage = WebviewReadyMessage | ChooseRunMessage | WebviewErrorMessage | ExplainFilterMessage;

// ---------------------------------------------------------------- guards

const isShape3 = (v: unknown): boolean => Array.isArray(v) && v.length === 3 && v.every(isNat);
const RUN_STATUSES: readonly string[] = ['running', 'completed', 'stopped', 'failed', 'interrupted'] satisfies RunStatus[];
/** Longest string a webview may send (error texts); anything longer is refused. */
const MAX_WEBVIEW_STRING = 10_000;

function isL10n(v: unknown): boolean {
  return v === null || (isObj(v) && Object.values(v).every(isStr));
}

export function isDashboardBatch(v: unknown): v is DashboardBatch {
  return isObj(v) && isNat(v.epoch) && isNat(v.batch) && isNat(v.batchesPerEpoch)
    && isNum(v.loss) && isNum(v.acc) && isNum(v.samplesPerSec) && isNum(v.etaSec);
}

function isDashboardEpoch(v: unknown): v is DashboardEpoch {
  return isObj(v) && isNat(v.epoch) && isNum(v.loss) && isNum(v.acc) && isNumOrNull(v.valLoss)
    && isNumOrNull(v.valAcc) && isNum(v.durationSec) && isNum(v.samplesPerSec);
}

function isImage(v: unknown): boolean {
  return isObj(v) && isNat(v.width) && isNat(v.height) && (v.channels === 1 || v.channels === 3) && isStr(v.pixelsBase64);
}

const isNatOrNull = (v: unknown): boolean => v === null || isNat(v);

function isDashboardFeatureMaps(v: unknown): v is DashboardFeatureMaps {
  return isObj(v) && isNat(v.epoch) && isNatOrNull(v.sampleIndex) && isNatOrNull(v.label) && isImage(v.input)
    && (v.probabilities === undefined || isArrOf(v.probabilities, isNum))
    && isArrOf(v.layers, (l) => isObj(l) && isNat(l.layerIndex) && isStr(l.name) && isStr(l.type)
      && isShape3(l.shape) && isStr(l.valuesBase64) && Array.isArray(l.ranges));
}

/** A float payload whose base64 holds exactly 4 bytes per element of its shape. */
function isFloats(v: unknown, rank?: number): boolean {
  if (!isObj(v) || !isArrOf(v.shape, isNat) || !isStr(v.f32Base64)) return false;
  const shape = v.shape as number[];
  if (rank !== undefined && shape.length !== rank) return false;
  const b64 = v.f32Base64;
  const pad = b64.endsWith('==') ? 2 : b64.endsWith('=') ? 1 : 0;
  return b64.length % 4 === 0 && b64.length / 4 * 3 - pad === shape.reduce((a, b) => a * b, 1) * 4;
}

function isSubjectRef(v: unknown): boolean {
  return isObj(v) && ((v.kind === 'test' && isNat(v.index)) || v.kind === 'own');
}

function isDashboardExplanation(v: unknown): v is DashboardExplanation {
  return isObj(v) && isNat(v.epoch) && isSubjectRef(v.subject) && isNat(v.layerIndex) && isStr(v.layerName)
    && isNat(v.filter) && isNat(v.filters) && typeof v.inputIsImage === 'boolean' && isStrOrNull(v.inputLayerName)
    && isFloats(v.input, 3) && isFloats(v.kernel, 3) && isNum(v.bias) && Array.isArray(v.strides) && v.strides.length === 2
    && v.strides.every(isNat) && (v.padding === 'valid' || v.padding === 'same') && isStr(v.activation)
    && isFloats(v.output, 2) && isFloats(v.preActivation, 2) && isImage(v.image);
}

function isDashboardSaliency(v: unknown): v is DashboardSaliency {
  if (!isObj(v) || !isNat(v.epoch) || !isSubjectRef(v.subject) || !isNat(v.classIndex) || !isNum(v.score) || !isNum(v.probability)
    || (v.scoreKind !== 'logit' && v.scoreKind !== 'log-probability') || !isFloats(v.gradient, 3) || !isImage(v.image)) return false;
  const cam = v.gradCam;
  return cam === null || (isObj(cam) && isNat(cam.layerIndex) && isStr(cam.layerName) && isFloats(cam.map, 2) && isArrOf(cam.weights, isNum));
}

function isInspectState(v: unknown): v is InspectState {
  return isObj(v) && isArrOf(v.pending, (k) => k === 'featureMaps' || k === 'explanation' || k === 'saliency') && isStrOrNull(v.error);
}

function isHistoryEntry(v: unknown): v is EpochHistoryEntry {
  return isObj(v) && v.version === 1 && isNat(v.epoch) && isObj(v.featureMaps) && isDashboardFeatureMaps(v.featureMaps)
    && isObj(v.filters) && isNat(v.filters.epoch) && isArrOf(v.filters.layers, isFilterLayer);
}

function isDashboardEvaluation(v: unknown): v is DashboardEvaluation {
  return isObj(v) && isNum(v.testLoss) && isNum(v.testAcc) && isArrOf(v.confusion, (row) => isArrOf(row, isNat))
    && isArrOf(v.classNames, isStr)
    && isArrOf(v.misclassified, (m) => isObj(m) && isNat(m.index) && isNat(m.label) && isNat(m.predicted)
      && isNum(m.confidence) && isImage(m.image));
}

function isModelSummary(v: unknown): v is ModelSummary {
  return isObj(v) && Array.isArray(v.layers) && isNum(v.totalParams) && isNum(v.totalMacs)
    && v.layers.every((l) => isObj(l) && isStr(l.name) && isStr(l.type) && Array.isArray(l.outputShape)
      && isNum(l.params) && isNum(l.macs));
}

function isDashboardRunInfo(v: unknown): v is DashboardRunInfo {
  return isObj(v) && isStr(v.runDir) && isStr(v.name) && RUN_STATUSES.includes(v.status as string)
    && isStrOrNull(v.backend) && isStrOrNull(v.backendDetail) && isStrOrNull(v.dataset)
    && isStrOrNull(v.datasetSource) && isArrOf(v.classNames, isStr)
    && (v.inputShape === null || isShape3(v.inputShape)) && isNat(v.totalEpochs)
    && (v.batchesPerEpoch === null || isNat(v.batchesPerEpoch)) && isStrOrNull(v.startedAt)
    && isNum(v.durationSec) && isNumOrNull(v.bestValAcc) && isNumOrNull(v.testAcc)
    && isStrOrNull(v.error) && typeof v.live === 'boolean' && typeof v.inspectable === 'boolean'
    && (v.testCount === null || isNat(v.testCount)) && (v.trainingStep === null || isTrainingStep(v.trainingStep));
}

function isSamplePickState(v: unknown): v is SamplePickState {
  return isObj(v) && (v.pending === null || isNat(v.pending)) && isStrOrNull(v.progress) && isStrOrNull(v.error)
    && typeof v.inspectorRunning === 'boolean';
}

function isComparison(v: unknown): v is ComparisonRun {
  return isObj(v) && isStr(v.runDir) && isStr(v.name) && isArrOf(v.epochs, isDashboardEpoch);
}

export function isDashboardSnapshot(v: unknown): v is DashboardSnapshot {
  return isObj(v) && isDashboardRunInfo(v.info) && (v.modelSummary === null || isModelSummary(v.modelSummary))
    && isArrOf(v.batches, isDashboardBatch) && isArrOf(v.epochs, isDashboardEpoch)
    && (v.featureMaps === null || isDashboardFeatureMaps(v.featureMaps))
    && (v.evaluation === null || isDashboardEvaluation(v.evaluation))
    && isArrOf(v.comparisons, isComparison) && isSamplePickState(v.samplePick)
    && (v.ownInput === null || isDashboardFeatureMaps(v.ownInput))
    && (v.explanation === null || isDashboardExplanation(v.explanation))
    && (v.saliency === null || isDashboardSaliency(v.saliency))
    && isArrOf(v.historyEpochs, isNat) && isInspectState(v.inspect);
}

export function isDashboardUpdate(v: unknown): v is DashboardUpdate {
  if (!isObj(v)) return false;
  switch (v.kind) {
    case 'info': return isDashboardRunInfo(v.info);
    case 'modelSummary': return isModelSummary(v.modelSummary);
    case 'batch': return isDashboardBatch(v.batch);
    case 'epoch': return isDashboardEpoch(v.epoch);
    case 'featureMaps': return isDashboardFeatureMaps(v.featureMaps);
    case 'evaluation': return v.evaluation === null || isDashboardEvaluation(v.evaluation);
    case 'comparisons': return isArrOf(v.comparisons, isComparison);
    case 'samplePick': return isSamplePickState(v.samplePick);
    case 'ownInput': return isDashboardFeatureMaps(v.ownInput);
    case 'explanation': return isDashboardExplanation(v.explanation);
    case 'saliency': return isDashboardSaliency(v.saliency);
    case 'historyEpochs': return isArrOf(v.historyEpochs, isNat);
    case 'historyEntry': return isHistoryEntry(v.entry);
    case 'inspect': return isInspectState(v.inspect);
    case 'focus': return isObj(v.focus) && v.focus.kind === 'explain' && isNat(v.focus.layerIndex) && isNat(v.focus.filter);
    default: return false;
  }
}

/** Guard run by the dashboard on every message from the host. */
export function isHostToDashboardMessage(v: unknown): v is HostToDashboardMessage {
  if (!isObj(v) || !isNat(v.seq)) return false;
  if (v.type === 'snapshot') return isDashboardSnapshot(v.snapshot) && isL10n(v.l10n);
  if (v.type === 'append') return isDashboardUpdate(v.update);
  return false;
}

function isWebviewError(v: Obj): boolean {
  return isStr(v.message) && v.message.length <= MAX_WEBVIEW_STRING;
}

/** Guard run by the host on every message from a dashboard panel. */
export function isDashboardToHostMessage(v: unknown): v is DashboardToHostMessage {
  if (!isObj(v)) return false;
  switch (v.type) {
    case 'ready':
    case 'stopTraining':
      return true;
    case 'resync': return isNat(v.lastSeq);
    case 'requestFeatureMaps': return isNat(v.sampleIndex) && (v.sampleIndex) < 10_000_000;
    case 'webviewError': return isWebviewError(v);
    case 'shown':
      return isNat(v.seq) && (v.sampleIndex === null || isNat(v.sampleIndex))
        && (v.caption === null || (isStr(v.caption) && v.caption.length <= MAX_WEBVIEW_STRING))
        && (v.picking === 'live' || v.picking === 'inspect' || v.picking === 'none');
    // The own image is checked to the byte (its base64 holds exactly width × height × channels).
    case 'inspect': return isInspectSubject(v.subject) && isInspectWhat(v.what) && (v.subject.kind !== 'test' || v.subject.index < 10_000_000);
    case 'requestHistory': return isNat(v.epoch);
    default: return false;
  }
}

function isFilterLayer(v: unknown): v is FilterLayer {
  if (!isObj(v) || !isNat(v.layerIndex) || !isStr(v.name) || !Array.isArray(v.kernel) || v.kernel.length !== 2
    || !v.kernel.every(isNat) || !isNat(v.inChannels) || !isNat(v.outChannels) || !Array.isArray(v.weights)) return false;
  const [kh, kw] = v.kernel as [number, number];
  return v.weights.length === kh * kw * v.inChannels * v.outChannels && v.weights.every(isNum)
    && (v.bias === undefined || (isArrOf(v.bias, isNum) && (v.bias as number[]).length === v.outChannels));
}

function isFiltersState(v: unknown): v is FiltersState {
  return isObj(v) && isStr(v.runDir) && isStr(v.runName) && RUN_STATUSES.includes(v.status as string)
    && isNat(v.epoch) && isArrOf(v.inputChannels, isStr) && isArrOf(v.layers, isFilterLayer);
}

/** Guard run by the filters view on every message from the host. */
export function isHostToFiltersMessage(v: unknown): v is HostToFiltersMessage {
  return isObj(v) && v.type === 'filtersState' && (v.state === null || isFiltersState(v.state))
    && isStr(v.emptyText) && isL10n(v.l10n);
}

/** Guard run by the host on every message from the filters view. */
export function isFiltersToHostMessage(v: unknown): v is FiltersToHostMessage {
  if (!isObj(v)) return false;
  switch (v.type) {
    case 'ready':
    case 'chooseRun':
      return true;
    case 'webviewError': return isWebviewError(v);
    case 'explainFilter': return isNat(v.layerIndex) && isNat(v.filter);
    default: return false;
  }
}

// ---------------------------------------------------------------- shared list rules

/** Most batch points a dashboard keeps; beyond it every second point is dropped (both ends alike). */
const MAX_BATCH_POINTS = 4000;

/**
 * Appends a batch point, halving the list by dropping every second point when it exceeds
 * `MAX_BATCH_POINTS`. Host and webview both call it so their lists stay identical.
 */
export function appendBatchPoint(list: DashboardBatch[], point: DashboardBatch, max = MAX_BATCH_POINTS): void {
  list.push(point);
  if (list.length <= max) return;
  let w = 0;
  for (let r = 0; r < list.length; r++) {
    // Keep odd positions from the start, and always the newest point.
    if (r % 2 === 1 || r === list.length - 1) list[w++] = list[r] as DashboardBatch;
  }
  list.length = w;
}
