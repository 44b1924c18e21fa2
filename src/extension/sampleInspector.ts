/**
 * Sample picks on a run that no trainer serves any more (finished, stopped, reopened from disk):
 * on the first pick, an inspection process (`dist/trainer.js` with `mode: 'inspect'`) loads the
 * run's weights and data set, then answers each pick with feature maps, and each inspection (the
 * user's own image, a filter's arithmetic, saliency) with its answer. One per dashboard, started
 * lazily, stopped when the dashboard closes or after a while without picks (it holds the data set
 * in memory). No vscode import: the dashboard hands in how to launch and what to do with answers.
 */
import type { WireError } from '../shared/errors';
import type {
  DatasetMessage, DoneMessage, ExplanationMessage, FeatureMapsMessage, InspectFailedMessage, InspectRequest, LogMessage, ProgressMessage,
  SaliencyMessage, TrainerMessage,
} from '../shared/trainerProtocol';

/** The part of `TrainerClient` the inspector uses. */
export interface InspectClient {
  onMessage(listener: (m: TrainerMessage) => void): { dispose(): void };
  requestFeatureMaps(sampleIndex: number): void;
  inspect(request: Omit<InspectRequest, 'type'>): void;
  dispose(): void;
  readonly done: Promise<DoneMessage>;
  readonly failure: WireError | undefined;
}

export interface InspectorEvents {
  /** A line of the process's log (which weights it loaded, warnings). */
  log(m: LogMessage): void;
  /** The process reports a long step (loading the data set, unpacking). */
  progress(m: ProgressMessage): void;
  /** The data set is loaded: its size bounds the valid picks. */
  dataset(m: DatasetMessage): void;
  /** The answer to a pick (or the first sample, right after loading). */
  featureMaps(m: FeatureMapsMessage): void;
  /**
   * A pending pick will not be answered: the process reported `error`, or (undefined) it ended
   * without saying why.
   */
  failed(error: WireError | undefined): void;
  /** The answer to an inspection (feature maps of the own image carry its `requestId`). */
  inspected(m: FeatureMapsMessage | ExplanationMessage | SaliencyMessage | InspectFailedMessage): void;
  /** Inspections asked for will not be answered: the process ended (with `error`, or without a word). */
  inspectionsLost(error: WireError | undefined): void;
  /** A process was started (true) or has ended or been let go (false); not called after `dispose`. */
  running(up: boolean): void;
}

/** How long an idle inspection process is kept for the next pick. */
const INSPECTOR_IDLE_MS = 5 * 60_000;

