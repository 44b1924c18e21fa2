/**
 * The extension's side of the course's experiments: one experiment at a time, trained by the
 * host's ExperimentRunner (src/host/experiment.ts) whose variants start through the
 * TrainingService like any run (so each is a normal run folder in the Runs view, with its
 * dashboard, and the progress notification's cancel stops it). Tells the comparison panels and
 * the Runs view of each change, and the user how the experiment ended.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { createExperiment, ExperimentRunner, runsRootOfExperiment, type LiveVariant, type NewVariant, type StartVariant } from '../host/experiment';
import { readRun } from '../host/runStore';
import { CnnLabError } from '../shared/errors';
import type { ExperimentKind, ExperimentRecord, ExperimentSettings, VariantKey } from '../shared/experimentFiles';
import { analyzeForUser } from './analysis';
import { DashboardModel } from './dashboardModel';
import { summarizeModelText } from './dashboardPanels';
import type { TrainingService } from './trainingService';

/** A variant's name in the user's language. */
export function variantLabel(key: VariantKey): string {
  const labels: Record<VariantKey, string> = {
    none: vscode.l10n.t('No dropout'),
    afterFlatten: vscode.l10n.t('Dropout after flatten (recommended)'),
    afterEveryConvBlock: vscode.l10n.t('Dropout after every conv block'),
    rgb: vscode.l10n.t('RGB (3 channels)'),
    grayscale: vscode.l10n.t('Grayscale (1 channel)'),
  };
  return labels[key];
}

/** The experiment's title in the user's language. */
export function experimentTitle(kind: ExperimentKind): string {
  return kind === 'dropout' ? vscode.l10n.t('Compare Dropout Placements') : vscode.l10n.t('Compare Colour and Grayscale');
}

/** What a new experiment is made of: the core's plan, where it is from, the settings of its runs. */
export interface NewExperimentRequest {
  readonly kind: ExperimentKind;
  readonly name: string;
  readonly variants: readonly NewVariant[];
  readonly runsRoot: string;
  readonly sourceFile: string | null;
  readonly modelDir: string;
  readonly settings: ExperimentSettings;
}

export class ExperimentService implements vscode.Disposable {
  private current: ExperimentRunner | undefined;
  private readonly changed = new vscode.EventEmitter<string>();
  /** An experiment changed (its record, or an epoch of its training run): its folder. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly training: TrainingService, private readonly log: vscode.LogOutputChannel) {}

  /** The folder of the experiment training now. */
  get activeDir(): string | undefined { return this.current?.dir; }

  /** Whether this experiment trains now. */
  isActive(dir: string): boolean {
    return this.current !== undefined && path.resolve(this.current.dir) === path.resolve(dir);
  }

  /** What the training run of a variant knows beyond its folder (the live dashboard model). */
  live(runDir: string): LiveVariant | undefined {
    const run = this.training.activeFor(runDir);
    if (run === undefined) return undefined;
    return { epochs: run.model.epochPoints, totalEpochs: run.model.runInfo.totalEpochs };
  }

  /**
   * Creates the experiment and trains it; resolves with its folder once it ended, undefined when
   * refused. `onStarted` sees the folder before the first variant starts (to show the comparison).
   */
  async start(req: NewExperimentRequest, onStarted: (dir: string) => void = () => undefined): Promise<string | undefined> {
    if (!this.free()) return undefined;
    const { dir, record } = await createExperiment(req);
    this.log.info(`[experiment] ${req.kind} on ${req.name}: ${req.variants.map((v) => v.name).join(', ')} in ${dir}`);
    return this.train(new ExperimentRunner(dir, record, this.starter(dir)), onStarted);
  }

  /** Continues a stopped, failed or interrupted experiment; resolves with its folder once it ended. */
  async resume(dir: string, onStarted: (dir: string) => void = () => undefined): Promise<string | undefined> {
    if (!this.free()) return undefined;
    const runner = ExperimentRunner.open(dir, this.starter(dir));
    this.log.info(`[experiment] resuming ${runner.dir}`);
    return this.train(runner, onStarted);
  }

  /** Stops the experiment training now (its run after the current batch); false when none trains. */
  async stop(dir?: string): Promise<boolean> {
    const runner = this.current;
    if (runner === undefined || (dir !== undefined && !this.isActive(dir))) return false;
    await runner.stop();
    return true;
  }

  /** Refuses (with a warning) while a run or another experiment trains. */
  private free(): boolean {
    const busy = this.current !== undefined ? path.basename(this.current.dir) : this.training.active?.model.runInfo.name;
    if (busy === undefined) return true;
    const stop = vscode.l10n.t('Stop Training');
    void vscode.window.showWarningMessage(
      vscode.l10n.t('{0} is training. Stop it first: an experiment trains its variants one after another, alone.', busy), stop,
    ).then((pick) => { if (pick === stop) void vscode.commands.executeCommand('cnnLab.stopTraining'); });
    return false;
  }

