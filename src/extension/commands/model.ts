/** Model-file commands: Show Model Summary, New Model File, Select Dataset, Configure Dropout Placement. */
import { constants as fsConstants, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { datasetEdits, dropoutPlacementEdits, formatSummaryTable, type DropoutPlacement } from '../../core/index';
import type { TextEdit } from '../../core/types';
import { DATASETS } from '../../shared/datasets';
import { BUILTIN_DATASETS, type BuiltinDatasetName } from '../../shared/modelSpec';
import { CnnLabError } from '../../shared/errors';
import { analyzeForUser } from '../analysis';
import { dropoutArgsOf, newModelFileArgsOf, selectDatasetArgsOf } from './args';
import type { CommandContext, CommandFactory } from './context';
import { modelDocument, showError } from './prompts';

/** Templates of New Model File: id → file under examples/. */
export const TEMPLATES = {
  mnist: 'mnist.cnn.yaml',
  cifar10: 'cifar10-alexnet.cnn.yaml',
  shapes: 'shapes-rgb.cnn.yaml',
} as const;
export type TemplateId = keyof typeof TEMPLATES;
const isTemplate = (v: string | undefined): v is TemplateId => v !== undefined && v in TEMPLATES;

/**
 * Copies an example into the first workspace folder (or the scratch folder of an empty window)
 * unless a file of that name is there: an existing copy is the user's and is never overwritten.
 * Returns its path (undefined, with the error shown, when it cannot be written).
 */
export async function copyExample(ctx: CommandContext, example: string): Promise<string | undefined> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? ctx.runLocations.scratchDir();
  const target = path.join(folder, example);
  try {
    await fsp.mkdir(folder, { recursive: true });
    await fsp.copyFile(vscode.Uri.joinPath(ctx.context.extensionUri, 'examples', example).fsPath, target, fsConstants.COPYFILE_EXCL);
    ctx.log.info(`[examples] copied ${example} to ${target}`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') { showError(ctx, err); return undefined; }
  }
  return target;
}

const DROPOUT_PLACEMENTS: readonly DropoutPlacement[] = ['none', 'afterFlatten', 'afterEveryDense', 'afterEveryConvBlock'];

/** A built-in data set's name in the user's language. */
function datasetTitle(name: BuiltinDatasetName): string {
  const titles: Record<BuiltinDatasetName, string> = {
    mnist: vscode.l10n.t('MNIST handwritten digits'),
    'fashion-mnist': vscode.l10n.t('Fashion-MNIST'),
    cifar10: vscode.l10n.t('CIFAR-10'),
    shapes: vscode.l10n.t('Colour shapes (generated)'),
  };
  return titles[name];
}

/** Applies core text edits to a document as one undoable edit. */
async function applyEdits(doc: vscode.TextDocument, edits: readonly TextEdit[]): Promise<boolean> {
  if (edits.length === 0) return true;
  const we = new vscode.WorkspaceEdit();
  for (const e of edits) {
    we.replace(doc.uri, new vscode.Range(e.range.start.line, e.range.start.character, e.range.end.line, e.range.end.character), e.newText);
  }
  return vscode.workspace.applyEdit(we);
}

/** Show Model Summary: the Keras-style table of a model file in a read-only document; returns the table. */
export const showModelSummary: CommandFactory<Promise<string | undefined>> = (ctx) => async (a) => {
  const doc = await modelDocument(a);
  if (doc === undefined) return undefined;
  const analysis = analyzeForUser(doc.getText());
  if (analysis.summary === null) {
    const errors = analysis.diagnostics.filter((x) => x.severity === 'error');
    void vscode.window.showErrorMessage(vscode.l10n.t('No summary: {0} has {1} error(s). {2}', path.basename(doc.fileName), errors.length, errors[0]?.message ?? ''));
    return undefined;
  }
  const name = analysis.spec?.name ?? path.basename(doc.fileName, '.cnn.yaml');
  const table = formatSummaryTable(analysis.summary, name);
  const uri = ctx.summaries.show(name, table);
  const shown = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(shown, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
  return table;
};

/** New Model File from a template; with `{ template, path }` writes the file without asking. Returns its URI string. */
export const newModelFile: CommandFactory<Promise<string | undefined>> = (ctx) => async (a) => {
  const args = newModelFileArgsOf(a);
  let template = isTemplate(args.template) ? args.template : undefined;
  if (template === undefined) {
    const items: (vscode.QuickPickItem & { id: TemplateId })[] = [
      { id: 'mnist', label: vscode.l10n.t('MNIST: 2 conv + 2 dense'), description: vscode.l10n.t('about 99% test accuracy; grayscale digits') },
      {
        id: 'cifar10', label: vscode.l10n.t('CIFAR-10: simplified AlexNet'), description: vscode.l10n.t('colour photos; dropout before the output'),
        detail: vscode.l10n.t('Needs a {0} MB download on the first training (the binary CIFAR-10 from its mirrors).', (DATASETS.cifar10.downloadBytes / 1e6).toFixed(0)),
      },
      { id: 'shapes', label: vscode.l10n.t('Colour shapes'), description: vscode.l10n.t('generated offline; needs colour and shape') },
    ];
    template = (await vscode.window.showQuickPick(items, { title: vscode.l10n.t('New model file from which template?') }))?.id;
    if (template === undefined) return undefined;
  }
  const source = vscode.Uri.joinPath(ctx.context.extensionUri, 'examples', TEMPLATES[template]);
  const content = await fsp.readFile(source.fsPath, 'utf8');
  let target = args.path !== undefined ? vscode.Uri.file(args.path) : undefined;
  if (target === undefined) {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(ctx.runLocations.scratchDir());
    target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.joinPath(folder, TEMPLATES[template]),
      filters: { [vscode.l10n.t('CNN model')]: ['cnn.yaml', 'yaml'] },
      title: vscode.l10n.t('Save the new model file'),
    });
    if (target === undefined) return undefined;
  }
  try {
    await fsp.mkdir(path.dirname(target.fsPath), { recursive: true });
    await fsp.writeFile(target.fsPath, content, { flag: args.path !== undefined ? 'wx' : 'w' });
  } catch (err) {
    showError(ctx, (err as NodeJS.ErrnoException).code === 'EEXIST'
      ? new CnnLabError('E_IO', vscode.l10n.t('{0} already exists; nothing was overwritten.', target.fsPath)) : err);
    return undefined;
  }
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(target));
  return target.toString();
};

