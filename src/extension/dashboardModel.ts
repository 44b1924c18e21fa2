/**
 * What one run's dashboard shows, kept on the host: built from the run folder (the single source
 * of truth) and advanced by the trainer's messages while the run is live. Pure — no vscode — so
 * snapshot building is unit-tested in plain Node.
 */
import { DATASETS } from '../shared/datasets';
import type { BuiltinDatasetName, ModelSummary } from '../shared/modelSpec';
import type { FeatureMapsMessage, FiltersMessage, InspectWhat, MetricRecord, RunStatus, TrainerMessage, TrainingStep } from '../shared/trainerProtocol';
import {
  appendBatchPoint,
  type ComparisonRun,
  type DashboardBatch,
  type DashboardEpoch,
  type DashboardEvaluation,
  type DashboardExplanation,
  type DashboardFeatureMaps,
  type DashboardRunInfo,
  type DashboardSaliency,
  type DashboardSnapshot,
  type DashboardUpdate,
  type FiltersState,
  type InspectKind,
  type InspectState,
  type SamplePickState,
} from '../shared/webviewProtocol';
import type { RunData } from '../host/runStore';
import { analyzeModelText } from '../core/index';

/** The model summary of a model text (the core's shape inference); injected to keep this pure. */
export type Summarize = (modelText: string) => { summary: ModelSummary | null; inputShape: readonly [number, number, number] | null };

/** The summarizer the extension uses: the core's analysis of the model text. */
export const summarizeModelText: Summarize = (text) => {
  const a = analyzeModelText(text);
  return { summary: a.summary, inputShape: a.spec?.inputShape ?? null };
};

function datasetInfo(name: string | null): (typeof DATASETS)[BuiltinDatasetName] | undefined {
  return name !== null && Object.prototype.hasOwnProperty.call(DATASETS, name) ? DATASETS[name as BuiltinDatasetName] : undefined;
}

function stripKind<T extends { kind: string; time: number }>(r: T): Omit<T, 'kind' | 'time'> {
  const { kind: _kind, time: _time, ...rest } = r;
  return rest;
}

/** Epoch points of a metrics list; a resumed run may repeat an epoch, the last record wins. */
export function epochsOf(metrics: readonly MetricRecord[]): DashboardEpoch[] {
  const byEpoch = new Map<number, DashboardEpoch>();
  for (const r of metrics) if (r.kind === 'epoch') byEpoch.set(r.epoch, stripKind(r));
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}

/**
 * The training step of a run from before `summary.json` recorded it: known for wasm and cpu
 * (trainOnBatch is their only path), unknown for tensorflow (it depended on the model then).
 */
function trainingStepOfBackend(backend: string | null): TrainingStep | null {
  return backend === 'wasm' || backend === 'cpu' ? { kind: 'backendPath', backend } : null;
}

function bestOf(epochs: readonly DashboardEpoch[]): number | null {
  let best: number | null = null;
  for (const e of epochs) if (e.valAcc !== null && (best === null || e.valAcc > best)) best = e.valAcc;
  return best;
}

export class DashboardModel {
  private info: DashboardRunInfo;
  private modelSummary: ModelSummary | null;
  private batches: DashboardBatch[] = [];
  private epochs: DashboardEpoch[] = [];
  private featureMaps: DashboardFeatureMaps | null = null;
  private evaluation: DashboardEvaluation | null = null;
  private filtersMessage: FiltersMessage | null = null;
  private comparisons: readonly ComparisonRun[] = [];
  private samplePick: SamplePickState = { pending: null, progress: null, error: null, inspectorRunning: false };
  private ownInput: DashboardFeatureMaps | null = null;
  private explanation: DashboardExplanation | null = null;
  private saliency: DashboardSaliency | null = null;
  private historyEpochs: number[] = [];
  /** Inspections asked for and not answered: request id → kind. */
  private readonly asked = new Map<number, InspectKind>();
  private inspectError: string | null = null;
  private nextRequestId = 1;

  constructor(info: DashboardRunInfo, modelSummary: ModelSummary | null = null) {
    this.info = info;
    this.modelSummary = modelSummary;
  }

