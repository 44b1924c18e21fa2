/**
 * Every CNN Lab command. Each works interactively (quick picks, dialogs) and non-interactively
 * with an argument object, so the CodeLens, the integration tests and other commands can call it.
 * Commands never await a notification: messages are fire-and-forget so a test never hangs on one.
 */
import { constants as fsConstants, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { datasetEdits, dropoutPlacementEdits, formatSummaryTable, type DropoutPlacement } from '../core/index';
import type { TextEdit } from '../core/types';
import { deleteRun, lastCheckpointEpoch, listRuns, readResumePlan, readRun, runsRoot, type RunListEntry } from '../host/runStore';
import { DATASETS } from '../shared/datasets';
import { BUILTIN_DATASETS, type BuiltinDatasetName } from '../shared/modelSpec';
import { BACKEND_CHOICES, type BackendChoice } from '../shared/trainerProtocol';
import { CnnLabError } from '../shared/errors';
import { settingId } from '../shared/settings';
import { probeBackends } from './backendProbe';
import type { NativeBackend } from './nativeBackend';
import { analyzeForUser } from './analysis';
import { currentSettings } from './config';
import { DashboardModel } from './dashboardModel';
import { summarizeModelText, type DashboardPanels } from './dashboardPanels';
import type { FiltersViewProvider } from './filtersView';
import { LANGUAGE_ID, type ModelLanguageClient } from './languageClient';
import { type RunItem, type RunsTreeProvider } from './runsView';
import { statusLabel } from './runLabels';
import type { TrainingService } from './trainingService';

export interface CommandDeps {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly lsp: ModelLanguageClient;
  readonly training: TrainingService;
  readonly dashboards: DashboardPanels;
  readonly filters: FiltersViewProvider;
  readonly runsTree: RunsTreeProvider;
  readonly summaries: SummaryDocuments;
  readonly native: NativeBackend;
}

/** Templates of New Model File: id → file under examples/. */
export const TEMPLATES = {
  mnist: 'mnist.cnn.yaml',
  cifar10: 'cifar10-alexnet.cnn.yaml',
  shapes: 'shapes-rgb.cnn.yaml',
} as const;
export type TemplateId = keyof typeof TEMPLATES;

export const DROPOUT_PLACEMENTS: readonly DropoutPlacement[] = ['none', 'afterFlatten', 'afterEveryDense', 'afterEveryConvBlock'];

interface TrainOverrides { epochs?: number; maxTrainSamples?: number; backend?: BackendChoice }

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !(v instanceof vscode.Uri) && !Array.isArray(v);

function overridesOf(a: unknown): TrainOverrides {
  if (!isObj(a)) return {};
  const o: TrainOverrides = {};
  if (Number.isInteger(a.epochs) && (a.epochs as number) > 0) o.epochs = a.epochs as number;
  if (Number.isInteger(a.maxTrainSamples) && (a.maxTrainSamples as number) > 0) o.maxTrainSamples = a.maxTrainSamples as number;
  if ((BACKEND_CHOICES as readonly unknown[]).includes(a.backend)) o.backend = a.backend as BackendChoice;
  return o;
}

/** A Uri from a command argument: a Uri, a URI string, a file path, or `{ uri }`. */
export function uriOf(a: unknown): vscode.Uri | undefined {
  if (a instanceof vscode.Uri) return a;
  if (typeof a === 'string' && a !== '') return /^[a-zA-Z][\w+.-]+:/.test(a) && !/^[a-zA-Z]:[\\/]/.test(a) ? vscode.Uri.parse(a) : vscode.Uri.file(a);
  if (isObj(a)) return uriOf(a.uri);
  return undefined;
}

/** A run folder from a command argument: a path, a Uri, a runs-view item or `{ runDir }`. */
function runDirOf(a: unknown): string | undefined {
  if (typeof a === 'string' && a !== '') return a;
  if (a instanceof vscode.Uri) return a.fsPath;
  if (isObj(a)) {
    if (typeof a.runDir === 'string') return a.runDir;
    const run = (a as Partial<RunItem>).run;
    if (run !== undefined && typeof run.dir === 'string') return run.dir;
  }
  return undefined;
}

/** A built-in data set's name in the user's language. */
export function datasetTitle(name: BuiltinDatasetName): string {
  const titles: Record<BuiltinDatasetName, string> = {
    mnist: vscode.l10n.t('MNIST handwritten digits'),
    'fashion-mnist': vscode.l10n.t('Fashion-MNIST'),
    cifar10: vscode.l10n.t('CIFAR-10'),
    shapes: vscode.l10n.t('Colour shapes (generated)'),
  };
  return titles[name];
}

function message(err: unknown): string {
  if (err instanceof CnnLabError) return err.hint !== undefined ? `${err.message} ${err.hint}` : err.message;
  return err instanceof Error ? err.message : String(err);
}

/** Read-only documents with a model's summary table (`cnn-lab-summary:` URIs). */
export class SummaryDocuments implements vscode.TextDocumentContentProvider {
  static readonly scheme = 'cnn-lab-summary';
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly texts = new Map<string, string>();

  show(name: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: SummaryDocuments.scheme, path: `/${name}.summary.txt` });
    this.texts.set(uri.toString(), text);
    this.changed.fire(uri);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? '';
  }
}

