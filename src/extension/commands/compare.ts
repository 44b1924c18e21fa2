/**
 * The course's experiments as commands: Compare Dropout Placements, Compare Colour and Grayscale
 * (the variants from the core's `planExperiment`, trained one after another by the experiment
 * service), Resume Experiment and Open Comparison. Each works with an argument too:
 * `{ uri, epochs, maxTrainSamples, maxTestSamples, backend }` for the comparisons, an experiment
 * folder (or its experiment.json, or a Runs view item) for the other two.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { planExperiment, resolveLocale } from '../../core/index';
import { experimentDirOf, listExperiments } from '../../host/experiment';
import type { ExperimentKind } from '../../shared/experimentFiles';
import { isExperimentResumable } from '../../shared/experimentFiles';
import { currentSettings } from '../config';
import { experimentTitle, variantLabel } from '../experiments';
import { isObj, trainOverridesOf } from './args';
import type { CommandContext, CommandFactory } from './context';
import { modelDocument, requireTrust, showError } from './prompts';

/** An experiment folder from a command argument: a path, a Uri, `{ experimentDir }` (a Runs view item). */
function experimentArgOf(a: unknown): string | undefined {
  if (typeof a === 'string' && a !== '') return experimentDirOf(a);
  if (a instanceof vscode.Uri) return experimentDirOf(a.fsPath);
  if (isObj(a) && typeof a.experimentDir === 'string') return experimentDirOf(a.experimentDir);
  return undefined;
}

const positiveInt = (v: unknown): number | undefined => (Number.isInteger(v) && (v as number) > 0 ? (v as number) : undefined);

/** Refuses colour on a data set without it, at its line, offering the colour templates. */
async function refuseNoColour(doc: vscode.TextDocument, dataset: string, range: { start: { line: number; character: number }; end: { line: number; character: number } } | null): Promise<void> {
  const at = range !== null ? new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character) : undefined;
  if (at !== undefined) await vscode.window.showTextDocument(doc, { selection: at, preserveFocus: false, preview: false });
  const shapes = vscode.l10n.t('New Colour Shapes Model');
  const cifar = vscode.l10n.t('New CIFAR-10 Model');
  void vscode.window.showErrorMessage(
    vscode.l10n.t('Compare Colour and Grayscale needs colour images, but {0} trains on {1} (line {2}), whose images have one channel: there is no colour to take away. Start from a colour model: the colour shapes template (generated offline) or the CIFAR-10 template (a 170 MB download).',
      path.basename(doc.fileName), dataset, (range?.start.line ?? 0) + 1),
    shapes, cifar,
  ).then((pick) => {
    if (pick === shapes) void vscode.commands.executeCommand('cnnLab.newModelFile', { template: 'shapes' });
    if (pick === cifar) void vscode.commands.executeCommand('cnnLab.newModelFile', { template: 'cifar10' });
  });
}

/** A comparison on a model file: the variants, the experiment record, its runs one after another. */
async function compare(ctx: CommandContext, kind: ExperimentKind, a: unknown): Promise<string | undefined> {
  if (!requireTrust()) return undefined;
  const doc = await modelDocument(a);
  if (doc === undefined) return undefined;
  const text = doc.getText();
  const planned = planExperiment(kind, text, resolveLocale(vscode.env.language));
  if (!planned.ok) {
    const r = planned.refusal;
    if (r.reason === 'noColour') {
      await refuseNoColour(doc, r.dataset, r.range);
    } else if (r.reason === 'invalid') {
      const show = vscode.l10n.t('Show Problems');
      void vscode.window.showErrorMessage(
        vscode.l10n.t('{0} has {1} error(s) and cannot be trained: {2}', path.basename(doc.fileName), r.errors.length, r.errors.slice(0, 3).map((e) => e.message).join('; ')), show,
      ).then((p) => { if (p === show) void vscode.commands.executeCommand('workbench.actions.view.problems'); });
    } else {
      void vscode.window.showErrorMessage(vscode.l10n.t('The variant "{0}" of {1} does not validate: {2}', variantLabel(r.key), path.basename(doc.fileName), r.error));
    }
    return undefined;
  }
  const plan = planned.plan;
  for (const s of plan.skipped) {
    void vscode.window.showInformationMessage(vscode.l10n.t('"{0}" would train the same model as "{1}" here, so it is trained once.', variantLabel(s.key), variantLabel(s.sameAs)));
  }
  const o = trainOverridesOf(a);
  const s = currentSettings(doc.uri);
  const epochs = o.epochs ?? (s.epochs > 0 ? s.epochs : undefined);
  const maxTrainSamples = o.maxTrainSamples ?? (s.maxTrainSamples > 0 ? s.maxTrainSamples : undefined);
  const maxTestSamples = isObj(a) ? positiveInt(a.maxTestSamples) : undefined;
  const modelDir = doc.uri.scheme === 'file' ? path.dirname(doc.uri.fsPath) : (vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? ctx.runLocations.scratchDir());
  try {
    return await ctx.experiments.start({
      kind, name: plan.name, variants: plan.variants, runsRoot: ctx.runLocations.rootFor(doc.uri),
      sourceFile: doc.uri.scheme === 'file' ? doc.uri.fsPath : null, modelDir,
      settings: {
        ...(epochs !== undefined ? { epochs } : {}),
        ...(maxTrainSamples !== undefined ? { maxTrainSamples } : {}),
        ...(maxTestSamples !== undefined ? { maxTestSamples } : {}),
        ...(o.backend !== undefined ? { backend: o.backend } : {}),
      },
    }, (dir) => { ctx.comparisons.open(dir, true); ctx.runsTree.refresh(); });
  } catch (err) {
    showError(ctx, err);
    return undefined;
  }
}