  /** A fresh run about to start: nothing known yet beyond its folder, name and epochs. */
  static forNewRun(runDir: string, name: string, totalEpochs: number, modelSummary: ModelSummary | null, dataset: string | null): DashboardModel {
    const ds = datasetInfo(dataset);
    return new DashboardModel({
      runDir, name, status: 'running', backend: null, backendDetail: null, dataset, datasetSource: null,
      classNames: ds ? [...ds.classNames] : [], inputShape: null, totalEpochs, batchesPerEpoch: null,
      startedAt: new Date().toISOString(), durationSec: 0, bestValAcc: null, testAcc: null, error: null, live: true,
      inspectable: false, testCount: null, trainingStep: null,
    }, modelSummary);
  }

  /** Rebuilds a dashboard from a run folder read by `readRun`. */
  static fromRunData(data: RunData, summarize: Summarize, live = false): DashboardModel {
    const s = data.summary;
    const e = data.entry;
    const analysed = data.modelText !== null ? summarize(data.modelText) : { summary: null, inputShape: null };
    const ds = datasetInfo(e.dataset);
    const batchRecords = data.metrics.filter((r): r is Extract<MetricRecord, { kind: 'batch' }> => r.kind === 'batch');
    const epochs = epochsOf(data.metrics);
    const lastBatch = batchRecords[batchRecords.length - 1];
    const model = new DashboardModel({
      runDir: e.dir,
      name: e.name,
      status: e.status,
      backend: e.backend,
      backendDetail: s?.backendDetail ?? null,
      dataset: e.dataset,
      datasetSource: s?.datasetSource ?? null,
      classNames: data.evaluation?.classNames ?? (ds ? [...ds.classNames] : []),
      inputShape: analysed.inputShape ?? (ds ? ds.inputShape : null),
      totalEpochs: e.totalEpochs ?? epochs.length,
      batchesPerEpoch: lastBatch?.batchesPerEpoch ?? null,
      startedAt: e.startedAt,
      durationSec: e.durationSec ?? epochs.reduce((t, x) => t + x.durationSec, 0),
      bestValAcc: e.bestValAcc ?? bestOf(epochs),
      testAcc: e.testAcc,
      error: null,
      live,
      // A completed run has its final weights; any other has weights once a checkpoint is complete.
      inspectable: e.lastCheckpoint !== null || e.status === 'completed',
      // The evaluation counted every test sample: that is the range of valid picks.
      testCount: data.evaluation ? data.evaluation.confusion.reduce((t, row) => t + row.reduce((a, b) => a + b, 0), 0) : null,
      trainingStep: s?.trainingStep ?? trainingStepOfBackend(e.backend),
    }, analysed.summary);
    for (const b of batchRecords) appendBatchPoint(model.batches, stripKind(b));
    model.epochs = epochs;
    if (data.featureMaps) model.featureMaps = withoutType(data.featureMaps);
    if (data.evaluation) model.evaluation = withoutType(data.evaluation);
    if (data.filters) model.filtersMessage = data.filters;
    model.historyEpochs = [...(data.historyEpochs ?? [])];
    return model;
  }

  get runDir(): string { return this.info.runDir; }
  get runInfo(): DashboardRunInfo { return this.info; }
  get latestFilters(): FiltersMessage | null { return this.filtersMessage; }
  get epochPoints(): readonly DashboardEpoch[] { return this.epochs; }
  get latestBatch(): DashboardBatch | undefined { return this.batches[this.batches.length - 1]; }
  get samplePickState(): SamplePickState { return this.samplePick; }
  /** The test sample whose feature maps are shown; null before any. */
  get shownSample(): number | null { return this.featureMaps?.sampleIndex ?? null; }

  snapshot(): DashboardSnapshot {
    return {
      info: this.info,
      modelSummary: this.modelSummary,
      batches: [...this.batches],
      epochs: [...this.epochs],
      featureMaps: this.featureMaps,
      evaluation: this.evaluation,
      comparisons: this.comparisons,
      samplePick: this.samplePick,
      ownInput: this.ownInput,
      explanation: this.explanation,
      saliency: this.saliency,
      historyEpochs: [...this.historyEpochs],
      inspect: this.inspectState,
    };
  }

  get inspectState(): InspectState {
    return { pending: [...new Set(this.asked.values())], error: this.inspectError };
  }

