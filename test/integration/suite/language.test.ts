/**
 * The model language in the real editor: activation on a `*.cnn.yaml` file, diagnostics with
 * the right ranges, hover and inlay hints with shapes, and a quick fix that repairs the file.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import {
  EXTENSION_ID, conv2dParams, describeDiagnostics, diagnosticCode, errorsOf, fixture, hoverText, inlayLabel,
  lineOf, openModel, pollUntil, positionOf, shapePattern, validSize, waitForDiagnostics,
} from './util';

/** The first conv layer of models/small-mnist.cnn.yaml on MNIST's 28×28×1 input. */
const MNIST_SIDE = 28;
const FIRST_CONV = { filters: 8, kernel: 3 };

describe('model language (language server in the extension host)', () => {
  it('activates the extension when a *.cnn.yaml file opens, with language id cnn-model', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
    const editor = await openModel(fixture('models', 'small-mnist.cnn.yaml'));
    assert.equal(editor.document.languageId, 'cnn-model');
    // Activation (onLanguage:cnn-model) has no event of its own.
    await pollUntil(() => (ext.isActive ? true : undefined), 30_000, 'the extension to activate on a cnn-model document');
  });

  it('contributes the CNN Lab commands', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    const missing = [
      'cnnLab.trainMnist', 'cnnLab.trainModel', 'cnnLab.stopTraining', 'cnnLab.resumeRun', 'cnnLab.openDashboard',
      'cnnLab.showModelSummary', 'cnnLab.newModelFile', 'cnnLab.exportModel', 'cnnLab.selectDataset',
      'cnnLab.configureDropout', 'cnnLab.selectBackend',
    ].filter((c) => !all.has(c));
    assert.ok(missing.length === 0, `commands not registered: ${missing.join(', ')}`);
  });

  const cases: { file: string; code: string; line: string; token?: string }[] = [
    { file: 'unknown-layer.cnn.yaml', code: 'unknown-layer', line: 'maxpoo2d', token: 'maxpoo2d' },
    { file: 'missing-flatten.cnn.yaml', code: 'missing-flatten', line: 'dense: { units: 10' },
    { file: 'class-mismatch.cnn.yaml', code: 'class-mismatch', line: 'units: 5' },
    { file: 'dropout-range.cnn.yaml', code: 'dropout-range', line: 'rate: 1.5', token: '1.5' },
    { file: 'shape-mismatch.cnn.yaml', code: 'shape-mismatch', line: 'filters: 32' },
  ];
  for (const c of cases) {
    it(`reports ${c.code} on the offending line of bad/${c.file}`, async () => {
      const uri = fixture('bad', c.file);
      const editor = await openModel(uri);
      const doc = editor.document;
      const diags = await waitForDiagnostics(uri, (d) => d.some((x) => diagnosticCode(x) === c.code), `a ${c.code} diagnostic`);
      const hit = diags.find((x) => diagnosticCode(x) === c.code);
      assert.ok(hit);
      assert.equal(hit.severity, vscode.DiagnosticSeverity.Error, `${c.code} should be an error: ${describeDiagnostics(diags)}`);
      const line = lineOf(doc, c.line);
      assert.equal(hit.range.start.line, line, `${c.code} starts on line ${hit.range.start.line + 1}, expected line ${line + 1} (${doc.lineAt(line).text.trim()})`);
      assert.ok(!hit.range.isEmpty, `${c.code} has an empty range`);
      if (c.token !== undefined) {
        const text = doc.getText(hit.range);
        assert.ok(text.includes(c.token), `${c.code} range covers ${JSON.stringify(text)}, not ${JSON.stringify(c.token)}`);
        assert.ok(text.length <= doc.lineAt(line).text.trim().length, `${c.code} range is wider than its line: ${JSON.stringify(text)}`);
      }
      assert.ok(hit.message.length > 0);
    });
  }

  it('reports no errors or warnings for a valid model, and tracks edits as the user types', async () => {
    const editor = await openModel(fixture('models', 'small-mnist.cnn.yaml'));
    const uri = editor.document.uri;
    const original = editor.document.getText();
    // Introduce a typo, see the error appear, undo it, see the file become clean again.
    const flatten = positionOf(editor.document, 'flatten: {}');
    const typo = new vscode.Range(flatten, flatten.translate(0, 'flatten'.length));
    assert.ok(await editor.edit((b) => b.replace(typo, 'flaten')));
    const broken = await waitForDiagnostics(uri, (d) => d.some((x) => diagnosticCode(x) === 'unknown-layer'), 'unknown-layer after typing "flaten"');
    const hit = broken.find((x) => diagnosticCode(x) === 'unknown-layer');
    assert.equal(hit?.range.start.line, flatten.line);
    assert.ok(await editor.edit((b) => b.replace(new vscode.Range(flatten, flatten.translate(0, 'flaten'.length)), 'flatten')));
    assert.equal(editor.document.getText(), original);
    const clean = await waitForDiagnostics(uri, (d) => !d.some((x) => diagnosticCode(x) === 'unknown-layer'), 'the unknown-layer error to go away');
    const serious = clean.filter((d) => d.severity <= vscode.DiagnosticSeverity.Warning);
    assert.deepEqual(serious.map((d) => diagnosticCode(d)), [], `valid model has problems: ${describeDiagnostics(serious)}`);
    await editor.document.save();
  });

  it('shows the output shape and parameter count when hovering a layer', async () => {
    const editor = await openModel(fixture('models', 'small-mnist.cnn.yaml'));
    const doc = editor.document;
    const at = positionOf(doc, 'filters: 8').translate(0, 2);
    const side = validSize(MNIST_SIDE, FIRST_CONV.kernel);
    const shape = [side, side, FIRST_CONV.filters];
    const params = conv2dParams(FIRST_CONV.kernel, 1, FIRST_CONV.filters);
    // Answered once the language server is up (it may still be starting when this test runs alone).
    const text = await pollUntil(async () => {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, at);
      const t = hoverText(hovers);
      return t.trim() === '' ? undefined : t;
    }, 30_000, 'a hover on the first conv2d layer');
    assert.match(text, shapePattern(shape), `hover does not show the output shape ${shape.join('×')}: ${text}`);
    assert.match(text.replace(/[,\u202f\u00a0 ](?=\d{3}\b)/g, ''), new RegExp(`\\b${params}\\b`), `hover does not show ${params} parameters: ${text}`);
  });

  it('shows each layer\'s output shape as an inlay hint', async () => {
    const editor = await openModel(fixture('models', 'small-mnist.cnn.yaml'));
    const doc = editor.document;
    const full = new vscode.Range(0, 0, doc.lineCount, 0);
    const hints = await pollUntil(async () => {
      const h = await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', doc.uri, full);
      return h.length > 0 ? h : undefined;
    }, 30_000, 'inlay hints on small-mnist.cnn.yaml');
    const side1 = validSize(MNIST_SIDE, FIRST_CONV.kernel);
    const pooled = Math.floor(side1 / 2);
    const side2 = validSize(pooled, 3);
    const expectations: { line: number; shape: number[] }[] = [
      { line: lineOf(doc, 'filters: 8'), shape: [side1, side1, 8] },
      { line: lineOf(doc, 'filters: 16'), shape: [side2, side2, 16] },
      { line: lineOf(doc, '- flatten'), shape: [Math.floor(side2 / 2) * Math.floor(side2 / 2) * 16] },
      { line: lineOf(doc, 'units: 10'), shape: [10] },
    ];
    for (const e of expectations) {
      const onLine = hints.filter((h) => h.position.line === e.line).map(inlayLabel).join(' ');
      assert.match(onLine, shapePattern(e.shape), `line ${e.line + 1} (${doc.lineAt(e.line).text.trim()}) has hints "${onLine}", expected shape ${e.shape.join('×')}`);
    }
  });

  it('offers a quick fix for a missing flatten that makes the model valid', async () => {
    const uri = fixture('bad', 'missing-flatten.cnn.yaml');
    const editor = await openModel(uri);
    const diags = await waitForDiagnostics(uri, (d) => d.some((x) => diagnosticCode(x) === 'missing-flatten'), 'missing-flatten');
    const hit = diags.find((x) => diagnosticCode(x) === 'missing-flatten');
    assert.ok(hit);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider', uri, hit.range, vscode.CodeActionKind.QuickFix.value);
    const fix = actions.find((a) => /flatten/i.test(a.title) && (a.edit !== undefined || a.command !== undefined));
    assert.ok(fix, `no flatten quick fix among: ${actions.map((a) => a.title).join(' | ')}`);
    console.log(`quick fixes offered: ${actions.map((a) => `${a.title}${a.edit ? ' [edit]' : ''}${a.command ? ` [command ${a.command.command}]` : ''}`).join(' | ')}`);
    if (fix.edit) assert.ok(await vscode.workspace.applyEdit(fix.edit));
    if (fix.command) await vscode.commands.executeCommand(fix.command.command, ...((fix.command.arguments ?? []) as unknown[]));
    const after = await waitForDiagnostics(uri, (d) => errorsOf(d).length === 0, 'no errors after the quick fix');
    assert.deepEqual(errorsOf(after), []);
    const flattenLine = lineOf(editor.document, '- flatten');
    assert.ok(flattenLine < lineOf(editor.document, 'dense:'), 'flatten was not inserted before the dense layer');
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });
});
