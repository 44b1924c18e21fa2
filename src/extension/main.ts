/**
 * Extension entry point and composition root. Activation is lazy (a model file, a CNN Lab
 * command or view, or a dashboard to restore) and cheap: nothing is read or forked here; the
 * language server starts when a model file is open or a command needs it, the trainer per run.
 * Disposables are grouped by lifetime: this extension (context.subscriptions), the language
 * client, each training run (ActiveRun).
 */
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { DashboardPanels } from './dashboardPanels';
import { FiltersViewProvider, FILTERS_VIEW_ID } from './filtersView';
import { LANGUAGE_ID, ModelLanguageClient } from './languageClient';
import { RunLocations } from './runLocations';
import { RunsTreeProvider, RUNS_VIEW_ID } from './runsView';
import { SummaryDocuments } from './summaryDocuments';
import { TrainingService } from './trainingService';
import { NativeBackend } from './nativeBackend';
import { currentSettings } from './config';
import type { DashboardShownMessage, DashboardSnapshot } from '../shared/webviewProtocol';
import type { ComparisonState } from '../shared/comparison';
import { TensorBoardLauncher } from './tensorBoard';
import { ExperimentService } from './experiments';
import { ComparisonPanels } from './comparisonPanels';

/** What `activate` returns: for integration tests (the command ids are the real API). */
export interface CnnLabApi {
  readonly runRoots: () => string[];
  readonly activeRunDir: () => string | undefined;
  /** Picks a test sample in the open dashboard of a run, as its picker does; false when none is open. */
  readonly pickSample: (runDir: string, sampleIndex: number) => boolean;
  /** What the open dashboard of a run last reported drawing (its feature-map caption, who answers picks). */
  readonly dashboardShown: (runDir: string) => DashboardShownMessage | undefined;
  /** What the open comparison of an experiment last sent its page. */
  readonly comparisonShown: (experimentDir: string) => ComparisonState | undefined;
  /** Hands a message to the open dashboard of a run as if its page had posted it (the same guard and handler); false when none is open. */
  readonly postFromDashboard: (runDir: string, message: unknown) => boolean;
  /** What the open dashboard of a run holds to draw: the snapshot its page gets (own image, inspections). */
  readonly dashboardState: (runDir: string) => DashboardSnapshot | undefined;
  /** Whether the Filters view is on screen, and the run it shows. */
  readonly filtersShown: () => { readonly visible: boolean; readonly runDir: string | undefined };
}

export function activate(context: vscode.ExtensionContext): CnnLabApi {
  const log = vscode.window.createOutputChannel('CNN Lab', { log: true });
  context.subscriptions.push(log);

  const lsp = new ModelLanguageClient(context, log);
  context.subscriptions.push(lsp);

  // Where runs live, before everything that lists or writes them.
  const runLocations = new RunLocations(context.globalStorageUri);
  context.subscriptions.push(runLocations);

  let dashboards: DashboardPanels | undefined;
  const native = new NativeBackend({ context, log, settings: () => currentSettings() });
  const training = new TrainingService({
    context, log, settings: () => currentSettings(), native,
    openDashboard: async (runDir) => { await dashboards?.open(runDir); },
    dashboardVisible: (runDir) => dashboards?.isVisible(runDir) ?? false,
  });
  context.subscriptions.push(training);
  dashboards = new DashboardPanels(context.extensionUri, training, log, runLocations);
  context.subscriptions.push(dashboards);

  const filters = new FiltersViewProvider(context.extensionUri, training, log, runLocations,
    (runDir, layerIndex, filter) => dashboards?.explainFilter(runDir, layerIndex, filter) ?? Promise.resolve());
  const experiments = new ExperimentService(training, log);
  const comparisons = new ComparisonPanels(context.extensionUri, experiments, log);
  context.subscriptions.push(experiments, comparisons);
  const runsTree = new RunsTreeProvider(runLocations, training, (dir) => experiments.isActive(dir));
  const summaries = new SummaryDocuments();
  context.subscriptions.push(
    filters,
    runsTree,
    vscode.window.registerWebviewViewProvider(FILTERS_VIEW_ID, filters),
    vscode.window.createTreeView(RUNS_VIEW_ID, { treeDataProvider: runsTree, showCollapseAll: false }),
    vscode.workspace.registerTextDocumentContentProvider(SummaryDocuments.scheme, summaries),
    dashboards.onDidFocusRun((dir) => void filters.showRun(dir)),
    // An experiment's record changes when its variants start and end: the Runs view lists it.
    experiments.onDidChange(() => runsTree.refresh()),
  );

  const tensorBoard = new TensorBoardLauncher(log);
  context.subscriptions.push(tensorBoard);
  context.subscriptions.push(...registerCommands({
    context, log, lsp, training, dashboards, filters, runsTree, summaries, native, runLocations, tensorBoard, experiments, comparisons,
  }));

  // Context keys for menus: training running; workspace trust is the built-in `isWorkspaceTrusted`.
  const setRunning = (running: boolean): void => { void vscode.commands.executeCommand('setContext', 'cnnLab.trainingActive', running); };
  setRunning(false);
  context.subscriptions.push(
    training.onDidStart(() => setRunning(true)),
    training.onDidEnd(() => setRunning(training.active !== undefined)),
    vscode.workspace.onDidGrantWorkspaceTrust(() => {
      log.info('[trust] workspace trusted: training is enabled');
      runsTree.refresh();
    }),
  );

  // The language server starts with the first model file (now or later), not before.
  const startIfModel = (doc: vscode.TextDocument): void => {
    if (doc.languageId === LANGUAGE_ID) void lsp.start().catch((err: unknown) => log.error(`[lsp] ${err instanceof Error ? err.message : String(err)}`));
  };
  vscode.workspace.textDocuments.forEach(startIfModel);
  context.subscriptions.push(vscode.workspace.onDidOpenTextDocument(startIfModel));

  return {
    runRoots: () => runLocations.roots(),
    activeRunDir: () => training.active?.runDir,
    pickSample: (runDir, sampleIndex) => dashboards?.pickSample(runDir, sampleIndex) ?? false,
    dashboardShown: (runDir) => dashboards?.shown(runDir),
    comparisonShown: (dir) => comparisons.shown(dir),
    postFromDashboard: (runDir, message) => dashboards?.receiveFromPage(runDir, message) ?? false,
    dashboardState: (runDir) => dashboards?.state(runDir),
    filtersShown: () => filters.shownRun(),
  };
}

export function deactivate(): void {
  // Everything is in context.subscriptions; VS Code disposes it (stopping a running trainer).
}
