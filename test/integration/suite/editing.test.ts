/**
 * Commands that edit the model file (Select Dataset, Configure Dropout Placement) and settings
 * (Select Backend), checked on the document text the user would see, and on what the language
 * server then makes of it.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { parse } from 'yaml';
import { DATASETS } from '../../../src/shared/datasets';
import {
  conv2dParams, denseParams, inlayLabel, lineOf, openModel, pollUntil, shapePattern, validSize, waitForDiagnostics, writeScratchModel,
} from './util';

/** A model without dropout: two conv blocks, a hidden dense layer and the output. */
const TWO_BLOCKS = `name: dropout-edit
dataset: mnist
layers:
  - conv2d: { filters: 8, kernel: 3, activation: relu }
  - maxpool2d: { pool: 2 }
  - conv2d: { filters: 16, kernel: 3, activation: relu }
  - maxpool2d: { pool: 2 }
  - flatten: {}
  - dense: { units: 32, activation: relu }
  - dense: { units: 10, activation: softmax }
train: { epochs: 1, batchSize: 32 }
`;

/** The Keras MNIST example's shape: flatten straight into the output. */
const FLATTEN_TO_OUTPUT = `name: flatten-to-output
dataset: mnist
layers:
  - conv2d: { filters: 8, kernel: 3, activation: relu }
  - maxpool2d: { pool: 2 }
  - flatten: {}
  - dense: { units: 10, activation: softmax }
`;

interface Layer { type: string; params: Record<string, unknown> }

/** The `layers:` list of a model file as [{ type, params }], whatever YAML style the edit used. */
function layersOf(doc: vscode.TextDocument): Layer[] {
  const root = parse(doc.getText()) as { layers?: unknown };
  assert.ok(Array.isArray(root.layers), `no layers list after the edit:\n${doc.getText()}`);
  return root.layers.map((item: unknown) => {
    assert.ok(typeof item === 'object' && item !== null, `layer item is not a map: ${JSON.stringify(item)}`);
    const [type, params] = Object.entries(item as Record<string, unknown>)[0] ?? ['', {}];
    return { type, params: (typeof params === 'object' && params !== null ? params : {}) as Record<string, unknown> };
  });
}

function types(layers: readonly Layer[]): string[] {
  return layers.map((l) => l.type);
}

async function configureDropout(uri: vscode.Uri, placement: string, rate: number): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument(uri);
  const before = doc.version;
  await vscode.commands.executeCommand('cnnLab.configureDropout', { uri, placement, rate });
  if (placement !== 'none') assert.ok(doc.version > before, `Configure Dropout Placement (${placement}) did not edit ${uri.path}`);
  return doc;
}

