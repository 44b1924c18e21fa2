/**
 * Dashboard webview panels, one per run folder. A panel shows the live `DashboardModel` of the
 * running trainer, or one rebuilt from the run folder. It gets a full snapshot on `ready`, when it
 * becomes visible again and on `resync`; while visible, each change is a numbered append. Panels
 * survive a window reload through a serializer that remembers the run folder. Sample picks go to
 * the run's trainer while it trains, else to the panel's own inspection process (SampleInspector).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { MODEL_FILE, listHistoryEpochs, readHistoryEntry, readRun, listRuns } from '../host/runStore';
import type { WireError } from '../shared/errors';
import type { InspectSubject, InspectWhat } from '../shared/trainerProtocol';
import {
  isDashboardToHostMessage,
  type ComparisonRun,
  type DashboardFocus,
  type DashboardShownMessage,
  type DashboardSnapshot,
  type DashboardUpdate,
  type HostToDashboardMessage,
} from '../shared/webviewProtocol';
import { SampleInspector } from './sampleInspector';
import { OwnInputFollower } from './ownInputFollower';
import { DashboardModel, SequenceCounter, epochsOf, summarizeModelText } from './dashboardModel';

export { summarizeModelText };
import { buildWebviewHtml, makeNonce } from './webviewHtml';
import type { TrainingService } from './trainingService';
import type { RunLocations } from './runLocations';

const DASHBOARD_VIEW_TYPE = 'cnnLab.dashboard';

/** How many other runs the comparison overlay offers (newest first). */
const MAX_COMPARISONS = 8;

