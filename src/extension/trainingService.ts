/**
 * Training service: one `RunSession` (src/host: the run folder, its record and the forked
 * dist/trainer.js, shared with the CLI) per run, one run at a time.
 * The trainer writes the run folder (the single source of truth); this service mirrors the run
 * in a `DashboardModel` for live views, shows progress with cancel, a status bar item and the
 * trainer's log, and turns failures into actionable messages. Nothing heavy runs on the host's
 * event loop: the work happens in the child, the host only relays messages.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { TrainerClient, type TrainerLaunchOptions } from '../host/trainerClient';
import { CnnLabError } from '../shared/errors';
import { RunSession } from '../host/runSession';
import { extensionLaunchOptions, extensionRunOptions, type ExtensionRunRequest } from '../host/extensionRun';
import { applyOverrides } from '../core/index';
import type { ModelSummary } from '../shared/modelSpec';
import type { DoneMessage, FiltersMessage, TrainerMessage } from '../shared/trainerProtocol';
import type { WireError } from '../shared/errors';
import type { DashboardUpdate } from '../shared/webviewProtocol';
import type { CnnLabSettings } from '../shared/settings';
import { DashboardModel } from './dashboardModel';
import { resumeLabel, statusLabel } from './runLabels';
import type { NativeBackend } from './nativeBackend';
import { analyzeForUser } from './analysis';

/** Everything one run needs; built by the commands from the `cnn/modelSpec` answer or a run folder. */
export interface TrainRequest extends ExtensionRunRequest {
  readonly modelSummary: ModelSummary | null;
  /** The progress notification's title instead of "Training <name>" (an experiment's variant says which). */
  readonly progressTitle?: string;
  /**
   * A run of an experiment: no dashboard opened for it and no notification when it ends (the
   * experiment's comparison panel shows it, and the experiment says how it ended).
   */
  readonly partOfExperiment?: boolean;
}

/** A run with a live trainer process. Disposed when the process has ended. */
export class ActiveRun implements vscode.Disposable {
  private readonly updates = new vscode.EventEmitter<DashboardUpdate>();
  private readonly filters = new vscode.EventEmitter<FiltersMessage>();
  /** Each dashboard change, in order; dashboards number them. */
  readonly onUpdate = this.updates.event;
  /** Each `filters` message (once per epoch). */
  readonly onFilters = this.filters.event;

  constructor(
    readonly runDir: string,
    readonly model: DashboardModel,
    readonly client: TrainerClient,
    /** The run continues an existing folder (its folder is never removed when the trainer fails). */
    readonly resumed = false,
  ) {}

  /** Settles with the trainer's `done` (or one the client made up when the process died). */
  get done(): Promise<DoneMessage> { return this.client.done; }

  handle(m: TrainerMessage): void {
    for (const u of this.model.apply(m)) this.updates.fire(u);
    if (m.type === 'filters') this.filters.fire(m);
  }

  push(u: DashboardUpdate): void { this.updates.fire(u); }

  dispose(): void {
    this.client.dispose();
    this.updates.dispose();
    this.filters.dispose();
  }
}

export interface TrainingServiceDeps {
  readonly context: vscode.ExtensionContext;
  readonly log: vscode.LogOutputChannel;
  readonly settings: () => CnnLabSettings;
  /** Opens the dashboard of a run (called when a run starts). */
  readonly openDashboard: (runDir: string) => Promise<void>;
  /** Whether the dashboard of a run is visible now (a notification then offers no "Open Dashboard"). */
  readonly dashboardVisible: (runDir: string) => boolean;
  /** The native backend: set up before the first native run, and named to the trainer. */
  readonly native: NativeBackend;
}

