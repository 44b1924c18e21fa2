/**
 * Open Lab: one of the course's experiments, as the steps of the walkthrough "Deep Learning for
 * Vision: the labs" open them (see ../labs.ts). The lab's example is copied into the workspace (a
 * scratch folder in an empty window) once; a copy that exists is the student's and is opened as
 * it is. Then the view that shows the lesson: the dashboard of the model's latest run, the dropout
 * picker, the Filters view and the explainer, or the Keras-style summary until there is a run.
 */
import * as vscode from 'vscode';
import { listRuns, type RunListEntry } from '../../host/runStore';
import { analyzeForUser } from '../analysis';
import { LABS, LABS_WALKTHROUGH, type LabId } from '../labs';
import { FILTERS_VIEW_ID } from '../filtersView';
import { labArgsOf } from './args';
import type { CommandContext, CommandFactory } from './context';
import { configureDropout, copyExample, showModelSummary } from './model';
import { showError } from './prompts';
import { trainModel } from './training';

/** What Open Lab put on screen for the lesson, besides the model in the editor. */
export type LabView = 'dashboard' | 'explainer' | 'filters' | 'summary' | 'dropoutPlacement';

/** What Open Lab returns (for the walkthrough's tests; a command link ignores it). */
export interface LabShown {
  readonly lab: LabId;
  /** The lab's model file, as a URI string. */
  readonly model: string;
  readonly shown: readonly LabView[];
  /** The run whose dashboard is shown: the one just trained, else the model's latest. */
  readonly runDir?: string;
}

/** The newest run of a model (by its `name`) with at least one finished epoch, under any runs folder. */
async function latestRunOf(ctx: CommandContext, name: string): Promise<string | undefined> {
  let newest: RunListEntry | undefined;
  for (const root of ctx.runLocations.roots()) {
    for (const r of await listRuns(root).catch(() => [])) {
      if (r.name === name && r.epochsCompleted > 0 && (newest === undefined || r.startedAt > newest.startedAt)) newest = r;
    }
  }
  return newest?.dir;
}

/** Marks a lab trained for its walkthrough step (`onContext:cnnLab.lab.<id>.trained`). */
function markTrained(lab: LabId): void {
  void vscode.commands.executeCommand('setContext', `cnnLab.lab.${lab}.trained`, true);
}

/**
 * Open Lab: a lab id (`"mnist"`, `"dropout"`, `"colour"`, `"cifar10"`), or `{ lab, train }` to
 * train its model right away (with the overrides of Train Model; refused in an untrusted
 * workspace); without one (the palette) the walkthrough opens. Resolves once the lesson is on screen, or, when training,
 * once the run ends.
 */
export const openLab: CommandFactory<Promise<LabShown | undefined>> = (ctx) => async (a) => {
  const { lab, train, ...overrides } = labArgsOf(a);
  if (lab === undefined) {
    // From the palette: the walkthrough, which explains each lab beside its buttons.
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', LABS_WALKTHROUGH, false);
    return undefined;
  }
  const def = LABS[lab];
  const file = await copyExample(ctx, def.example);
  if (file === undefined) return undefined;
  const uri = vscode.Uri.file(file);
  try {
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc, { preview: false, viewColumn: vscode.ViewColumn.One });
    const model = uri.toString();
    const spec = analyzeForUser(doc.getText()).spec;

    if (train) {
      // The Filters view follows the training run; the dashboard opens with the run.
      if (def.lesson === 'colourFilters') await vscode.commands.executeCommand(`${FILTERS_VIEW_ID}.focus`);
      const runDir = await trainModel(ctx)({ uri, ...overrides });
      if (runDir === undefined) return { lab, model, shown: [] };
      markTrained(lab);
      return { lab, model, shown: def.lesson === 'colourFilters' ? ['dashboard', 'filters'] : ['dashboard'], runDir };
    }

    const runDir = spec !== null ? await latestRunOf(ctx, spec.name) : undefined;
    if (runDir !== undefined) markTrained(lab);
    const shown: LabView[] = [];
    switch (def.lesson) {
      case 'dashboard':
      case 'dropoutPlacement':
        if (runDir !== undefined) {
          await ctx.dashboards.open(runDir, true);
          void ctx.filters.showRun(runDir);
          shown.push('dashboard');
        } else if (def.lesson === 'dashboard' && await showModelSummary(ctx)(uri) !== undefined) {
          shown.push('summary');
        }
        if (def.lesson === 'dropoutPlacement') {
          // The picker stays open for the student; Open Lab does not wait on it.
          void configureDropout(ctx)({ uri });
          shown.push('dropoutPlacement');
        }
        break;
      case 'colourFilters': {
        await vscode.commands.executeCommand(`${FILTERS_VIEW_ID}.focus`);
        shown.push('filters');
        const conv = spec?.layers.findIndex((l) => l.type === 'conv2d') ?? -1;
        if (runDir !== undefined && conv >= 0) {
          await ctx.filters.showRun(runDir);
          await ctx.dashboards.explainFilter(runDir, conv, 0);
          shown.push('dashboard', 'explainer');
        } else if (await showModelSummary(ctx)(uri) !== undefined) {
          shown.push('summary');
        }
        break;
      }
    }
    return { lab, model, shown, ...(runDir !== undefined ? { runDir } : {}) };
  } catch (err) {
    showError(ctx, err);
    return undefined;
  }
};
