/**
 * Comparison webview panels, one per experiment folder: the variants' curves overlaid and the
 * experiment's tables (webview/comparison). The state is read from experiment.json and the
 * variants' run folders (src/host/experiment.ts `readComparison`), with the training variant's
 * epochs from its live run, and sent whole on `ready`, on becoming visible and after each change.
 * Panels survive a window reload through a serializer that remembers the experiment folder.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readComparison, readExperiment } from '../host/experiment';
import { isComparisonToHostMessage, type HostToComparisonMessage } from '../shared/comparison';
import { webviewOptions } from './dashboardPanels';
import { experimentTitle, type ExperimentService } from './experiments';
import { buildWebviewHtml, makeNonce } from './webviewHtml';

const COMPARISON_VIEW_TYPE = 'cnnLab.comparison';

function html(webview: vscode.Webview, extensionUri: vscode.Uri, title: string): string {
  const uri = (...p: string[]): string => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p)).toString();
  return buildWebviewHtml({
    cspSource: webview.cspSource, nonce: makeNonce(), scriptUri: uri('dist', 'webview', 'comparison.js'),
    styleUris: [uri('dist', 'webview', 'comparison.css'), uri('media', 'webview.css'), uri('media', 'comparison.css')],
    title, lang: vscode.env.language, app: 'comparison',
  });
}

class ComparisonPanel implements vscode.Disposable {
  private ready = false;
  private stale = false;
  private sending = false;
  private again = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly panel: vscode.WebviewPanel, readonly dir: string, private readonly owner: ComparisonPanels) {
    panel.iconPath = vscode.Uri.joinPath(owner.extensionUri, 'media', 'cnn-lab.svg');
    panel.webview.options = webviewOptions(owner.extensionUri);
    panel.webview.html = html(panel.webview, owner.extensionUri, panel.title);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      panel.onDidChangeViewState(() => { if (panel.visible && this.stale) this.refresh(); }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  private onMessage(raw: unknown): void {
    if (!isComparisonToHostMessage(raw)) {
      this.owner.log.warn(`[comparison] ignored a message outside the protocol: ${JSON.stringify(raw).slice(0, 200)}`);
      return;
    }
    switch (raw.type) {
      case 'ready':
        this.ready = true;
        this.refresh();
        break;
      case 'openRun':
        void vscode.commands.executeCommand('cnnLab.openDashboard', raw.runDir);
        break;
      case 'stopExperiment':
        void this.owner.experiments.stop(this.dir);
        break;
      case 'resumeExperiment':
        void vscode.commands.executeCommand('cnnLab.resumeExperiment', this.dir);
        break;
      case 'webviewError':
        this.owner.log.error(`[comparison] ${raw.message}`);
        break;
    }
  }

  /** Reads the comparison again and sends it (one read at a time; a change meanwhile reads once more). */
  refresh(): void {
    if (!this.ready) return;
    if (!this.panel.visible) { this.stale = true; return; }
    this.stale = false;
    if (this.sending) { this.again = true; return; }
    this.sending = true;
    void readComparison(this.dir, (runDir) => this.owner.experiments.live(runDir)).then((state) => {
      const message: HostToComparisonMessage = { type: 'comparisonState', state, l10n: vscode.l10n.bundle ?? null };
      this.lastState = state;
      return this.panel.webview.postMessage(message);
    }).catch((err: unknown) => {
      this.owner.log.warn(`[comparison] could not read ${this.dir}: ${err instanceof Error ? err.message : String(err)}`);
    }).finally(() => {
      this.sending = false;
      if (this.again) { this.again = false; this.refresh(); }
    });
  }

  /** What the page was last sent (for tests through the extension's API). */
  lastState: HostToComparisonMessage['state'] | undefined;

  reveal(): void { this.panel.reveal(undefined, false); }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
    this.owner.forget(this);
    this.panel.dispose();
  }
}

/** All open comparisons; opens, reveals and restores them. */
export class ComparisonPanels implements vscode.Disposable, vscode.WebviewPanelSerializer<{ experimentDir?: unknown }> {
  private readonly panels = new Map<string, ComparisonPanel>();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(readonly extensionUri: vscode.Uri, readonly experiments: ExperimentService, readonly log: vscode.LogOutputChannel) {
    this.disposables.push(
      vscode.window.registerWebviewPanelSerializer(COMPARISON_VIEW_TYPE, this),
      experiments.onDidChange((dir) => this.panels.get(key(dir))?.refresh()),
    );
  }

  /** Opens (or reveals) the comparison of an experiment folder; throws when it holds no experiment. */
  open(dir: string, preserveFocus = false): void {
    const existing = this.panels.get(key(dir));
    if (existing !== undefined) { existing.reveal(); return; }
    const record = readExperiment(dir);
    if (record === null) throw new Error(vscode.l10n.t('{0} holds no experiment (experiment.json is missing or damaged).', dir));
    const panel = vscode.window.createWebviewPanel(
      COMPARISON_VIEW_TYPE, vscode.l10n.t('{0}: {1}', experimentTitle(record.kind), record.name),
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus }, { ...webviewOptions(this.extensionUri), retainContextWhenHidden: false },
    );
    this.panels.set(key(dir), new ComparisonPanel(panel, key(dir), this));
  }

  /** The state the open comparison of an experiment last sent its page. */
  shown(dir: string): HostToComparisonMessage['state'] | undefined {
    return this.panels.get(key(dir))?.lastState;
  }

  deserializeWebviewPanel(panel: vscode.WebviewPanel, state: { experimentDir?: unknown } | undefined): Promise<void> {
    const dir = typeof state?.experimentDir === 'string' ? state.experimentDir : undefined;
    if (dir === undefined || readExperiment(dir) === null) { panel.dispose(); return Promise.resolve(); }
    this.panels.set(key(dir), new ComparisonPanel(panel, key(dir), this));
    return Promise.resolve();
  }

  forget(p: ComparisonPanel): void {
    if (this.panels.get(key(p.dir)) === p) this.panels.delete(key(p.dir));
  }

  dispose(): void {
    for (const p of [...this.panels.values()]) p.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function key(dir: string): string {
  return path.resolve(dir);
}