/** Compare Dropout Placements: none, after flatten (recommended), after every conv block; returns the experiment folder. */
export const compareDropout: CommandFactory<Promise<string | undefined>> = (ctx) => (a) => compare(ctx, 'dropout', a);

/** Compare Colour and Grayscale: RGB, then grayscale input; refused on a data set without colour. */
export const compareColour: CommandFactory<Promise<string | undefined>> = (ctx) => (a) => compare(ctx, 'colour', a);

/** An experiment of the run roots that passes the filter, picked by the user. */
async function pickExperiment(ctx: CommandContext, title: string, filter: (resumable: boolean) => boolean): Promise<string | undefined> {
  const items: (vscode.QuickPickItem & { dir: string })[] = [];
  for (const root of ctx.runLocations.roots()) {
    for (const e of await listExperiments(root).catch(() => [])) {
      if (!filter(isExperimentResumable(e.status))) continue;
      const done = e.record.variants.filter((v) => v.status === 'completed').length;
      items.push({
        label: `${experimentTitle(e.record.kind)}: ${e.record.name}`,
        description: vscode.l10n.t('{0} of {1} variants trained · {2}', done, e.record.variants.length, new Date(e.record.createdAt).toLocaleString(vscode.env.language)),
        detail: e.dir, dir: e.dir,
      });
    }
  }
  if (items.length === 0) {
    void vscode.window.showInformationMessage(vscode.l10n.t('No matching experiments. Run "Compare Dropout Placements" or "Compare Colour and Grayscale" on a model file first.'));
    return undefined;
  }
  return (await vscode.window.showQuickPick(items, { title }))?.dir;
}

/** Resume Experiment: the stopped variant from its checkpoint, then the rest; returns the experiment folder. */
export const resumeExperiment: CommandFactory<Promise<string | undefined>> = (ctx) => async (a) => {
  if (!requireTrust()) return undefined;
  const dir = experimentArgOf(a) ?? await pickExperiment(ctx, vscode.l10n.t('Resume which experiment?'), (resumable) => resumable);
  if (dir === undefined) return undefined;
  try {
    return await ctx.experiments.resume(dir, (d) => { ctx.comparisons.open(d, true); ctx.runsTree.refresh(); });
  } catch (err) {
    showError(ctx, err);
    return undefined;
  }
};

/** Open Comparison: the comparison panel of an experiment (the one training, else one picked); returns its folder. */
export const openComparison: CommandFactory<Promise<string | undefined>> = (ctx) => async (a) => {
  const dir = experimentArgOf(a) ?? ctx.experiments.activeDir ?? await pickExperiment(ctx, vscode.l10n.t('Open the comparison of which experiment?'), () => true);
  if (dir === undefined) return undefined;
  try {
    ctx.comparisons.open(dir, false);
    return dir;
  } catch (err) {
    showError(ctx, err);
    return undefined;
  }
};