  /** Numbers an inspection about to be asked for (answers carry the number back); marks it pending. */
  inspectAsked(what: InspectWhat): { requestId: number; update: DashboardUpdate } {
    const requestId = this.nextRequestId++;
    this.asked.set(requestId, what.kind);
    this.inspectError = null;
    return { requestId, update: { kind: 'inspect', inspect: this.inspectState } };
  }

  /** Inspections that will not be answered (the process ended, or could not be started). */
  inspectFailed(error: string | null, requestId?: number): DashboardUpdate {
    if (requestId === undefined) this.asked.clear();
    else this.asked.delete(requestId);
    this.inspectError = error;
    return { kind: 'inspect', inspect: this.inspectState };
  }

  /** Epochs with pictures in the run folder (read from disk when a listed one was thinned away). */
  setHistoryEpochs(epochs: readonly number[]): DashboardUpdate {
    this.historyEpochs = [...epochs].sort((a, b) => a - b);
    return { kind: 'historyEpochs', historyEpochs: [...this.historyEpochs] };
  }

  private answered(requestId: number): DashboardUpdate[] {
    if (!this.asked.delete(requestId)) return [];
    return [{ kind: 'inspect', inspect: this.inspectState }];
  }

  /** Changes the sample picker's state (a pick asked for, progress, failure). */
  setSamplePick(p: Partial<SamplePickState>): DashboardUpdate {
    this.samplePick = { ...this.samplePick, ...p };
    return { kind: 'samplePick', samplePick: this.samplePick };
  }

  setComparisons(comparisons: readonly ComparisonRun[]): DashboardUpdate {
    this.comparisons = comparisons;
    return { kind: 'comparisons', comparisons };
  }

  /** Marks the run as no longer served by a trainer process (or as served again). */
  setLive(live: boolean, status?: RunStatus): DashboardUpdate {
    return this.patch({ live, ...(status !== undefined ? { status } : {}) });
  }

  setError(error: string): DashboardUpdate {
    return this.patch({ error });
  }

  /** Applies one trainer message; returns the updates the open dashboard needs, in order. */
  apply(m: TrainerMessage): DashboardUpdate[] {
    switch (m.type) {
      case 'backend':
        return [this.patch({ backend: m.name, backendDetail: m.detail })];
      case 'dataset':
        return [this.patch({ dataset: m.name, datasetSource: m.source, classNames: [...m.classNames], inputShape: m.inputShape, testCount: m.testCount })];
      case 'started': {
        // A resumed run retrains from startEpoch: drop points of epochs it will produce again.
        this.batches = this.batches.filter((b) => b.epoch < m.startEpoch);
        this.epochs = this.epochs.filter((e) => e.epoch < m.startEpoch);
        this.modelSummary = m.summary;
        // The test result of the stopped run no longer holds once it trains again.
        const stale = this.evaluation !== null || this.info.testAcc !== null;
        this.evaluation = null;
        // The trainer drops the pictures of the epochs it trains again (all of them on a fresh start).
        const history = this.historyEpochs.filter((e) => m.startEpoch > 1 && e < m.startEpoch);
        const historyChanged = history.length !== this.historyEpochs.length;
        return [
          { kind: 'modelSummary', modelSummary: m.summary },
          ...(stale ? [{ kind: 'evaluation' as const, evaluation: null }] : []),
          ...(historyChanged ? [this.setHistoryEpochs(history)] : []),
          this.patch({ status: 'running', totalEpochs: m.totalEpochs, batchesPerEpoch: m.batchesPerEpoch, error: null, live: true, testAcc: null, trainingStep: m.trainingStep }),
        ];
      }
      case 'batch': {
        const { type: _t, ...batch } = m;
        appendBatchPoint(this.batches, batch);
        return [{ kind: 'batch', batch }];
      }
      case 'epochEnd': {
        const { type: _t, ...epoch } = m;
        this.epochs = this.epochs.filter((e) => e.epoch !== epoch.epoch);
        this.epochs.push(epoch);
        return [
          { kind: 'epoch', epoch },
          // epochEnd follows the epoch's checkpoint: from now on there are weights to inspect.
          this.patch({ bestValAcc: bestOf(this.epochs), durationSec: this.epochs.reduce((t, e) => t + e.durationSec, 0), inspectable: true }),
        ];
      }
      case 'featureMaps':
        return this.showFeatureMaps(m);
      case 'explanation': {
        const { type: _t, requestId, ...explanation } = m;
        this.explanation = explanation;
        return [{ kind: 'explanation', explanation }, ...this.answered(requestId)];
      }
      case 'saliency': {
        const { type: _t, requestId, ...saliency } = m;
        this.saliency = saliency;
        return [{ kind: 'saliency', saliency }, ...this.answered(requestId)];
      }
      case 'inspectFailed':
        if (!this.asked.has(m.requestId)) return [];
        return [this.inspectFailed(m.error.hint !== undefined ? `${m.error.message} ${m.error.hint}` : m.error.message, m.requestId)];
      case 'evaluation':
        this.evaluation = withoutType(m);
        return [
          { kind: 'evaluation', evaluation: this.evaluation },
          this.patch({ testAcc: m.testAcc, classNames: [...m.classNames] }),
        ];
      case 'filters':
        this.filtersMessage = m;
        // The trainer keeps each epoch's pictures (history/) before it sends them.
        if (this.historyEpochs.includes(m.epoch)) return [];
        return [this.setHistoryEpochs([...this.historyEpochs, m.epoch])];
      case 'error':
        return [this.patch({ error: m.error.hint !== undefined ? `${m.error.message} ${m.error.hint}` : m.error.message })];
      case 'done': {
        const updates = [this.patch({ status: m.status, live: false, durationSec: m.durationSec, testAcc: m.testAcc ?? this.info.testAcc })];
        // The trainer that was to answer a pick is gone; a new pick goes to an inspection process.
        if (this.samplePick.pending !== null) updates.push(this.setSamplePick({ pending: null, progress: null }));
        if (this.asked.size > 0) updates.push(this.inspectFailed(null));
        return updates;
      }
      default:
        return [];
    }
  }