describe('commands that edit the model file', () => {
  it('Configure Dropout Placement: after flatten, before the output (the course\'s place)', async () => {
    const uri = await writeScratchModel('dropout-after-flatten.cnn.yaml', FLATTEN_TO_OUTPUT);
    await openModel(uri);
    const doc = await configureDropout(uri, 'afterFlatten', 0.3);
    const layers = layersOf(doc);
    assert.deepEqual(types(layers), ['conv2d', 'maxpool2d', 'flatten', 'dropout', 'dense']);
    assert.equal(layers[3]?.params.rate, 0.3);
    // The language server agrees the result is valid.
    await waitForDiagnostics(uri, (d) => d.every((x) => x.severity !== vscode.DiagnosticSeverity.Error), 'no errors after the dropout edit');
  });

  it('Configure Dropout Placement: after every dense layer but the output, then after every conv block, then none', async () => {
    const uri = await writeScratchModel('dropout-placements.cnn.yaml', TWO_BLOCKS);
    await openModel(uri);
    const original = types(layersOf(await vscode.workspace.openTextDocument(uri)));

    let layers = layersOf(await configureDropout(uri, 'afterEveryDense', 0.4));
    assert.deepEqual(types(layers), ['conv2d', 'maxpool2d', 'conv2d', 'maxpool2d', 'flatten', 'dense', 'dropout', 'dense']);
    assert.equal(layers[6]?.params.rate, 0.4);

    layers = layersOf(await configureDropout(uri, 'afterEveryConvBlock', 0.2));
    assert.deepEqual(types(layers), ['conv2d', 'maxpool2d', 'dropout', 'conv2d', 'maxpool2d', 'dropout', 'flatten', 'dense', 'dense'],
      'a new placement replaces the previous one');
    assert.deepEqual(layers.filter((l) => l.type === 'dropout').map((l) => l.params.rate), [0.2, 0.2]);

    layers = layersOf(await configureDropout(uri, 'none', 0));
    assert.deepEqual(types(layers), original, '"none" removes every dropout layer and nothing else');
  });

  it('Configure Dropout Placement is one undoable edit', async () => {
    const uri = await writeScratchModel('dropout-undo.cnn.yaml', TWO_BLOCKS);
    const editor = await openModel(uri);
    const before = editor.document.getText();
    await configureDropout(uri, 'afterEveryConvBlock', 0.25);
    assert.notEqual(editor.document.getText(), before);
    await vscode.window.showTextDocument(editor.document);
    await vscode.commands.executeCommand('undo');
    assert.equal(editor.document.getText(), before, 'one undo should restore the file');
  });

  it('Select Dataset sets dataset and grayscale, and the shapes follow the new input', async () => {
    const uri = await writeScratchModel('select-dataset.cnn.yaml', TWO_BLOCKS);
    const editor = await openModel(uri);
    const doc = editor.document;
    await vscode.commands.executeCommand('cnnLab.selectDataset', { uri, dataset: 'cifar10', grayscale: true });
    const root = parse(doc.getText()) as { dataset?: unknown; grayscale?: unknown };
    assert.equal(root.dataset, 'cifar10', `dataset not set:\n${doc.getText()}`);
    assert.equal(root.grayscale, true, `grayscale not set:\n${doc.getText()}`);
    assert.deepEqual(types(layersOf(doc)), ['conv2d', 'maxpool2d', 'conv2d', 'maxpool2d', 'flatten', 'dense', 'dense'], 'layers must be untouched');
    // CIFAR-10 in grayscale is 32×32×1: the first conv now outputs 30×30×8.
    const side = validSize(32, 3);
    const convLine = lineOf(doc, 'filters: 8');
    await pollUntil(async () => {
      const hints = await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', uri, new vscode.Range(convLine, 0, convLine + 1, 0));
      const label = hints.filter((h) => h.position.line === convLine).map(inlayLabel).join(' ');
      return shapePattern([side, side, 8]).test(label) ? label : undefined;
    }, 30_000, `an inlay hint with ${side}×${side}×8 on the first conv after selecting cifar10 (grayscale)`);

    // The colour shapes data set has another class count: the output layer follows it, and the
    // language server finds the edited model valid.
    await vscode.commands.executeCommand('cnnLab.selectDataset', { uri, dataset: 'shapes', grayscale: false });
    const r2 = parse(doc.getText()) as { dataset?: unknown; grayscale?: unknown };
    assert.equal(r2.dataset, 'shapes');
    assert.ok(r2.grayscale === undefined || r2.grayscale === false, `grayscale should be off: ${String(r2.grayscale)}`);
    const layers = layersOf(doc);
    assert.equal(layers[layers.length - 1]?.params.units, DATASETS.shapes.classNames.length, `the output layer does not match the data set's classes:\n${doc.getText()}`);
    // Colour input: the first conv has a kernel slice per channel, three times the grayscale weights.
    const colourParams = conv2dParams(3, 3, 8);
    await pollUntil(async () => {
      const hints = await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', uri, new vscode.Range(convLine, 0, convLine + 1, 0));
      const label = hints.filter((h) => h.position.line === convLine).map(inlayLabel).join(' ');
      return new RegExp(`\\b${colourParams}\\b`).test(label) ? label : undefined;
    }, 30_000, `an inlay hint with ${colourParams} parameters on the first conv after selecting the colour shapes data set`);
    const diags = await waitForDiagnostics(uri, () => true, 'diagnostics');
    assert.deepEqual(diags.filter((x) => x.severity === vscode.DiagnosticSeverity.Error).map((x) => x.message), [],
      `errors after selecting the shapes data set, in:\n${doc.getText()}`);
  });

  it('Show Model Summary gives the Keras-style table with the total parameter count', async () => {
    const uri = await writeScratchModel('summary.cnn.yaml', TWO_BLOCKS);
    // conv 3×3×1×8, pool to 13, conv 3×3×8×16 → 11, pool to 5: 5·5·16 = 400 features into dense 32 and 10.
    const side = Math.floor(validSize(Math.floor(validSize(28, 3) / 2), 3) / 2);
    const total = conv2dParams(3, 1, 8) + conv2dParams(3, 8, 16) + denseParams(side * side * 16, 32) + denseParams(32, 10);
    const table = await vscode.commands.executeCommand<unknown>('cnnLab.showModelSummary', uri);
    assert.equal(typeof table, 'string', `showModelSummary returned ${JSON.stringify(table)}`);
    const digits = (table as string).replace(/(\d),(?=\d{3}\b)/g, '$1');
    assert.match(digits, new RegExp(`Total params:?\\s*${total}\\b`, 'i'), `the summary does not total ${total} parameters:\n${String(table)}`);
  });

  it('Select Backend stores cnnLab.backend', async () => {
    const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('cnnLab');
    try {
      await vscode.commands.executeCommand('cnnLab.selectBackend', { backend: 'cpu' });
      assert.equal(config().get('backend'), 'cpu');
    } finally {
      await vscode.commands.executeCommand('cnnLab.selectBackend', { backend: 'auto' });
    }
    assert.equal(config().get('backend'), 'auto');
  });
});