export class Commands {
  constructor(private readonly d: CommandDeps) {}

  register(): vscode.Disposable[] {
    const r = (id: string, f: (...args: unknown[]) => unknown): vscode.Disposable => vscode.commands.registerCommand(id, f);
    return [
      r('cnnLab.trainMnist', (a) => this.trainMnist(a)),
      r('cnnLab.trainModel', (a) => this.trainModel(a)),
      r('cnnLab.stopTraining', (a) => this.stopTraining(a)),
      r('cnnLab.resumeRun', (a) => this.resumeRun(a)),
      r('cnnLab.openDashboard', (a) => this.openDashboard(a)),
      r('cnnLab.showModelSummary', (a) => this.showModelSummary(a)),
      r('cnnLab.newModelFile', (a) => this.newModelFile(a)),
      r('cnnLab.exportModel', (a) => this.exportModel(a)),
      r('cnnLab.selectDataset', (a) => this.selectDataset(a)),
      r('cnnLab.configureDropout', (a) => this.configureDropout(a)),
      r('cnnLab.selectBackend', (a) => this.selectBackend(a)),
      r('cnnLab.setUpNative', () => this.d.native.setUp({ automatic: false })),
      r('cnnLab.refreshRuns', () => this.d.runsTree.refresh()),
      r('cnnLab.deleteRun', (a) => this.deleteRun(a)),
      r('cnnLab.revealRun', (a) => this.revealRun(a)),
      r('cnnLab.showFilters', (a) => this.showFilters(a)),
    ];
  }

  // ------------------------------------------------------------------ places

  /** Where scratch files and runs go when no folder is open. */
  scratchDir(): string {
    return vscode.Uri.joinPath(this.d.context.globalStorageUri, 'scratch').fsPath;
  }

  /** The runs folder for a model file (its workspace folder, else the first one, else scratch). */
  runsRootFor(uri?: vscode.Uri): string {
    const folder = (uri !== undefined ? vscode.workspace.getWorkspaceFolder(uri) : undefined) ?? vscode.workspace.workspaceFolders?.[0];
    const base = folder?.uri.fsPath ?? this.scratchDir();
    return runsRoot(base, currentSettings(folder?.uri).runsFolder);
  }

  /** Every runs folder the views list: one per workspace folder, then the scratch one. */
  runRoots(): string[] {
    const roots = (vscode.workspace.workspaceFolders ?? []).map((f) => runsRoot(f.uri.fsPath, currentSettings(f.uri).runsFolder));
    roots.push(runsRoot(this.scratchDir(), currentSettings().runsFolder));
    return [...new Set(roots)];
  }