  private async train(runner: ExperimentRunner, onStarted: (dir: string) => void): Promise<string> {
    this.current = runner;
    const sub = runner.onChange(() => this.changed.fire(runner.dir));
    this.changed.fire(runner.dir);
    try {
      onStarted(runner.dir);
    } catch (err) {
      this.log.error(`[experiment] could not show ${runner.dir}: ${err instanceof Error ? err.message : String(err)}`);
    }
    try {
      const record = await runner.run();
      this.tell(runner.dir, record);
    } catch (err) {
      this.log.error(`[experiment] ${runner.dir}: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
      const text = err instanceof CnnLabError && err.hint !== undefined ? `${err.message} ${err.hint}` : err instanceof Error ? err.message : String(err);
      void vscode.window.showErrorMessage(vscode.l10n.t('The experiment stopped: {0}', text));
    } finally {
      sub.dispose();
      this.current = undefined;
      this.changed.fire(runner.dir);
    }
    return runner.dir;
  }

  /** How the experiment ended, with the next step as a button. */
  private tell(dir: string, r: ExperimentRecord): void {
    const title = experimentTitle(r.kind);
    const open = vscode.l10n.t('Open Comparison');
    const resume = vscode.l10n.t('Resume Experiment');
    const done = r.variants.filter((v) => v.status === 'completed').length;
    this.log.info(`[experiment] ${dir}: ${r.status}, ${done} of ${r.variants.length} variants completed`);
    const then = (pick: string | undefined): void => {
      if (pick === open) void vscode.commands.executeCommand('cnnLab.openComparison', dir);
      if (pick === resume) void vscode.commands.executeCommand('cnnLab.resumeExperiment', dir);
    };
    if (r.status === 'completed') {
      void vscode.window.showInformationMessage(vscode.l10n.t('{0} of {1} finished: {2} variants trained.', title, r.name, r.variants.length), open).then(then);
    } else if (r.status === 'stopped') {
      void vscode.window.showInformationMessage(
        vscode.l10n.t('{0} of {1} stopped with {2} of {3} variants trained. Resume Experiment continues the stopped one from its checkpoint, then trains the rest.', title, r.name, done, r.variants.length),
        resume, open,
      ).then(then);
    } else {
      void vscode.window.showWarningMessage(
        vscode.l10n.t('{0} of {1} ended early ({2}) with {3} of {4} variants trained; the log says why.', title, r.name, r.status, done, r.variants.length),
        resume, open,
      ).then(then);
    }
  }

  /** Starts a variant's run through the training service, as Train Model or Resume Run would. */
  private starter(dir: string): StartVariant {
    return async ({ record, index, variant, resumeDir }) => {
      let text = variant.modelText;
      let existing: DashboardModel | undefined;
      let resumeEpochs: number | undefined;
      if (resumeDir !== undefined) {
        // As Resume Run: the model as the folder recorded it, and the dashboard holding the epochs so far.
        const data = await readRun(resumeDir);
        if (data.modelText !== null) text = data.modelText;
        existing = DashboardModel.fromRunData(data, summarizeModelText, true);
        resumeEpochs = data.entry.totalEpochs ?? undefined;
      }
      const analysis = analyzeForUser(text);
      if (analysis.spec === null) {
        throw new CnnLabError('E_MODEL_INVALID', vscode.l10n.t('The model of the variant {0} no longer validates.', variant.name), vscode.l10n.t('Start the comparison again.'));
      }
      const s = record.settings;
      const epochs = s.epochs ?? resumeEpochs;
      const run = await this.training.start({
        spec: analysis.spec, modelText: text, modelDir: record.modelDir, modelSummary: analysis.summary,
        runsRoot: runsRootOfExperiment(dir), ...(resumeDir !== undefined ? { resumeDir } : {}),
        ...(epochs !== undefined ? { epochs } : {}),
        ...(s.maxTrainSamples !== undefined ? { maxTrainSamples: s.maxTrainSamples } : {}),
        ...(s.maxTestSamples !== undefined ? { maxTestSamples: s.maxTestSamples } : {}),
        ...(s.backend !== undefined ? { backend: s.backend } : {}),
        progressTitle: vscode.l10n.t('{0}, variant {1} of {2}: {3}', experimentTitle(record.kind), index + 1, record.variants.length, variantLabel(variant.key)),
        partOfExperiment: true,
      }, existing);
      if (run === undefined) return undefined;
      const sub = run.client.onMessage((m) => {
        if (m.type === 'epochEnd' || m.type === 'evaluation' || m.type === 'started') this.changed.fire(dir);
      });
      void run.done.finally(() => sub.dispose());
      return { runDir: run.runDir, done: run.done, stop: () => this.training.stop(run.runDir) };
    };
  }

  dispose(): void {
    void this.current?.stop();
    this.changed.dispose();
  }
}