const percent = (v: number | null | undefined): string => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`);

export class TrainingService implements vscode.Disposable {
  private current: ActiveRun | undefined;
  private readonly started = new vscode.EventEmitter<ActiveRun>();
  private readonly ended = new vscode.EventEmitter<{ run: ActiveRun; done: DoneMessage }>();
  /** A run has started (its model already holds the folder's earlier epochs when resumed). */
  readonly onDidStart = this.started.event;
  /** A run has ended; its folder is final. */
  readonly onDidEnd = this.ended.event;
  private readonly status: vscode.StatusBarItem;
  /** A start is waiting for the native set-up; a second start meanwhile is refused. */
  private preparing = false;
  /** The trainer's environment for the native backend, as of the last check (inspectors reuse it). */
  private nativeEnv: NodeJS.ProcessEnv = {};

  constructor(private readonly deps: TrainingServiceDeps) {
    this.status = vscode.window.createStatusBarItem('cnnLab.training', vscode.StatusBarAlignment.Left, 10);
    this.status.name = vscode.l10n.t('CNN Lab training');
    void deps.native.trainerEnv().then((env) => { this.nativeEnv = env; }, () => undefined);
  }

  get active(): ActiveRun | undefined { return this.current; }

  activeFor(runDir: string): ActiveRun | undefined {
    return this.current !== undefined && path.resolve(this.current.runDir) === path.resolve(runDir) ? this.current : undefined;
  }

  /** Data-set cache: the setting, else the extension's global storage. */
  dataDir(s: CnnLabSettings): string {
    return s.dataCacheDir !== '' ? s.dataCacheDir : vscode.Uri.joinPath(this.deps.context.globalStorageUri, 'data').fsPath;
  }

  /** How the trainer is forked: its bundle, the Node it runs on, its output to the log channel (src/host/extensionRun). */
  private launchOptions(s: CnnLabSettings, logPrefix: string): TrainerLaunchOptions {
    const log = this.deps.log;
    return extensionLaunchOptions(s, { extensionPath: this.deps.context.extensionUri.fsPath, nativeEnv: this.nativeEnv, log: (line, level) => log[level](line) }, logPrefix);
  }

  /**
   * Forks an inspection process for a run no trainer serves: it loads the run's weights (final,
   * else the last checkpoint) and data set and answers feature-map requests. `modelText` is the
   * run folder's model.cnn.yaml; throws a CnnLabError when it no longer validates.
   */
  launchInspector(runDir: string, modelText: string, featureSample: number): TrainerClient {
    const analysis = analyzeForUser(modelText);
    if (analysis.spec === null) {
      throw new CnnLabError('E_MODEL_INVALID', vscode.l10n.t("The run's model file no longer validates."), vscode.l10n.t('Train the model again.'));
    }
    const s = this.deps.settings();
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(runDir));
    this.deps.log.info(`[inspect] loading ${runDir} to show test sample ${featureSample} (backend ${s.backend})`);
    return TrainerClient.launch({
      runDir,
      spec: analysis.spec,
      modelText,
      modelDir: folder?.uri.fsPath ?? path.dirname(runDir),
      backend: s.backend,
      dataDir: this.dataDir(s),
      resume: false,
      mode: 'inspect',
      featureSample,
      ...(s.mnistMirrors.length > 0 ? { mirrors: s.mnistMirrors } : {}),
    }, this.launchOptions(s, '[inspect]'));
  }

  /**
   * Forks the trainer for a run and returns at once; `run.done` settles when it ends. Refuses
   * (returns undefined after telling the user) while another run trains.
   */
  async start(req: TrainRequest, existing?: DashboardModel): Promise<ActiveRun | undefined> {
    if (this.current !== undefined) {
      const stop = vscode.l10n.t('Stop Training');
      void vscode.window.showWarningMessage(
        vscode.l10n.t('A run is already training ({0}). Stop it first: training two models at once would halve the speed of both.', this.current.model.runInfo.name),
        stop,
      ).then((pick) => { if (pick === stop) void this.stop(); });
      return undefined;
    }
    if (this.preparing) {
      void vscode.window.showInformationMessage(vscode.l10n.t('The native TensorFlow backend is being set up; training starts when it is ready.'));
      return undefined;
    }
    this.preparing = true;
    try {
      this.nativeEnv = await this.deps.native.prepareForTraining(req.backend ?? this.deps.settings().backend);
    } finally {
      this.preparing = false;
    }
    const s = this.deps.settings();
    const resuming = req.resumeDir !== undefined;
    const log = this.deps.log;
    // The epochs, caps and backend from the request and the settings, as the kill harness's stand-in starts them too.
    const session = RunSession.start(extensionRunOptions(req, s, {
      applyOverrides: (text, overrides) => {
        const edited = applyOverrides(text, overrides, { dataset: req.spec.dataset, grayscale: req.spec.grayscale });
        const analysis = analyzeForUser(edited);
        if (analysis.spec === null) {
          // The extension overrides only the epochs.
          throw new CnnLabError('E_MODEL_INVALID', vscode.l10n.t('The model does not validate with {0} epochs.', overrides.epochs ?? req.spec.train.epochs));
        }
        return { modelText: edited, spec: analysis.spec };
      },
      dataDir: this.dataDir(s),
      launch: this.launchOptions(s, '[trainer]'),
    }));
    const { runDir, spec } = session;
    const dataset = spec.dataset.kind === 'builtin' ? spec.dataset.name : spec.dataset.path;
    const model = existing ?? DashboardModel.forNewRun(runDir, spec.name, spec.train.epochs, req.modelSummary, dataset);
    const cap = session.record.maxTrainSamples;
    log.info(`[run] ${resuming ? 'resuming' : 'starting'} ${spec.name} in ${runDir} (backend ${session.record.backend}, ${spec.train.epochs} epochs${cap !== null ? `, at most ${cap} training samples` : ''})`);
    for (const note of session.notes) log.info(`[run] ${note}`);

    const client = session.client;
    const run = new ActiveRun(runDir, model, client, resuming);
    this.current = run;
    run.push(model.setLive(true, 'running'));
    client.onMessage((m) => this.onMessage(run, m));
    this.showProgress(run, req.progressTitle ?? vscode.l10n.t('Training {0}', spec.name));
    this.started.fire(run);
    void run.done.then((done) => this.finish(run, done, session, req.partOfExperiment === true));
    if (req.partOfExperiment === true) return run;
    try {
      await this.deps.openDashboard(runDir);
    } catch (err) {
      // The run goes on without its dashboard; the log says why.
      log.error(`[dashboard] could not open for ${runDir}: ${err instanceof Error ? err.message : String(err)}`);
    }
    return run;
  }

  /** Asks the running trainer to stop after its current batch (it writes a checkpoint). */
  async stop(runDir?: string): Promise<DoneMessage | undefined> {
    const run = runDir === undefined ? this.current : this.activeFor(runDir);
    if (run === undefined) return undefined;
    this.deps.log.info(`[run] stop requested for ${run.runDir}`);
    return run.client.stop();
  }

  private onMessage(run: ActiveRun, m: TrainerMessage): void {
    run.handle(m);
    const log = this.deps.log;
    switch (m.type) {
      case 'backend':
        log.info(`[run] backend ${m.name}: ${m.detail}${m.fallbackReasons.length > 0 ? ` (fell back: ${m.fallbackReasons.join('; ')})` : ''}`);
        break;
      case 'dataset':
        log.info(`[run] data ${m.name}: ${m.trainCount} train / ${m.validationCount} validation / ${m.testCount} test; ${m.source}`);
        break;
      case 'epochEnd':
        log.info(`[run] epoch ${m.epoch}: loss ${m.loss.toFixed(4)} acc ${percent(m.acc)} val_loss ${m.valLoss?.toFixed(4) ?? '–'} val_acc ${percent(m.valAcc)} (${m.durationSec.toFixed(1)} s, ${Math.round(m.samplesPerSec)} samples/s; ${m.numTensors} TensorFlow.js tensors in memory, the same every epoch unless something leaks)`);
        break;
      case 'evaluation':
        log.info(`[run] test accuracy ${percent(m.testAcc)}, test loss ${m.testLoss.toFixed(4)}`);
        break;
      case 'log':
        if (m.level === 'error') log.error(`[trainer] ${m.message}`);
        else if (m.level === 'warn') log.warn(`[trainer] ${m.message}`);
        else log.info(`[trainer] ${m.message}`);
        break;
      case 'error':
        log.error(`[trainer] ${m.error.code}: ${m.error.message}${m.error.stack !== undefined ? `\n${m.error.stack}` : ''}`);
        this.showError(m.error, run.runDir);
        break;
      default:
        break;
    }
    this.updateStatus(run);
  }

  private updateStatus(run: ActiveRun): void {
    const info = run.model.runInfo;
    const b = run.model.latestBatch;
    const last = run.model.epochPoints[run.model.epochPoints.length - 1];
    const epoch = b?.epoch ?? (last?.epoch ?? 0);
    // Say which accuracy: the last epoch's validation accuracy, else the current batch's.
    const acc = last?.valAcc != null
      ? vscode.l10n.t('val {0}', percent(last.valAcc))
      : vscode.l10n.t('batch accuracy {0}', percent(b?.acc ?? null));
    const live = info.live && info.status === 'running';
    this.status.text = live
      ? `$(sync~spin) ${vscode.l10n.t('epoch {0}/{1}', epoch, info.totalEpochs)} · ${acc} · ${info.backend ?? '…'}`
      : `$(${info.status === 'completed' ? 'check' : 'debug-stop'}) ${info.name} · ${vscode.l10n.t('test {0}', percent(info.testAcc))}`;
    this.status.tooltip = new vscode.MarkdownString(vscode.l10n.t('**{0}** — {1}\n\nClick to open the dashboard.', info.name, statusLabel(info.status)));
    this.status.command = { title: vscode.l10n.t('Open Dashboard'), command: 'cnnLab.openDashboard', arguments: [run.runDir] };
    this.status.show();
  }

  private showProgress(run: ActiveRun, title: string): void {
    void vscode.window.withProgress({
      location: vscode.ProgressLocation.Notification,
      title,
      cancellable: true,
    }, (progress, token) => new Promise<void>((resolve) => {
      token.onCancellationRequested(() => { void this.stop(run.runDir); });
      let reported = 0;
      const sub = run.client.onMessage((m) => {
        if (m.type === 'progress') {
          progress.report({ message: `${m.task}${m.fraction !== null ? ` ${Math.round(m.fraction * 100)}%` : ''}${m.detail !== undefined ? ` — ${m.detail}` : ''}` });
        } else if (m.type === 'started') {
          progress.report({ message: vscode.l10n.t('epoch {0} of {1}', m.startEpoch, m.totalEpochs) });
        } else if (m.type === 'epochEnd') {
          const total = Math.max(1, run.model.runInfo.totalEpochs);
          const target = Math.min(100, (m.epoch / total) * 100);
          progress.report({
            increment: Math.max(0, target - reported),
            message: vscode.l10n.t('epoch {0} of {1} · validation accuracy {2}', m.epoch, total, percent(m.valAcc)),
          });
          reported = Math.max(reported, target);
        }
      });
      void run.done.finally(() => { sub.dispose(); resolve(); });
    }));
  }

  private async finish(run: ActiveRun, done: DoneMessage, session: RunSession, quiet: boolean): Promise<void> {
    this.deps.log.info(`[run] ${done.status}: ${done.epochsCompleted} epochs in ${done.durationSec.toFixed(1)} s, test accuracy ${percent(done.testAcc)} (${done.runDir})`);
    // The run is over as soon as `done` arrives: clear it synchronously, before anyone awaiting
    // `done` (the train commands) looks at the service again.
    // A made-up `done` (process died) has no model update yet.
    if (run.model.runInfo.live) run.push(run.model.setLive(false, done.status));
    if (this.current === run) this.current = undefined;
    this.updateStatus(run);
    // A new folder the trainer never wrote to (it failed on the backend or the data set, e.g. a
    // download while offline) is not a run: the session removes it before `onDidEnd` refreshes the runs list.
    const { discarded, failure, resume } = await session.ended;
    if (discarded) this.deps.log.info(`[run] removed ${run.runDir}: the trainer ended before writing anything to it`);
    if (done.status === 'interrupted' && failure !== undefined && run.model.runInfo.error === null) {
      // Say what Resume Run will do with what reached the disk (the shared resumePlan), or that nothing was kept.
      const resumeText = discarded
        ? vscode.l10n.t('Nothing was kept: training had not started. Train the model again.')
        : resume !== null ? resumeLabel(resume.plan, resume.totalEpochs) : null;
      const hint = [failure.hint, resumeText].filter((t): t is string => t !== undefined && t !== null).join(' ');
      run.push(run.model.setError(hint !== '' ? `${failure.message} ${hint}` : failure.message));
      this.showError({ ...failure, ...(hint !== '' ? { hint } : {}) }, run.runDir, resume?.plan.resumable === true);
    }
    const open = vscode.l10n.t('Open Dashboard');
    const actions = this.deps.dashboardVisible(run.runDir) ? [] : [open];
    if (quiet) {
      // An experiment's run: the experiment tells how it ended.
    } else if (done.status === 'completed') {
      void vscode.window.showInformationMessage(
        vscode.l10n.t('{0} finished: test accuracy {1} after {2} epochs.', run.model.runInfo.name, percent(done.testAcc), done.epochsCompleted), ...actions,
      ).then((pick) => { if (pick === open) void this.deps.openDashboard(run.runDir); });
    } else if (done.status === 'stopped') {
      const resumeRun = vscode.l10n.t('Resume Run');
      const canResume = resume?.plan.resumable === true;
      void vscode.window.showInformationMessage(
        vscode.l10n.t('{0} stopped after {1} of {2} epochs; test accuracy of the weights so far: {3}.', run.model.runInfo.name, done.epochsCompleted, run.model.runInfo.totalEpochs, percent(done.testAcc)),
        ...(canResume ? [resumeRun] : []), ...actions,
      ).then((pick) => {
        if (pick === open) void this.deps.openDashboard(run.runDir);
        if (pick === resumeRun) void vscode.commands.executeCommand('cnnLab.resumeRun', run.runDir);
      });
    }
    this.ended.fire({ run, done });
    run.dispose();
  }

  /** An actionable message for a typed trainer error: what happened, what to do, a button for it. */
  private showError(error: WireError, runDir: string, resumable = true): void {
    const showLog = vscode.l10n.t('Show Log');
    const actions: { title: string; run: () => void }[] = [{ title: showLog, run: () => this.deps.log.show(true) }];
    switch (error.code) {
      case 'E_BACKEND_UNAVAILABLE':
        actions.unshift({ title: vscode.l10n.t('Select Backend'), run: () => void vscode.commands.executeCommand('cnnLab.selectBackend') });
        break;
      case 'E_DATASET_UNAVAILABLE':
      case 'E_CHECKSUM':
      case 'E_DATASET_CORRUPT':
        actions.unshift({ title: vscode.l10n.t('Open Settings'), run: () => void vscode.commands.executeCommand('workbench.action.openSettings', 'cnnLab.data') });
        break;
      case 'E_TRAINER_CRASHED':
      case 'E_TRAINER_UNRESPONSIVE':
        // Nothing to resume when the folder was removed because the trainer never wrote to it.
        if (resumable) actions.unshift({ title: vscode.l10n.t('Resume Run'), run: () => void vscode.commands.executeCommand('cnnLab.resumeRun', runDir) });
        break;
      default:
        break;
    }
    const text = error.hint !== undefined ? `${error.message} ${error.hint}` : error.message;
    void vscode.window.showErrorMessage(text, ...actions.map((a) => a.title)).then((pick) => actions.find((a) => a.title === pick)?.run());
  }

  dispose(): void {
    this.current?.dispose();
    this.current = undefined;
    this.status.dispose();
    this.started.dispose();
    this.ended.dispose();
  }
}
