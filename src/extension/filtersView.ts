/**
 * The "Filters" webview view in the CNN Lab side bar: the conv kernels of the training run, or of
 * the run the user last opened or chose. Follows the run's `filters` messages (one per epoch). A
 * filter's Explain opens the run's dashboard on that filter's arithmetic.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readRun, listRuns } from '../host/runStore';
import type { FiltersMessage } from '../shared/trainerProtocol';
import { isFiltersToHostMessage, type HostToFiltersMessage } from '../shared/webviewProtocol';
import type { DashboardRunInfo } from '../shared/webviewProtocol';
import { webviewHtml, webviewOptions, summarizeModelText } from './dashboardPanels';
import type { TrainingService } from './trainingService';
import type { RunLocations } from './runLocations';
import { DashboardModel, filtersState } from './dashboardModel';
import { statusLabel } from './runLabels';

export const FILTERS_VIEW_ID = 'cnnLab.filters';

export class FiltersViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private ready = false;
  /** The run shown when none is training. */
  private selectedDir: string | undefined;
  private shown: { info: DashboardRunInfo; filters: FiltersMessage | null } | undefined;
  private runSub: vscode.Disposable | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly training: TrainingService,
    private readonly log: vscode.LogOutputChannel,
    private readonly locations: RunLocations,
    /** Shows a filter's arithmetic in the run's dashboard (the Explain button of a filter). */
    private readonly explain: (runDir: string, layerIndex: number, filter: number) => Promise<void>,
  ) {
    this.disposables.push(
      training.onDidStart((run) => {
        this.runSub?.dispose();
        this.shown = { info: run.model.runInfo, filters: run.model.latestFilters };
        this.runSub = run.onFilters((f) => { this.shown = { info: run.model.runInfo, filters: f }; this.send(); });
        this.send();
      }),
      training.onDidEnd(({ run }) => {
        this.runSub?.dispose();
        this.runSub = undefined;
        this.selectedDir = run.runDir;
        this.shown = { info: run.model.runInfo, filters: run.model.latestFilters };
        this.send();
      }),
    );
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    view.webview.options = webviewOptions(this.extensionUri);
    view.webview.html = webviewHtml(view.webview, this.extensionUri, 'filters', vscode.l10n.t('Filters'));
    this.disposables.push(
      view.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      view.onDidChangeVisibility(() => { if (view.visible) this.send(); }),
      view.onDidDispose(() => { this.view = undefined; this.ready = false; }),
    );
  }

  /** Whether the view is on screen, and the run it shows. */
  shownRun(): { readonly visible: boolean; readonly runDir: string | undefined } {
    return { visible: this.view?.visible === true, runDir: this.shown?.info.runDir };
  }

  /** Shows a run chosen elsewhere (runs view, dashboard focus), unless another is training. */
  async showRun(runDir: string): Promise<void> {
    this.selectedDir = runDir;
    if (this.training.active !== undefined) return;
    await this.load(runDir);
    this.send();
  }

  private async load(runDir: string): Promise<void> {
    try {
      const model = DashboardModel.fromRunData(await readRun(runDir), summarizeModelText);
      this.shown = { info: model.runInfo, filters: model.latestFilters };
    } catch (err) {
      this.log.warn(`[filters] could not read ${runDir}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  private async latestRunDir(): Promise<string | undefined> {
    for (const root of this.locations.roots()) {
      const runs = await listRuns(root).catch(() => []);
      const withFilters = runs.find((r) => r.epochsCompleted > 0);
      if (withFilters !== undefined) return withFilters.dir;
    }
    return undefined;
  }

  private onMessage(raw: unknown): void {
    if (!isFiltersToHostMessage(raw)) {
      this.log.warn(`[filters] ignored a message outside the protocol: ${JSON.stringify(raw).slice(0, 200)}`);
      return;
    }
    switch (raw.type) {
      case 'ready':
        this.ready = true;
        void this.initialise();
        break;
      case 'chooseRun':
        void this.chooseRun();
        break;
      case 'webviewError':
        this.log.error(`[filters] ${raw.message}`);
        break;
      case 'explainFilter': {
        const runDir = this.shown?.info.runDir;
        if (runDir !== undefined) {
          void this.explain(runDir, raw.layerIndex, raw.filter).catch((err: unknown) => {
            this.log.warn(`[filters] could not open the dashboard of ${runDir}: ${err instanceof Error ? err.message : String(err)}`);
          });
        }
        break;
      }
    }
  }

  private async initialise(): Promise<void> {
    const live = this.training.active;
    if (live !== undefined) {
      this.shown = { info: live.model.runInfo, filters: live.model.latestFilters };
    } else if (this.shown === undefined) {
      const dir = this.selectedDir ?? (await this.latestRunDir());
      if (dir !== undefined) await this.load(dir);
    }
    this.send();
  }

  private async chooseRun(): Promise<void> {
    const items: (vscode.QuickPickItem & { dir: string })[] = [];
    for (const root of this.locations.roots()) {
      for (const r of await listRuns(root).catch(() => [])) {
        items.push({ label: r.name, description: `${r.dataset ?? ''} · ${statusLabel(r.status)}`, detail: path.basename(r.dir), dir: r.dir });
      }
    }
    if (items.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('No runs yet. Train a model first.'));
      return;
    }
    const pick = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Show the filters of which run?') });
    if (pick !== undefined) {
      this.selectedDir = pick.dir;
      await this.load(pick.dir);
      this.send();
    }
  }

  private send(): void {
    if (this.view === undefined || !this.ready || !this.view.visible) return;
    const state = this.shown !== undefined ? filtersState(this.shown.info, this.shown.filters) : null;
    const emptyText = this.shown === undefined
      ? vscode.l10n.t('No run yet. Train a model to see its convolution filters here.')
      : vscode.l10n.t('{0} has no filters yet: they appear after the first epoch.', this.shown.info.name);
    const message: HostToFiltersMessage = { type: 'filtersState', state, emptyText, l10n: vscode.l10n.bundle ?? null };
    void this.view.webview.postMessage(message);
  }

  dispose(): void {
    this.runSub?.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
