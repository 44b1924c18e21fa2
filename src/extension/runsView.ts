/**
 * The "Runs" tree in the CNN Lab side bar: every run folder under the run roots, newest first,
 * with data set, backend, best validation accuracy and duration; context actions open, resume,
 * delete and reveal.
 */
import * as vscode from 'vscode';
import { listExperiments, type ExperimentEntry } from '../host/experiment';
import { listRuns, type RunListEntry } from '../host/runStore';
import { isExperimentResumable } from '../shared/experimentFiles';
import { experimentTitle, variantLabel } from './experiments';
import type { RunLocations } from './runLocations';
import type { TrainingService } from './trainingService';
import { resumeLabel, statusLabel } from './runLabels';

export const RUNS_VIEW_ID = 'cnnLab.runs';

/** The run status in the user's language. */
const pct = (v: number | null): string => (v === null ? '–' : `${(v * 100).toFixed(2)}%`);

/** "1h 5m" / "5m 9s" / "9s", in the user's language. */
function duration(sec: number | null): string {
  if (sec === null) return '–';
  const s = Math.round(sec);
  if (s >= 3600) return vscode.l10n.t('{0}h {1}m', Math.floor(s / 3600), Math.floor((s % 3600) / 60));
  return s >= 60 ? vscode.l10n.t('{0}m {1}s', Math.floor(s / 60), s % 60) : vscode.l10n.t('{0}s', s);
}

/** "Dec 2, 01:38" in the user's language; '' for a missing or bad date. */
function startedLabel(iso: string | null): string {
  const d = iso !== null ? new Date(iso) : null;
  if (d === null || Number.isNaN(d.getTime())) return '';
  return d.toLocaleString(vscode.env.language, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false });
}

/**
 * One-line description of a run, what tells runs apart first (a narrow side bar cuts the end):
 * "test 98.9% · 12/12 epochs · tensorflow · 1m 20s" (validation accuracy until it is tested).
 */
function runDescription(r: Pick<RunListEntry, 'testAcc' | 'bestValAcc' | 'epochsCompleted' | 'totalEpochs' | 'backend' | 'durationSec'>): string {
  const acc = r.testAcc !== null ? vscode.l10n.t('test {0}', pct(r.testAcc)) : vscode.l10n.t('val {0}', pct(r.bestValAcc));
  const epochs = vscode.l10n.t('{0}/{1} epochs', r.epochsCompleted, r.totalEpochs ?? '?');
  return [acc, epochs, r.backend ?? '?', duration(r.durationSec)].join(' · ');
}