export interface Timers {
  setTimeout(f: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realTimers: Timers = {
  setTimeout: (f, ms) => { const t = setTimeout(f, ms); t.unref?.(); return t; },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export class SampleInspector {
  private client: InspectClient | undefined;
  private subscription: { dispose(): void } | undefined;
  /** True once the process has sent feature maps, i.e. it listens to requests. */
  private answering = false;
  /** The sample the user wants and has not seen yet. */
  private wanted: number | null = null;
  /** The sample last asked of the process (the trainer clamps an index past the test set). */
  private asked: number | null = null;
  private failureReported = false;
  /** Inspections not sent yet (the process answers requests once it has shown its first sample). */
  private queued: Omit<InspectRequest, 'type'>[] = [];
  /** Inspections sent and not answered yet. */
  private readonly outstanding = new Set<number>();
  private idleTimer: unknown;
  private disposed = false;
  /** How many processes this inspector has launched (for the log and tests). */
  launches = 0;

  constructor(
    /** Launches the inspection process with `featureSample` as the first sample to show. */
    private readonly launch: (featureSample: number) => InspectClient,
    private readonly events: InspectorEvents,
    private readonly idleMs: number = INSPECTOR_IDLE_MS,
    private readonly timers: Timers = realTimers,
  ) {}

  /** True while an inspection process is up (starting or answering). */
  get running(): boolean { return this.client !== undefined; }

  /** Asks for a sample's feature maps; starts the process on the first call (and after it ended). */
  request(sampleIndex: number): void {
    if (this.disposed) return;
    this.wanted = sampleIndex;
    this.disarmIdle();
    if (this.client === undefined) {
      this.start(sampleIndex);
      return;
    }
    // Before its first answer the process has not taken requests yet; the answer triggers this one.
    if (this.answering) this.ask(this.client, sampleIndex);
  }

  /**
   * Asks an inspection; starts the process on the first call (showing `featureSample` first, the
   * sample on screen), and sends it once the process listens.
   */
  inspect(request: Omit<InspectRequest, 'type'>, featureSample: number): void {
    if (this.disposed) return;
    this.disarmIdle();
    this.queued.push(request);
    if (this.client === undefined) this.start(featureSample);
    else if (this.answering) this.flush(this.client);
  }

  private flush(client: InspectClient): void {
    for (const r of this.queued.splice(0)) {
      this.outstanding.add(r.requestId);
      client.inspect(r);
    }
  }

  private ask(client: InspectClient, sampleIndex: number): void {
    this.asked = sampleIndex;
    client.requestFeatureMaps(sampleIndex);
  }

  private start(sampleIndex: number): void {
    const client = this.launch(sampleIndex);
    this.launches++;
    this.client = client;
    this.answering = false;
    this.failureReported = false;
    this.asked = sampleIndex;
    this.subscription = client.onMessage((m) => { if (this.client === client) this.onMessage(client, m); });
    void client.done.then(() => { if (this.client === client) this.ended(client); });
    this.events.running(true);
  }

  private onMessage(client: InspectClient, m: TrainerMessage): void {
    switch (m.type) {
      case 'progress':
        this.events.progress(m);
        break;
      case 'log':
        this.events.log(m);
        break;
      case 'dataset':
        this.events.dataset(m);
        break;
      case 'explanation':
      case 'saliency':
      case 'inspectFailed':
        this.inspectionAnswered(m);
        break;
      case 'featureMaps':
        if (m.requestId !== undefined) { this.inspectionAnswered(m); break; }
        this.answering = true;
        this.flush(client);
        this.events.featureMaps(m);
        // A later pick that is not asked yet is asked now; anything else is the answer (possibly
        // clamped by the trainer to the last test sample), so nothing is pending any more.
        if (this.wanted !== null && this.wanted !== m.sampleIndex && this.wanted !== this.asked) this.ask(client, this.wanted);
        else this.wanted = null;
        this.armIdleWhenDone();
        break;
      case 'error':
        this.reportFailure(m.error);
        break;
      case 'done':
        this.ended(client);
        break;
      default:
        break;
    }
  }

  private inspectionAnswered(m: FeatureMapsMessage | ExplanationMessage | SaliencyMessage | InspectFailedMessage): void {
    if (m.requestId !== undefined) this.outstanding.delete(m.requestId);
    this.events.inspected(m);
    this.armIdleWhenDone();
  }

  /** Nothing is waiting for the process any more: let it go after the idle time. */
  private armIdleWhenDone(): void {
    if (this.wanted === null && this.outstanding.size === 0 && this.queued.length === 0) this.armIdle();
  }

  private reportFailure(error: WireError | undefined): void {
    if (this.failureReported) return;
    this.failureReported = true;
    this.wanted = null;
    this.events.failed(error);
  }

  /** The process has ended (done, crash, stop): a pick still waiting is reported as failed. */
  private ended(client: InspectClient): void {
    if (this.client !== client) return;
    if (this.wanted !== null) {
      this.reportFailure(client.failure);
    }
    if (this.outstanding.size > 0 || this.queued.length > 0) {
      this.outstanding.clear();
      this.queued = [];
      this.events.inspectionsLost(client.failure);
    }
    this.release();
  }

  private release(): void {
    this.disarmIdle();
    this.subscription?.dispose();
    this.subscription = undefined;
    const client = this.client;
    this.client = undefined;
    this.answering = false;
    // Asks a live process to stop (then kills it after a grace time); drops its listeners.
    client?.dispose();
    if (client !== undefined && !this.disposed) this.events.running(false);
  }

  private armIdle(): void {
    this.disarmIdle();
    this.idleTimer = this.timers.setTimeout(() => { this.idleTimer = undefined; this.release(); }, this.idleMs);
  }

  private disarmIdle(): void {
    if (this.idleTimer !== undefined) this.timers.clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.wanted = null;
    this.queued = [];
    this.outstanding.clear();
    this.release();
  }
}