  private requireTrust(): boolean {
    if (vscode.workspace.isTrusted) return true;
    const manage = vscode.l10n.t('Manage Workspace Trust');
    void vscode.window.showWarningMessage(
      vscode.l10n.t('Training is disabled in untrusted workspaces: it reads data sets and runs a training process on files of this workspace. Trust the workspace to train.'),
      manage,
    ).then((pick) => { if (pick === manage) void vscode.commands.executeCommand('workbench.trust.manage'); });
    return false;
  }

  private showError(err: unknown): void {
    this.d.log.error(err instanceof Error && err.stack !== undefined ? err.stack : message(err));
    const showLog = vscode.l10n.t('Show Log');
    void vscode.window.showErrorMessage(message(err), showLog).then((p) => { if (p === showLog) this.d.log.show(true); });
  }

  private async modelDocument(a: unknown): Promise<vscode.TextDocument | undefined> {
    const uri = uriOf(a);
    if (uri !== undefined) return vscode.workspace.openTextDocument(uri);
    const active = vscode.window.activeTextEditor?.document;
    if (active !== undefined && (active.languageId === LANGUAGE_ID || /\.cnn\.ya?ml$/.test(active.fileName))) return active;
    const files = await vscode.workspace.findFiles('**/*.cnn.{yaml,yml}', '**/node_modules/**', 50);
    if (files.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('Open a *.cnn.yaml model file first, or create one with "CNN Lab: New Model File".'));
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(files.map((f) => ({ label: vscode.workspace.asRelativePath(f), uri: f })), {
      title: vscode.l10n.t('Which model file?'),
    });
    return pick !== undefined ? vscode.workspace.openTextDocument(pick.uri) : undefined;
  }

  // ------------------------------------------------------------------ training