/** Webview options shared by both webviews: scripts on, resources only from dist/webview and media. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    enableCommandUris: false,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

export function webviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, app: 'dashboard' | 'filters', title: string): string {
  const uri = (...p: string[]): string => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p)).toString();
  const styles = [uri('media', 'webview.css'), uri('media', `${app}.css`)];
  if (app === 'dashboard') styles.unshift(uri('dist', 'webview', 'dashboard.css'));
  return buildWebviewHtml({
    cspSource: webview.cspSource,
    nonce: makeNonce(),
    scriptUri: uri('dist', 'webview', `${app}.js`),
    styleUris: styles,
    title,
    lang: vscode.env.language,
    app,
  });
}

class DashboardPanel implements vscode.Disposable {
  private readonly seq = new SequenceCounter();
  private readonly disposables: vscode.Disposable[] = [];
  private runSubscription: vscode.Disposable | undefined;
  private ready = false;
  /** A change happened while hidden: send a snapshot when visible again. */
  private stale = false;
  private model: DashboardModel;
  /** Answers sample picks once no trainer serves the run; started on the first such pick. */
  private inspector: SampleInspector | undefined;
  /** What the page last reported drawing. */
  lastShown: DashboardShownMessage | undefined;
  /** A part to show once the page is ready (asked for before it was). */
  private pendingFocus: DashboardFocus | undefined;
  /** The user's own image, asked about again as the run trains. */
  private readonly ownInput = new OwnInputFollower();

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly runDir: string,
    model: DashboardModel,
    private readonly owner: DashboardPanels,
  ) {
    this.model = model;
    panel.iconPath = vscode.Uri.joinPath(owner.extensionUri, 'media', 'cnn-lab.svg');
    panel.webview.options = webviewOptions(owner.extensionUri);
    panel.webview.html = webviewHtml(panel.webview, owner.extensionUri, 'dashboard', panel.title);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      panel.onDidChangeViewState(() => {
        if (panel.visible && this.stale) this.sendSnapshot();
        if (panel.active) owner.focused(this.runDir);
      }),
      panel.onDidDispose(() => this.dispose()),
    );
    const live = owner.training.activeFor(runDir);
    if (live !== undefined) this.attach(live.model, live.onUpdate);
  }

  /** The model's name (the spec's `name`) of the run shown. */
  get modelName(): string { return this.model.runInfo.name; }

  /** What the page is sent on its next snapshot. */
  state(): DashboardSnapshot { return this.model.snapshot(); }

  /** A message from the page (or, in tests, one made as the page makes it). */
  receive(raw: unknown): void { this.onMessage(raw); }

  /** Follows a live run (also when a run shown from disk is resumed). */
  attach(model: DashboardModel, onUpdate: vscode.Event<DashboardUpdate>): void {
    this.runSubscription?.dispose();
    // The run's own trainer answers picks now.
    this.inspector?.dispose();
    this.inspector = undefined;
    this.model = model;
    this.runSubscription = onUpdate((u) => {
      this.post(u);
      // The epoch's weights are in: the own image's prediction and maps follow them.
      if (u.kind === 'epoch') this.refreshOwnInput(this.ownInput.afterEpoch());
    });
    this.sendSnapshot();
  }

  /** The run's trainer has ended: an own image still showing an earlier epoch is answered from the stored weights. */
  trainingEnded(): void {
    const last = this.model.epochPoints[this.model.epochPoints.length - 1]?.epoch ?? 0;
    this.refreshOwnInput(this.ownInput.afterRun(this.model.snapshot().ownInput, last));
  }

  private refreshOwnInput(subject: InspectSubject | null): void {
    if (subject === null) return;
    this.owner.log.debug(`[dashboard] asking about the own image again (${this.owner.training.activeFor(this.runDir) !== undefined ? 'the training model' : 'the stored weights'})`);
    this.inspect(subject, { kind: 'featureMaps' });
  }

  private onMessage(raw: unknown): void {
    if (!isDashboardToHostMessage(raw)) {
      this.owner.log.warn(`[dashboard] ignored a message outside the protocol: ${JSON.stringify(raw).slice(0, 200)}`);
      return;
    }
    switch (raw.type) {
      case 'ready':
        this.ready = true;
        this.sendSnapshot();
        this.refreshComparisons();
        if (this.pendingFocus !== undefined) this.focus(this.pendingFocus);
        break;
      case 'inspect':
        this.inspect(raw.subject, raw.what);
        break;
      case 'requestHistory':
        void this.sendHistory(raw.epoch);
        break;
      case 'resync':
        this.sendSnapshot();
        break;
      case 'requestFeatureMaps':
        this.pick(raw.sampleIndex);
        break;
      case 'shown':
        this.lastShown = raw;
        break;
      case 'stopTraining':
        void this.owner.training.stop(this.runDir);
        break;
      case 'webviewError':
        this.owner.log.error(`[dashboard] ${raw.message}`);
        break;
    }
  }

  /** A test sample picked in the page (or by `CnnLabApi.pickSample`): its feature maps are fetched and shown. */
  pick(sampleIndex: number): void {
    const info = this.model.runInfo;
    const fail = (error: string): void => { this.post(this.model.setSamplePick({ pending: null, progress: null, error })); };
    if (info.testCount !== null && sampleIndex >= info.testCount) {
      fail(vscode.l10n.t('There is no test sample {0}: the test set has {1} samples, numbered 0 to {2}.', sampleIndex, info.testCount, info.testCount - 1));
      return;
    }
    const live = this.owner.training.activeFor(this.runDir);
    if (live !== undefined) {
      this.post(this.model.setSamplePick({ pending: sampleIndex, progress: null, error: null }));
      live.client.requestFeatureMaps(sampleIndex);
      return;
    }
    if (!info.inspectable) {
      fail(vscode.l10n.t('This run has no trained weights yet: samples can be picked after its first epoch.'));
      return;
    }
    if (!vscode.workspace.isTrusted) {
      fail(vscode.l10n.t("Picking samples of a finished run is disabled in untrusted workspaces: it runs a process that loads the run's weights and data set. Trust the workspace to pick samples."));
      return;
    }
    const starting = this.inspector?.running !== true;
    this.post(this.model.setSamplePick({
      pending: sampleIndex, error: null,
      progress: starting ? vscode.l10n.t("Loading the run's weights and data set…") : null,
    }));
    try {
      this.inspectorFor().request(sampleIndex);
    } catch (err) {
      this.owner.log.error(`[inspect] ${this.runDir}: ${err instanceof Error ? err.message : String(err)}`);
      fail(errorText(err));
    }
  }

  /** Shows a part of the page (e.g. a filter's arithmetic asked for in the Filters view). */
  focus(focus: DashboardFocus): void {
    if (!this.ready) { this.pendingFocus = focus; return; }
    this.pendingFocus = undefined;
    this.post({ kind: 'focus', focus });
  }

  /**
   * An inspection asked for in the page: relayed to the run's trainer while it trains, else to the
   * inspection process (started on demand). Answers come back through the model as updates.
   */
  inspect(subject: InspectSubject, what: InspectWhat): void {
    this.ownInput.asked(subject, what);
    const info = this.model.runInfo;
    const fail = (error: string): void => { this.post(this.model.inspectFailed(error)); };
    if (subject.kind === 'test' && info.testCount !== null && subject.index >= info.testCount) {
      fail(vscode.l10n.t('There is no test sample {0}: the test set has {1} samples, numbered 0 to {2}.', subject.index, info.testCount, info.testCount - 1));
      return;
    }
    const live = this.owner.training.activeFor(this.runDir);
    if (live !== undefined) {
      const { requestId, update } = this.model.inspectAsked(what);
      this.post(update);
      live.client.inspect({ requestId, subject, what });
      return;
    }
    if (!info.inspectable) {
      fail(vscode.l10n.t('This run has no trained weights yet: its model can be asked after its first epoch.'));
      return;
    }
    if (!vscode.workspace.isTrusted) {
      fail(vscode.l10n.t("Asking the model of a finished run is disabled in untrusted workspaces: it runs a process that loads the run's weights and data set. Trust the workspace to ask it."));
      return;
    }
    const { requestId, update } = this.model.inspectAsked(what);
    this.post(update);
    try {
      this.inspectorFor().inspect({ requestId, subject, what }, this.model.shownSample ?? 0);
    } catch (err) {
      this.owner.log.error(`[inspect] ${this.runDir}: ${err instanceof Error ? err.message : String(err)}`);
      this.post(this.model.inspectFailed(errorText(err), requestId));
    }
  }

  /** One epoch's pictures from the run folder, for the epoch slider. */
  private async sendHistory(epoch: number): Promise<void> {
    const entry = await readHistoryEntry(this.runDir, epoch);
    if (entry !== null) { this.post({ kind: 'historyEntry', entry }); return; }
    // Thinned away (or never written): tell the page which epochs there are.
    this.post(this.model.setHistoryEpochs(await listHistoryEpochs(this.runDir)));
  }

  private inspectorFor(): SampleInspector {
    this.inspector ??= new SampleInspector(
      (featureSample) => this.owner.training.launchInspector(this.runDir, readFileSync(path.join(this.runDir, MODEL_FILE), 'utf8'), featureSample),
      {
        log: (m) => {
          const line = `[inspect] ${m.message}`;
          if (m.level === 'error') this.owner.log.error(line);
          else if (m.level === 'warn') this.owner.log.warn(line);
          else this.owner.log.info(line);
        },
        progress: (m) => {
          const pct = m.fraction !== null ? ` ${Math.round(m.fraction * 100)}%` : '';
          this.post(this.model.setSamplePick({ progress: `${m.task}${pct}${m.detail !== undefined ? ` — ${m.detail}` : ''}` }));
        },
        dataset: (m) => {
          for (const u of this.model.apply(m)) this.post(u);
          // The trainer clamps a pick past the test set; say so instead of showing another sample silently.
          const pending = this.model.samplePickState.pending;
          if (pending !== null && pending >= m.testCount) {
            this.post(this.model.setSamplePick({
              pending: null, progress: null,
              error: vscode.l10n.t('There is no test sample {0}: the test set has {1} samples, numbered 0 to {2}.', pending, m.testCount, m.testCount - 1),
            }));
          }
        },
        featureMaps: (m) => { for (const u of this.model.showFeatureMaps(m)) this.post(u); },
        running: (up) => { this.post(this.model.setSamplePick({ inspectorRunning: up })); },
        inspected: (m) => { for (const u of this.model.apply(m)) this.post(u); },
        inspectionsLost: (error) => {
          this.owner.log.error(`[inspect] ${this.runDir}: ${error !== undefined ? `${error.code}: ${error.message}` : 'ended without answering'}`);
          this.post(this.model.inspectFailed(error !== undefined ? wireText(error)
            : vscode.l10n.t('The inspection process ended before it answered. See the CNN Lab output for its log, then ask again.')));
        },
        failed: (error) => {
          this.owner.log.error(`[inspect] ${this.runDir}: ${error !== undefined ? `${error.code}: ${error.message}` : 'ended without answering'}`);
          this.post(this.model.setSamplePick({
            pending: null, progress: null,
            error: error !== undefined ? wireText(error)
              : vscode.l10n.t('The inspection process ended before it showed the sample. See the CNN Lab output for its log, then pick the sample again.'),
          }));
        },
      },
    );
    return this.inspector;
  }

  /** Other runs may have finished: offer their curves for comparison. */
  refreshComparisons(): void {
    if (!this.ready) return;
    void this.owner.comparisonsFor(this.runDir).then((c) => this.post(this.model.setComparisons(c)));
  }

  private sendSnapshot(): void {
    if (!this.ready) return;
    if (!this.panel.visible) { this.stale = true; return; }
    this.stale = false;
    const seq = this.seq.next();
    const message: HostToDashboardMessage = { type: 'snapshot', seq, snapshot: this.model.snapshot(), l10n: vscode.l10n.bundle ?? null };
    void this.panel.webview.postMessage(message);
  }

  private post(update: DashboardUpdate): void {
    if (!this.ready) return;
    if (!this.panel.visible) { this.stale = true; return; }
    if (this.stale) { this.sendSnapshot(); return; }
    const message: HostToDashboardMessage = { type: 'append', seq: this.seq.next(), update };
    void this.panel.webview.postMessage(message);
  }

  reveal(): void {
    this.panel.reveal(undefined, true);
  }

  dispose(): void {
    this.runSubscription?.dispose();
    this.inspector?.dispose();
    this.inspector = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.owner.forget(this);
    this.panel.dispose();
  }
}