/** Select Dataset: edits `dataset` (and `grayscale`); returns whether the edit applied. */
export const selectDataset: CommandFactory<Promise<boolean>> = (ctx) => async (a) => {
  const args = selectDatasetArgsOf(a);
  const doc = await modelDocument(args.uri);
  if (doc === undefined) return false;
  let dataset = args.dataset;
  let grayscale = args.grayscale;
  if (dataset === undefined) {
    const availability: Record<string, string> = {
      generated: vscode.l10n.t('generated locally, offline'),
      'download-with-offline-fallback': vscode.l10n.t('download; offline fallback bundled'),
      'download-or-local': vscode.l10n.t('download, or local Debian package'),
      download: vscode.l10n.t('download required'),
    };
    const current = analyzeForUser(doc.getText()).datasetLabel;
    const items = BUILTIN_DATASETS.map((name) => {
      const ds = DATASETS[name];
      const [hh, ww, cc] = ds.inputShape;
      const mb = ds.downloadBytes > 0 ? ` · ${(ds.downloadBytes / 1e6).toFixed(0)} MB` : '';
      return {
        name,
        label: `${datasetTitle(name)}${name === current ? ` ${vscode.l10n.t('(current)')}` : ''}`,
        description: `${hh}×${ww} ${cc === 3 ? vscode.l10n.t('colour') : vscode.l10n.t('grayscale')} · ${vscode.l10n.t('{0} classes', ds.classNames.length)} · ${(ds.trainCount + ds.testCount).toLocaleString()} ${vscode.l10n.t('images')}`,
        detail: `${availability[ds.availability] ?? ds.availability}${mb}`,
      };
    });
    dataset = (await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Train on which data set?'), matchOnDetail: true }))?.name;
    if (dataset === undefined) return false;
  }
  if (grayscale === undefined) {
    grayscale = false;
    if (DATASETS[dataset].inputShape[2] === 3 && args.dataset === undefined) {
      const keep = vscode.l10n.t('Keep colour (3 input channels)');
      const gray = vscode.l10n.t('Convert to grayscale (1 input channel)');
      const pick = await vscode.window.showQuickPick([keep, gray], { title: vscode.l10n.t('Colour or grayscale input?') });
      if (pick === undefined) return false;
      grayscale = pick === gray;
    }
  }
  try {
    return await applyEdits(doc, datasetEdits(doc.getText(), dataset, grayscale));
  } catch (err) {
    showError(ctx, err);
    return false;
  }
};

/** Configure Dropout Placement: rewrites the dropout layers; returns whether the edit applied. */
export const configureDropout: CommandFactory<Promise<boolean>> = (ctx) => async (a) => {
  const args = dropoutArgsOf(a, DROPOUT_PLACEMENTS);
  const doc = await modelDocument(args.uri);
  if (doc === undefined) return false;
  let placement = args.placement;
  let rate = args.rate;
  if (placement === undefined) {
    const items: (vscode.QuickPickItem & { p: DropoutPlacement })[] = [
      { p: 'afterFlatten', label: vscode.l10n.t('After flatten, before the output'), description: vscode.l10n.t('recommended'), detail: vscode.l10n.t('Regularises the dense classifier, where most parameters are.') },
      { p: 'afterEveryDense', label: vscode.l10n.t('After every dense layer'), detail: vscode.l10n.t('Stronger; may slow convergence.') },
      { p: 'afterEveryConvBlock', label: vscode.l10n.t('After every conv block'), detail: vscode.l10n.t('Spatial regularisation; use low rates such as 0.1–0.25.') },
      { p: 'none', label: vscode.l10n.t('None'), detail: vscode.l10n.t('Remove every dropout layer.') },
    ];
    // The placement the file already has: the one whose edits would change nothing.
    const text = doc.getText();
    const rateNow = analyzeForUser(text).spec?.layers.find((l) => l.type === 'dropout');
    const now = items.find((it) => {
      try {
        return dropoutPlacementEdits(text, it.p, rateNow?.type === 'dropout' ? rateNow.rate : 0.5).length === 0;
      } catch {
        return false;
      }
    });
    for (const it of items) if (it === now) it.label = `${it.label} ${vscode.l10n.t('(current)')}`;
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
    return await applyEdits(doc, dropoutPlacementEdits(doc.getText(), placement, rate));
  } catch (err) {
    showError(ctx, err);
    return false;
  }
};