  /** Train MNIST: copies examples/mnist.cnn.yaml into the workspace (or scratch) and trains it. */
  async trainMnist(a?: unknown): Promise<string | undefined> {
    if (!this.requireTrust()) return undefined;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? this.scratchDir();
    const target = path.join(folder, TEMPLATES.mnist);
    try {
      await fsp.mkdir(folder, { recursive: true });
      await fsp.copyFile(vscode.Uri.joinPath(this.d.context.extensionUri, 'examples', TEMPLATES.mnist).fsPath, target, fsConstants.COPYFILE_EXCL);
      this.d.log.info(`[mnist] copied the example model to ${target}`);
    } catch (err) {
      // An existing copy is the user's: train it as it is.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') { this.showError(err); return undefined; }
    }
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(target));
    await vscode.window.showTextDocument(doc, { preview: true, preserveFocus: true, viewColumn: vscode.ViewColumn.One });
    return this.trainDocument(doc, overridesOf(a));
  }

  /** Train Model: the given or active model file, exactly as the editor shows it. */
  async trainModel(a?: unknown): Promise<string | undefined> {
    if (!this.requireTrust()) return undefined;
    const doc = await this.modelDocument(a);
    if (doc === undefined) return undefined;
    return this.trainDocument(doc, overridesOf(a));
  }

  private async trainDocument(doc: vscode.TextDocument, overrides: TrainOverrides): Promise<string | undefined> {
    try {
      let text = doc.getText();
      let version = doc.version;
      let result = await this.d.lsp.modelSpec(doc);
      // Edits that landed while the server answered: ask again so text and spec agree.
      for (let i = 0; i < 5 && result.version !== version; i++) {
        text = doc.getText();
        version = doc.version;
        result = await this.d.lsp.modelSpec(doc);
      }
      if (result.spec === null) {
        const show = vscode.l10n.t('Show Problems');
        const list = result.errors.slice(0, 3).join('; ');
        void vscode.window.showErrorMessage(
          vscode.l10n.t('{0} has {1} error(s) and cannot be trained: {2}', path.basename(doc.fileName), result.errors.length, list), show,
        ).then((p) => { if (p === show) void vscode.commands.executeCommand('workbench.actions.view.problems'); });
        this.d.log.warn(`[train] refused ${doc.uri.toString()}: ${result.errors.join(' | ')}`);
        return undefined;
      }
      const modelDir = doc.uri.scheme === 'file' ? path.dirname(doc.uri.fsPath) : (vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? this.scratchDir());
      const run = await this.d.training.start({
        spec: result.spec, modelText: text, modelDir, modelSummary: result.summary,
        runsRoot: this.runsRootFor(doc.uri), ...overrides,
      });
      if (run === undefined) return undefined;
      const done = await run.done;
      return done.runDir;
    } catch (err) {
      this.showError(err);
      return undefined;
    }
  }

  async stopTraining(a?: unknown): Promise<string | undefined> {
    const runDir = runDirOf(a);
    const done = await this.d.training.stop(runDir);
    if (done === undefined) {
      void vscode.window.showInformationMessage(vscode.l10n.t('No training is running.'));
      return undefined;
    }
    return done.status;
  }

  private async pickRun(title: string, filter: (r: RunListEntry) => boolean): Promise<string | undefined> {
    const runs: RunListEntry[] = [];
    for (const root of this.runRoots()) runs.push(...(await listRuns(root).catch(() => [])).filter(filter));
    if (runs.length === 0) {
      void vscode.window.showInformationMessage(vscode.l10n.t('No matching runs. Train a model first.'));
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(runs.map((r) => ({
      label: r.name, description: `${statusLabel(r.status)} · ${vscode.l10n.t('epoch {0}/{1}', r.epochsCompleted, r.totalEpochs ?? '?')}`, detail: r.dir, dir: r.dir,
    })), { title });
    return pick?.dir;
  }

  /**
   * Resume Run: continues a stopped, failed or interrupted run from its last checkpoint, or from
   * epoch 1 when it has none yet; what the shared `resumePlan` says, as the CLI's --resume does.
   */
  async resumeRun(a?: unknown): Promise<string | undefined> {
    if (!this.requireTrust()) return undefined;
    const runDir = runDirOf(a) ?? await this.pickRun(vscode.l10n.t('Resume which run?'), (r) => r.resume.resumable);
    if (runDir === undefined) return undefined;
    try {
      const data = await readRun(runDir);
      const { plan } = await readResumePlan(runDir);
      const total = data.entry.totalEpochs ?? 0;
      if (!plan.resumable) {
        if (plan.reason === 'running') throw new CnnLabError('E_RUN_NOT_RESUMABLE', vscode.l10n.t('This run is still training.'));
        if (plan.reason === 'completed') {
          throw new CnnLabError('E_RUN_NOT_RESUMABLE', vscode.l10n.t('This run already trained all {0} epochs.', total), vscode.l10n.t('Train the model again for more epochs.'));
        }
        throw new CnnLabError('E_RUN_NOT_RESUMABLE', vscode.l10n.t('This run has no model file (model.cnn.yaml) to resume with.'), vscode.l10n.t('Train the model again instead.'));
      }
      if (data.modelText === null) {
        throw new CnnLabError('E_RUN_NOT_RESUMABLE', vscode.l10n.t('This run has no model file (model.cnn.yaml) to resume with.'), vscode.l10n.t('Train the model again instead.'));
      }
      const analysis = analyzeForUser(data.modelText);
      if (analysis.spec === null) throw new CnnLabError('E_RUN_NOT_RESUMABLE', vscode.l10n.t("The run's model file no longer validates."));
      const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(runDir));
      const model = DashboardModel.fromRunData(data, summarizeModelText, true);
      const run = await this.d.training.start({
        spec: analysis.spec, modelText: data.modelText, modelDir: folder?.uri.fsPath ?? path.dirname(runDir),
        modelSummary: analysis.summary, runsRoot: path.dirname(runDir), resumeDir: runDir, epochs: total,
        ...(data.summary?.backend !== undefined ? { backend: data.summary.backend } : {}),
      }, model);
      if (run === undefined) return undefined;
      return (await run.done).runDir;
    } catch (err) {
      this.showError(err);
      return undefined;
    }
  }

  async openDashboard(a?: unknown): Promise<string | undefined> {
    const runDir = runDirOf(a) ?? this.d.training.active?.runDir ?? await this.pickRun(vscode.l10n.t('Open the dashboard of which run?'), () => true);
    if (runDir === undefined) return undefined;
    try {
      await this.d.dashboards.open(runDir, false);
      void this.d.filters.showRun(runDir);
      return runDir;
    } catch (err) {
      this.showError(err);
      return undefined;
    }
  }

  async showFilters(a?: unknown): Promise<void> {
    const runDir = runDirOf(a);
    await vscode.commands.executeCommand('cnnLab.filters.focus');
    if (runDir !== undefined) await this.d.filters.showRun(runDir);
  }

  // ------------------------------------------------------------------ model files

  /** Show Model Summary: the Keras-style table of a model file in a read-only document; returns the table. */
  async showModelSummary(a?: unknown): Promise<string | undefined> {
    const doc = await this.modelDocument(a);
    if (doc === undefined) return undefined;
    const analysis = analyzeForUser(doc.getText());
    if (analysis.summary === null) {
      const errors = analysis.diagnostics.filter((x) => x.severity === 'error');
      void vscode.window.showErrorMessage(vscode.l10n.t('No summary: {0} has {1} error(s). {2}', path.basename(doc.fileName), errors.length, errors[0]?.message ?? ''));
      return undefined;
    }
    const name = analysis.spec?.name ?? path.basename(doc.fileName, '.cnn.yaml');
    const table = formatSummaryTable(analysis.summary, name);
    const uri = this.d.summaries.show(name, table);
    const shown = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(shown, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
    return table;
  }

  /** New Model File from a template; with `{ template, path }` writes the file without asking. Returns its URI string. */
  async newModelFile(a?: unknown): Promise<string | undefined> {
    let template = isObj(a) && typeof a.template === 'string' && a.template in TEMPLATES ? (a.template as TemplateId) : undefined;
    if (template === undefined) {
      const items: (vscode.QuickPickItem & { id: TemplateId })[] = [
        { id: 'mnist', label: vscode.l10n.t('MNIST: 2 conv + 2 dense'), description: vscode.l10n.t('about 99% test accuracy; grayscale digits') },
        { id: 'cifar10', label: vscode.l10n.t('CIFAR-10: simplified AlexNet'), description: vscode.l10n.t('colour photos; dropout before the output') },
        { id: 'shapes', label: vscode.l10n.t('Colour shapes'), description: vscode.l10n.t('generated offline; needs colour and shape') },
      ];
      template = (await vscode.window.showQuickPick(items, { title: vscode.l10n.t('New model file from which template?') }))?.id;
      if (template === undefined) return undefined;
    }
    const source = vscode.Uri.joinPath(this.d.context.extensionUri, 'examples', TEMPLATES[template]);
    const content = await fsp.readFile(source.fsPath, 'utf8');
    let target = isObj(a) && typeof a.path === 'string' ? vscode.Uri.file(a.path) : undefined;
    if (target === undefined) {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(this.scratchDir());
      target = await vscode.window.showSaveDialog({
        defaultUri: vscode.Uri.joinPath(folder, TEMPLATES[template]),
        filters: { [vscode.l10n.t('CNN model')]: ['cnn.yaml', 'yaml'] },
        title: vscode.l10n.t('Save the new model file'),
      });
      if (target === undefined) return undefined;
    }
    try {
      await fsp.mkdir(path.dirname(target.fsPath), { recursive: true });
      await fsp.writeFile(target.fsPath, content, { flag: isObj(a) && typeof a.path === 'string' ? 'wx' : 'w' });
    } catch (err) {
      this.showError((err as NodeJS.ErrnoException).code === 'EEXIST'
        ? new CnnLabError('E_IO', vscode.l10n.t('{0} already exists; nothing was overwritten.', target.fsPath)) : err);
      return undefined;
    }
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(target));
    return target.toString();
  }

  /** Applies core text edits to a document as one undoable edit. */
  private async applyEdits(doc: vscode.TextDocument, edits: readonly TextEdit[]): Promise<boolean> {
    if (edits.length === 0) return true;
    const we = new vscode.WorkspaceEdit();
    for (const e of edits) {
      we.replace(doc.uri, new vscode.Range(e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character), e.newText);
    }
    return vscode.workspace.applyEdit(we);
  }

  /** Select Dataset: edits `dataset` (and `grayscale`); returns whether the edit applied. */
  async selectDataset(a?: unknown): Promise<boolean> {
    const argDataset = isObj(a) && (BUILTIN_DATASETS as readonly unknown[]).includes(a.dataset) ? (a.dataset as BuiltinDatasetName) : undefined;
    const doc = await this.modelDocument(isObj(a) ? a.uri : undefined);
    if (doc === undefined) return false;
    let dataset = argDataset;
    let grayscale = isObj(a) && typeof a.grayscale === 'boolean' ? a.grayscale : undefined;
    if (dataset === undefined) {
      const availability: Record<string, string> = {
        generated: vscode.l10n.t('generated locally, offline'),
        'download-with-offline-fallback': vscode.l10n.t('download; offline fallback bundled'),
        'download-or-local': vscode.l10n.t('download, or local Debian package'),
        download: vscode.l10n.t('download required'),
      };
      const items = BUILTIN_DATASETS.map((name) => {
        const ds = DATASETS[name];
        const [hh, ww, cc] = ds.inputShape;
        const mb = ds.downloadBytes > 0 ? ` · ${(ds.downloadBytes / 1e6).toFixed(0)} MB` : '';
        return {
          name,
          label: datasetTitle(name),
          description: `${hh}×${ww} ${cc === 3 ? vscode.l10n.t('colour') : vscode.l10n.t('grayscale')} · ${vscode.l10n.t('{0} classes', ds.classNames.length)} · ${(ds.trainCount + ds.testCount).toLocaleString()} ${vscode.l10n.t('images')}`,
          detail: `${availability[ds.availability] ?? ds.availability}${mb}`,
        };
      });
      dataset = (await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Train on which data set?'), matchOnDetail: true }))?.name;
      if (dataset === undefined) return false;
    }
    if (grayscale === undefined) {
      grayscale = false;
      if (DATASETS[dataset].inputShape[2] === 3 && argDataset === undefined) {
        const keep = vscode.l10n.t('Keep colour (3 input channels)');
        const gray = vscode.l10n.t('Convert to grayscale (1 input channel)');
        const pick = await vscode.window.showQuickPick([keep, gray], { title: vscode.l10n.t('Colour or grayscale input?') });
        if (pick === undefined) return false;
        grayscale = pick === gray;
      }
    }
    try {
      return await this.applyEdits(doc, datasetEdits(doc.getText(), dataset, grayscale));
    } catch (err) {
      this.showError(err);
      return false;
    }
  }

  /** Configure Dropout Placement: rewrites the dropout layers; returns whether the edit applied. */
  async configureDropout(a?: unknown): Promise<boolean> {
    const doc = await this.modelDocument(isObj(a) ? a.uri : undefined);
    if (doc === undefined) return false;
    let placement = isObj(a) && (DROPOUT_PLACEMENTS as readonly unknown[]).includes(a.placement) ? (a.placement as DropoutPlacement) : undefined;
    let rate = isObj(a) && typeof a.rate === 'number' ? a.rate : undefined;
    if (placement === undefined) {
      const items: (vscode.QuickPickItem & { p: DropoutPlacement })[] = [
        { p: 'afterFlatten', label: vscode.l10n.t('After flatten, before the output'), description: vscode.l10n.t('recommended'), detail: vscode.l10n.t('Regularises the dense classifier, where most parameters are.') },
        { p: 'afterEveryDense', label: vscode.l10n.t('After every dense layer'), detail: vscode.l10n.t('Stronger; may slow convergence.') },
        { p: 'afterEveryConvBlock', label: vscode.l10n.t('After every conv block'), detail: vscode.l10n.t('Spatial regularisation; use low rates such as 0.1–0.25.') },
        { p: 'none', label: vscode.l10n.t('None'), detail: vscode.l10n.t('Remove every dropout layer.') },
      ];
      placement = (await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Where should dropout go?') }))?.p;
      if (placement === undefined) return false;
    }
    if (rate === undefined) {
      if (placement === 'none') rate = 0;
      else {
        const input = await vscode.window.showInputBox({
          title: vscode.l10n.t('Dropout rate'),
          prompt: vscode.l10n.t('Fraction of inputs zeroed during training, at least 0 and below 1'),
          value: placement === 'afterEveryConvBlock' ? '0.25' : '0.5',
          validateInput: (v) => (Number(v) >= 0 && Number(v) < 1 && v.trim() !== '' ? undefined : vscode.l10n.t('Enter a number at least 0 and below 1, e.g. 0.5')),
        });
        if (input === undefined) return false;
        rate = Number(input);
      }
    }
    try {
      return await this.applyEdits(doc, dropoutPlacementEdits(doc.getText(), placement, rate));
    } catch (err) {
      this.showError(err);
      return false;
    }
  }

  /**
   * Select Backend: stores `cnnLab.backend` (user settings: availability is per machine). Each item
   * says its state; the native one is "ready", "not set up yet" (set up on the first training) or
   * "set-up failed: why", and picking it when it is not ready offers to set it up now.
   */
  async selectBackend(a?: unknown): Promise<BackendChoice | undefined> {
    let backend = isObj(a) && (BACKEND_CHOICES as readonly unknown[]).includes(a.backend) ? (a.backend as BackendChoice) : undefined;
    if (backend === undefined) {
      const native = await this.d.native.status();
      const probes = await probeBackends(this.d.context.extensionUri.fsPath, native, vscode.l10n);
      const current = currentSettings().backend;
      const byName = new Map(probes.map((p) => [p.name, p]));
      const fastest = probes.find((p) => p.available);
      const canSetUp = native.kind === 'notSetUp' || native.kind === 'failed';
      const items = BACKEND_CHOICES.map((choice) => {
        const p = choice === 'auto' ? undefined : byName.get(choice);
        const available = choice === 'auto' ? fastest !== undefined : p?.available === true;
        const state = available ? vscode.l10n.t('ready')
          : choice === 'tensorflow' && native.kind === 'notSetUp' ? vscode.l10n.t('not set up')
            : choice === 'tensorflow' && native.kind === 'failed' ? vscode.l10n.t('set-up failed') : vscode.l10n.t('not available');
        return {
          choice,
          available,
          label: `${available ? '$(check)' : canSetUp && choice === 'tensorflow' ? '$(cloud-download)' : '$(circle-slash)'} ${choice}${choice === current ? ` ${vscode.l10n.t('(current)')}` : ''}`,
          description: state,
          detail: choice === 'auto'
            ? vscode.l10n.t('Fastest that loads: tensorflow, then wasm, then cpu (now: {0}{1})', fastest?.name ?? '–',
              canSetUp ? vscode.l10n.t('; tensorflow once set up') : '')
            : p?.detail ?? '',
        };
      });
      const picked = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Train with which TensorFlow.js backend?') });
      if (picked === undefined) return undefined;
      backend = picked.choice;
      if (backend === 'tensorflow' && canSetUp) {
        const setUp = vscode.l10n.t('Set Up Now');
        void vscode.window.showInformationMessage(
          vscode.l10n.t('The native backend is not set up yet ({0}). It is set up on the next training, or now.', picked.detail), setUp,
        ).then((pick) => { if (pick === setUp) void this.d.native.setUp({ automatic: false }); });
      } else if (!picked.available) {
        void vscode.window.showWarningMessage(vscode.l10n.t('The {0} backend is not available here; training will fail until it is installed.', backend));
      }
    }
    await vscode.workspace.getConfiguration().update(settingId('backend'), backend, vscode.ConfigurationTarget.Global);
    return backend;
  }

  // ------------------------------------------------------------------ runs

  /** Export Trained Model: the run's final weights (TensorFlow.js layers format) into a folder. Returns the files written. */
  async exportModel(a?: unknown): Promise<string[] | undefined> {
    const runDir = runDirOf(a) ?? await this.pickRun(vscode.l10n.t('Export which run?'), (r) => r.epochsCompleted > 0);
    if (runDir === undefined) return undefined;
    let source = path.join(runDir, 'final');
    try {
      await fsp.access(path.join(source, 'model.json'));
    } catch {
      const epoch = await lastCheckpointEpoch(runDir);
      if (epoch === null) {
        this.showError(new CnnLabError('E_IO', vscode.l10n.t('This run has no trained weights yet.'), vscode.l10n.t('Export after at least one epoch.')));
        return undefined;
      }
      source = path.join(runDir, 'checkpoints', `epoch-${epoch}`);
    }
    let target = isObj(a) && typeof a.target === 'string' ? a.target : undefined;
    if (target === undefined) {
      const picked = await vscode.window.showOpenDialog({
        canSelectFiles: false, canSelectFolders: true, canSelectMany: false, openLabel: vscode.l10n.t('Export here'),
        title: vscode.l10n.t('Folder for the TensorFlow.js model (model.json + weights)'),
      });
      target = picked?.[0]?.fsPath;
      if (target === undefined) return undefined;
    }
    try {
      await fsp.mkdir(target, { recursive: true });
      const written: string[] = [];
      // model.json and its weight shards only: optimizer state stays in the run folder.
      for (const f of await fsp.readdir(source)) {
        if (f !== 'model.json' && !/\.bin$/.test(f)) continue;
        await fsp.copyFile(path.join(source, f), path.join(target, f));
        written.push(path.join(target, f));
      }
      const reveal = vscode.l10n.t('Reveal');
      void vscode.window.showInformationMessage(vscode.l10n.t('Exported {0} files to {1}. Load with tf.loadLayersModel().', written.length, target), reveal)
        .then((p) => { if (p === reveal && target !== undefined) void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(path.join(target, 'model.json'))); });
      return written;
    } catch (err) {
      this.showError(err);
      return undefined;
    }
  }

  /** Delete Run: asks first unless called with `{ runDir, confirm: false }`. */
  async deleteRun(a?: unknown): Promise<boolean> {
    const runDir = runDirOf(a);
    if (runDir === undefined) return false;
    if (this.d.training.activeFor(runDir) !== undefined) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Stop the run before deleting it.'));
      return false;
    }
    if (!(isObj(a) && a.confirm === false)) {
      const del = vscode.l10n.t('Delete');
      const pick = await vscode.window.showWarningMessage(vscode.l10n.t('Delete the run folder {0} with its checkpoints and metrics?', path.basename(runDir)), { modal: true }, del);
      if (pick !== del) return false;
    }
    try {
      this.d.dashboards.close(runDir);
      await deleteRun(runDir);
      this.d.runsTree.refresh();
      return true;
    } catch (err) {
      this.showError(err);
      return false;
    }
  }

  async revealRun(a?: unknown): Promise<void> {
    const runDir = runDirOf(a);
    if (runDir === undefined) return;
    const uri = vscode.Uri.file(runDir);
    // Inside the workspace the Explorer is the natural place (and works in remote windows too).
    if (vscode.workspace.getWorkspaceFolder(uri) !== undefined) await vscode.commands.executeCommand('revealInExplorer', uri);
    else await vscode.commands.executeCommand('revealFileInOS', uri);
  }
}