export class RunItem extends vscode.TreeItem {
  constructor(readonly run: RunListEntry, running: boolean) {
    const started = startedLabel(run.startedAt);
    super(started !== '' ? `${run.name} · ${started}` : run.name, vscode.TreeItemCollapsibleState.None);
    this.id = run.dir;
    this.description = runDescription(run);
    this.resourceUri = vscode.Uri.file(run.dir);
    const icons: Record<string, string> = {
      running: 'sync~spin', completed: 'pass', stopped: 'debug-pause', failed: 'error', interrupted: 'warning',
    };
    this.iconPath = new vscode.ThemeIcon(running ? 'sync~spin' : icons[run.status] ?? 'circle-outline');
    const resumable = !running && run.resume.resumable;
    this.contextValue = `cnnLabRun${running ? '.running' : ''}${resumable ? '.resumable' : ''}`;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${run.name}** — ${statusLabel(run.status)}\n\n`);
    md.appendMarkdown(`${vscode.l10n.t('Data set')}: ${run.dataset ?? '?'}  \n${vscode.l10n.t('Backend')}: ${run.backend ?? '?'}  \n`);
    md.appendMarkdown(`${vscode.l10n.t('Epochs')}: ${run.epochsCompleted}${run.totalEpochs !== null ? ` / ${run.totalEpochs}` : ''}  \n`);
    md.appendMarkdown(`${vscode.l10n.t('Best val. accuracy')}: ${pct(run.bestValAcc)}  \n${vscode.l10n.t('Test accuracy')}: ${pct(run.testAcc)}  \n`);
    md.appendMarkdown(`${vscode.l10n.t('Duration')}: ${duration(run.durationSec)}  \n${vscode.l10n.t('Started')}: ${started || (run.startedAt ?? '?')}\n\n`);
    const resume = running ? null : resumeLabel(run.resume, run.totalEpochs);
    if (resume !== null) md.appendMarkdown(`${resume}\n\n`);
    if (run.problems.length > 0) md.appendMarkdown(`$(warning) ${run.problems.join('; ')}`);
    this.tooltip = md;
    this.command = { title: vscode.l10n.t('Open Dashboard'), command: 'cnnLab.openDashboard', arguments: [run.dir] };
  }
}

/**
 * An experiment (Compare Dropout Placements, Compare Colour and Grayscale): "Compare Dropout
 * Placements: mnist · Dec 2, 01:38", "2/3 variants · stopped"; opens its comparison, resumes it.
 * Its variants' runs are listed as runs, below the experiments.
 */
class ExperimentItem extends vscode.TreeItem {
  /** The experiment's folder (what Open Comparison and Resume Experiment take). */
  readonly experimentDir: string;

  constructor(e: ExperimentEntry, training: boolean) {
    const started = startedLabel(e.record.createdAt);
    // Short, so that a narrow side bar still shows the status; the command's full title is in the tooltip.
    const kind = e.record.kind === 'dropout' ? vscode.l10n.t('Dropout placements') : vscode.l10n.t('Colour vs grayscale');
    super(`${kind}: ${e.record.name}`, vscode.TreeItemCollapsibleState.None);
    this.experimentDir = e.dir;
    this.id = `experiment:${e.dir}`;
    const done = e.record.variants.filter((v) => v.status === 'completed').length;
    const status = training ? 'running' : e.status;
    this.description = [statusLabel(status), vscode.l10n.t('{0}/{1} variants', done, e.record.variants.length), ...(started !== '' ? [started] : [])].join(' · ');
    this.iconPath = new vscode.ThemeIcon(training ? 'sync~spin' : status === 'completed' ? 'beaker' : 'debug-pause');
    const resumable = !training && isExperimentResumable(e.status);
    // Not `running`/`resumable`: those words select the run items' own actions (Resume Run, Stop).
    this.contextValue = `cnnLabExperiment${training ? '.training' : ''}${resumable ? '.canResume' : ''}`;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${experimentTitle(e.record.kind)}** — ${e.record.name} (${statusLabel(status)})\n\n`);
    for (const v of e.record.variants) md.appendMarkdown(`- ${variantLabel(v.key)}: ${v.status === 'pending' ? vscode.l10n.t('not started') : statusLabel(v.status)}\n`);
    if (resumable) md.appendMarkdown(`\n${vscode.l10n.t('Resume Experiment continues the stopped variant from its checkpoint, then trains the rest.')}`);
    this.tooltip = md;
    this.command = { title: vscode.l10n.t('Open Comparison'), command: 'cnnLab.openComparison', arguments: [e.dir] };
  }
}

export class RunsTreeProvider implements vscode.TreeDataProvider<RunItem | ExperimentItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly locations: RunLocations,
    private readonly training: TrainingService,
    /** Whether an experiment trains now (its folder). */
    private readonly experimentTraining: (dir: string) => boolean = () => false,
  ) {
    this.disposables.push(
      locations.onDidChange(() => this.refresh()),
      training.onDidStart(() => this.refresh()),
      training.onDidEnd(() => this.refresh()),
    );
  }

  refresh(): void { this.changed.fire(); }

  getTreeItem(item: RunItem | ExperimentItem): vscode.TreeItem { return item; }

  async getChildren(parent?: RunItem | ExperimentItem): Promise<(RunItem | ExperimentItem)[]> {
    if (parent !== undefined) return [];
    const items: (RunItem | ExperimentItem)[] = [];
    for (const root of this.locations.roots()) {
      for (const e of await listExperiments(root).catch(() => [])) items.push(new ExperimentItem(e, this.experimentTraining(e.dir)));
    }
    for (const root of this.locations.roots()) {
      const runs = await listRuns(root).catch(() => []);
      for (const r of runs) items.push(new RunItem(r, this.training.activeFor(r.dir) !== undefined));
    }
    return items;
  }

  dispose(): void {
    this.changed.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