  /**
   * Feature maps from the run's trainer or from an inspection process: shown, and a pick of that
   * sample is answered.
   */
  showFeatureMaps(m: FeatureMapsMessage): DashboardUpdate[] {
    const { type: _t, requestId, ...maps } = m;
    if (maps.sampleIndex === null) {
      // The user's own image: kept apart, so each epoch's maps of the test sample do not replace it.
      this.ownInput = maps;
      return [{ kind: 'ownInput', ownInput: maps }, ...(requestId !== undefined ? this.answered(requestId) : [])];
    }
    this.featureMaps = maps;
    const updates: DashboardUpdate[] = [{ kind: 'featureMaps', featureMaps: this.featureMaps }];
    if (requestId !== undefined) updates.push(...this.answered(requestId));
    if (this.samplePick.pending === m.sampleIndex) updates.push(this.setSamplePick({ pending: null, progress: null, error: null }));
    return updates;
  }

  private patch(p: Partial<DashboardRunInfo>): DashboardUpdate {
    this.info = { ...this.info, ...p };
    return { kind: 'info', info: this.info };
  }
}

function withoutType<T extends { type: string }>(m: T): Omit<T, 'type'> {
  const { type: _type, ...rest } = m;
  return rest;
}

/**
 * Numbers the messages to an open dashboard: a snapshot restarts the sequence, each append is
 * the previous number + 1, so the webview can detect a gap and ask for a resync.
 */
export class SequenceCounter {
  private seq = 0;
  next(): number { return ++this.seq; }
  get current(): number { return this.seq; }
}

/** The filters state of a run, or null when it has no filters yet. Pure. */
export function filtersState(info: DashboardRunInfo, filters: FiltersMessage | null): FiltersState | null {
  if (filters === null) return null;
  const channels = info.inputShape?.[2] ?? filters.layers[0]?.inChannels ?? 1;
  return {
    runDir: info.runDir,
    runName: info.name,
    status: info.status,
    epoch: filters.epoch,
    inputChannels: channels === 3 ? ['R', 'G', 'B'] : Array.from({ length: channels }, (_, i) => (channels === 1 ? 'gray' : String(i + 1))),
    layers: filters.layers,
  };
}

