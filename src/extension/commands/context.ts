/**
 * What every command runs over: the extension's services, built once in `activate()`. Each
 * command is a factory `(ctx) => handler`, as in rust-analyzer's `editors/code/src/commands.ts`.
 */
import type * as vscode from 'vscode';
import type { ComparisonPanels } from '../comparisonPanels';
import type { DashboardPanels } from '../dashboardPanels';
import type { ExperimentService } from '../experiments';
import type { FiltersViewProvider } from '../filtersView';
import type { ModelLanguageClient } from '../languageClient';
import type { NativeBackend } from '../nativeBackend';
import type { RunLocations } from '../runLocations';
import type { RunsTreeProvider } from '../runsView';
import type { SummaryDocuments } from '../summaryDocuments';
import type { TensorBoardLauncher } from '../tensorBoard';
import type { TrainingService } from '../trainingService';

export interface CommandContext {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly lsp: ModelLanguageClient;
  readonly training: TrainingService;
  readonly dashboards: DashboardPanels;
  readonly filters: FiltersViewProvider;
  readonly runsTree: RunsTreeProvider;
  readonly summaries: SummaryDocuments;
  readonly native: NativeBackend;
  readonly runLocations: RunLocations;
  readonly tensorBoard: TensorBoardLauncher;
  /** The course's experiments (one at a time) and their comparison panels. */
  readonly experiments: ExperimentService;
  readonly comparisons: ComparisonPanels;
}

/**
 * A registered command: called with the first argument VS Code, a menu, a CodeLens or a test
 * passes (a Uri, a runs-view item, an options object, or nothing), which it parses itself.
 */
export type Cmd<R = unknown> = (arg?: unknown) => R;

/** A command of the extension, built over the context. */
export type CommandFactory<R = unknown> = (ctx: CommandContext) => Cmd<R>;