/** All open dashboards; opens, reveals and restores them. */
export class DashboardPanels implements vscode.Disposable, vscode.WebviewPanelSerializer<{ runDir?: unknown }> {
  private readonly panels = new Map<string, DashboardPanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private readonly focusEmitter = new vscode.EventEmitter<string>();
  /** The run of the dashboard the user last focused. */
  readonly onDidFocusRun = this.focusEmitter.event;

  constructor(
    readonly extensionUri: vscode.Uri,
    readonly training: TrainingService,
    readonly log: vscode.LogOutputChannel,
    /** Where runs live, for the comparison overlay. */
    private readonly locations: RunLocations,
  ) {
    this.disposables.push(
      vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, this),
      training.onDidStart((run) => this.panels.get(key(run.runDir))?.attach(run.model, run.onUpdate)),
      training.onDidEnd(({ run }) => {
        this.panels.get(key(run.runDir))?.trainingEnded();
        for (const p of this.panels.values()) p.refreshComparisons();
      }),
    );
  }

  /** Picks a test sample in the open dashboard of a run, as the page's picker does; false when none is open. */
  pickSample(runDir: string, sampleIndex: number): boolean {
    const p = this.panels.get(key(runDir));
    if (p === undefined) return false;
    p.pick(sampleIndex);
    return true;
  }

  /** Opens the dashboard of a run and shows one filter's arithmetic there (the Filters view's Explain). */
  async explainFilter(runDir: string, layerIndex: number, filter: number): Promise<void> {
    await this.open(runDir, false);
    this.panels.get(key(runDir))?.focus({ kind: 'explain', layerIndex, filter });
  }

  /** Whether the dashboard of a run is open and visible. */
  isVisible(runDir: string): boolean {
    return this.panels.get(key(runDir))?.panel.visible === true;
  }

  /** What the open dashboard of a run last reported drawing. */
  shown(runDir: string): DashboardShownMessage | undefined {
    return this.panels.get(key(runDir))?.lastShown;
  }

  /** Hands a message to the open dashboard of a run as if its page had posted it; false when none is open. */
  receiveFromPage(runDir: string, message: unknown): boolean {
    const p = this.panels.get(key(runDir));
    p?.receive(message);
    return p !== undefined;
  }

  /** What the open dashboard of a run holds to draw (the snapshot its page gets). */
  state(runDir: string): DashboardSnapshot | undefined {
    return this.panels.get(key(runDir))?.state();
  }

  /**
   * Opens (or reveals) the dashboard of a run folder; reads the folder when no trainer serves it.
   * A new training takes the place of the dashboard of an earlier, finished run of the same model
   * (in its editor column), so training again does not pile up tabs of the same name.
   */
  async open(runDir: string, preserveFocus = true): Promise<void> {
    const existing = this.panels.get(key(runDir));
    if (existing !== undefined) { existing.reveal(); return; }
    const model = await this.modelFor(runDir);
    let column: vscode.ViewColumn = vscode.ViewColumn.Beside;
    if (this.training.activeFor(runDir) !== undefined) {
      const earlier = [...this.panels.values()].find((p) => p.modelName === model.runInfo.name && this.training.activeFor(p.runDir) === undefined);
      if (earlier !== undefined) {
        column = earlier.panel.viewColumn ?? column;
        earlier.dispose();
      }
    }
    const panel = vscode.window.createWebviewPanel(
      DASHBOARD_VIEW_TYPE,
      dashboardTitle(model.runInfo.name, model.runInfo.startedAt),
      { viewColumn: column, preserveFocus },
      { ...webviewOptions(this.extensionUri), retainContextWhenHidden: false },
    );
    this.adopt(panel, runDir, model);
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: { runDir?: unknown } | undefined): Promise<void> {
    const runDir = typeof state?.runDir === 'string' ? state.runDir : undefined;
    if (runDir === undefined) { panel.dispose(); return; }
    try {
      this.adopt(panel, runDir, await this.modelFor(runDir));
    } catch (err) {
      this.log.warn(`[dashboard] could not restore ${runDir}: ${err instanceof Error ? err.message : String(err)}`);
      panel.dispose();
    }
  }

  private adopt(panel: vscode.WebviewPanel, runDir: string, model: DashboardModel): void {
    const p = new DashboardPanel(panel, runDir, model, this);
    this.panels.set(key(runDir), p);
  }

  private async modelFor(runDir: string): Promise<DashboardModel> {
    const live = this.training.activeFor(runDir);
    if (live !== undefined) return live.model;
    return DashboardModel.fromRunData(await readRun(runDir), summarizeModelText);
  }

  /** Epoch curves of other runs under the same roots, newest first, for the overlay. */
  async comparisonsFor(runDir: string): Promise<ComparisonRun[]> {
    const out: ComparisonRun[] = [];
    for (const root of this.locations.roots()) {
      let entries;
      try { entries = await listRuns(root); } catch { continue; }
      for (const e of entries) {
        if (key(e.dir) === key(runDir) || e.epochsCompleted === 0 || out.length >= MAX_COMPARISONS) continue;
        try {
          const data = await readRun(e.dir);
          out.push({ runDir: e.dir, name: `${e.name} · ${e.runId.slice(0, 15)}`, epochs: epochsOf(data.metrics) });
        } catch { /* an unreadable run is simply not offered */ }
      }
    }
    return out;
  }

  focused(runDir: string): void { this.focusEmitter.fire(runDir); }

  forget(p: DashboardPanel): void {
    if (this.panels.get(key(p.runDir)) === p) this.panels.delete(key(p.runDir));
  }

  /** Closes the dashboard of a run (before its folder is deleted). */
  close(runDir: string): void {
    this.panels.get(key(runDir))?.dispose();
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
    this.focusEmitter.dispose();
  }
}

function wireText(e: WireError): string {
  return e.hint !== undefined ? `${e.message} ${e.hint}` : e.message;
}

function errorText(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && 'message' in err) return wireText(err as WireError);
  return err instanceof Error ? err.message : String(err);
}

/** "CNN Lab: mnist · 01:38", the run's start time telling runs of one model apart. */
function dashboardTitle(name: string, startedAt: string | null): string {
  const d = startedAt !== null ? new Date(startedAt) : null;
  const time = d !== null && !Number.isNaN(d.getTime()) ? d.toLocaleTimeString(vscode.env.language, { hour: '2-digit', minute: '2-digit', hour12: false }) : '';
  return time !== '' ? vscode.l10n.t('CNN Lab: {0} · {1}', name, time) : vscode.l10n.t('CNN Lab: {0}', name);
}

function key(dir: string): string {
  return path.resolve(dir);
}
