/**
 * The language server as a separate process over stdio, driven the way an editor drives it:
 * initialize, open and change documents, pull diagnostics, hover, complete, inlay hints, code
 * lenses, code actions and the custom `cnn/modelSpec` request; plus garbage that must not kill it.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LAYER_TYPES } from '../../../src/core/index';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import {
  CodeActionRequest, CodeLensRequest, CompletionRequest, DidChangeTextDocumentNotification, DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification, DocumentDiagnosticRequest, ExitNotification, HoverRequest, InitializedNotification,
  InitializeRequest, InlayHintRequest, PublishDiagnosticsNotification, ShutdownRequest,
} from 'vscode-languageserver-protocol';
import type {
  ClientCapabilities, CodeAction, CompletionItem, CompletionList, Diagnostic, FullDocumentDiagnosticReport, Hover,
  InitializeResult, MarkupContent, PublishDiagnosticsParams, TextEdit,
} from 'vscode-languageserver-protocol';
import { analyzeModelText, applyEdits } from '../../../src/core/index';
import { MODEL_SPEC_REQUEST } from '../../../src/shared/lspProtocol';
import type { ModelSpecResult } from '../../../src/shared/lspProtocol';

const ROOT = join(__dirname, '..', '..', '..');
const MNIST = readFileSync(join(ROOT, 'examples', 'mnist.cnn.yaml'), 'utf8');

interface Server { proc: ChildProcessWithoutNullStreams; conn: MessageConnection; init: InitializeResult; stderr: string[]; exited: boolean }

async function startServer(capabilities: ClientCapabilities): Promise<Server> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'server', 'main.ts'), '--stdio'], { cwd: ROOT, stdio: 'pipe' });
  const stderr: string[] = [];
  proc.stderr.on('data', (d: Buffer) => stderr.push(d.toString()));
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  conn.listen();
  const server: Server = { proc, conn, init: { capabilities: {} }, stderr, exited: false };
  proc.on('exit', () => { server.exited = true; });
  server.init = await conn.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities, workspaceFolders: null });
  await conn.sendNotification(InitializedNotification.type, {});
  return server;
}

async function stopServer(s: Server): Promise<void> {
  if (!s.exited) {
    await s.conn.sendRequest(ShutdownRequest.type);
    await s.conn.sendNotification(ExitNotification.type);
    await new Promise<void>((resolve) => { if (s.exited) resolve(); else s.proc.on('exit', () => resolve()); });
  }
  s.conn.dispose();
}

const PULL: ClientCapabilities = { textDocument: { diagnostic: { dynamicRegistration: false }, hover: { contentFormat: ['markdown'] } } };

async function open(s: Server, uri: string, text: string, version = 1): Promise<void> {
  await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'cnn-model', version, text } });
}

async function pull(s: Server, uri: string, previousResultId?: string): Promise<FullDocumentDiagnosticReport | { kind: 'unchanged'; resultId: string }> {
  return s.conn.sendRequest(DocumentDiagnosticRequest.type, { textDocument: { uri }, previousResultId });
}

function fullItems(r: Awaited<ReturnType<typeof pull>>): Diagnostic[] {
  assert.equal(r.kind, 'full');
  return (r).items;
}

describe('language server over stdio (pull-diagnostics client)', function () {
  this.timeout(60_000);
  let s: Server;
  before(async () => { s = await startServer(PULL); });
  after(async () => { await stopServer(s); });

  it('advertises its capabilities, including pull diagnostics', () => {
    const c = s.init.capabilities;
    assert.ok(c.diagnosticProvider, 'diagnosticProvider');
    assert.equal(c.hoverProvider, true);
    assert.ok(c.completionProvider && c.inlayHintProvider && c.codeLensProvider && c.codeActionProvider);
  });

  it('diagnostics with exact ranges and codes; recomputed per version; unchanged when the version is the same', async () => {
    const uri = 'file:///virtual/typo.cnn.yaml';
    const text = MNIST.replace('maxpool2d: { pool: 2 }', 'maxpol2d: { pool: 2 }').replace('units: 10', 'units: 12');
    await open(s, uri, text);
    const first = await pull(s, uri);
    const items = fullItems(first);
    const unknown = items.find((d) => d.code === 'unknown-layer');
    assert.ok(unknown, JSON.stringify(items));
    const line = text.split('\n').findIndex((l) => l.includes('maxpol2d'));
    assert.deepEqual(unknown.range, { start: { line, character: 4 }, end: { line, character: 12 } });
    assert.equal(unknown.severity, 1);
    assert.equal(unknown.source, 'cnn-lab');
    assert.match(unknown.message, /did you mean "maxpool2d"/);

    const resultId = (first as FullDocumentDiagnosticReport).resultId;
    assert.ok(resultId !== undefined);
    assert.equal((await pull(s, uri, resultId)).kind, 'unchanged');

    const fixedText = text.replace('maxpol2d', 'maxpool2d');
    await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ text: fixedText }] });
    const second = fullItems(await pull(s, uri, resultId));
    assert.deepEqual(second.map((d) => d.code).sort(), ['class-mismatch', 'dropout-suggested']);
    const cls = second.find((d) => d.code === 'class-mismatch');
    const l2 = fixedText.split('\n').findIndex((l) => l.includes('units: 12'));
    const c2 = (fixedText.split('\n')[l2] ?? '').indexOf('12');
    assert.deepEqual(cls?.range, { start: { line: l2, character: c2 }, end: { line: l2, character: c2 + 2 } });
  });

  it('code actions: the quick fixes of the diagnostics in range, which repair the file', async () => {
    const uri = 'file:///virtual/flatten.cnn.yaml';
    const text = MNIST.replace('  - flatten: {}\n', '');
    await open(s, uri, text);
    const diags = fullItems(await pull(s, uri));
    const missing = diags.find((d) => d.code === 'missing-flatten');
    assert.ok(missing);
    const actions = await s.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: missing.range, context: { diagnostics: [missing] } }) as CodeAction[];
    const fix = actions.find((a) => a.title === 'Insert flatten before this layer');
    assert.ok(fix, JSON.stringify(actions.map((a) => a.title)));
    assert.equal(fix.kind, 'quickfix');
    assert.equal(fix.isPreferred, true);
    const edits = fix.edit?.changes?.[uri] as TextEdit[];
    const repaired = applyEdits(text, edits);
    const after = analyzeModelText(repaired);
    assert.equal(after.summary?.totalParams, 220_234);
    const none = await s.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } }, context: { diagnostics: [] } }) as CodeAction[];
    assert.deepEqual(none, []);
  });

  it('hover on a layer gives shape, parameters and MACs', async () => {
    const uri = 'file:///virtual/mnist.cnn.yaml';
    await open(s, uri, MNIST);
    const line = MNIST.split('\n').findIndex((l) => l.includes('units: 64'));
    const h = await s.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line, character: 6 } }) as Hover;
    const md = (h.contents as MarkupContent).value;
    assert.equal((h.contents as MarkupContent).kind, 'markdown');
    // The name is not repeated when it is the keyword itself (the second dense would say `dense_1`).
    assert.match(md, /^\*\*dense\*\* — Keras `Dense`/);
    assert.match(md, /Output \| \*\*64\*\*/);
    assert.match(md, /200,768 = 3136·64 weights \+ 64 biases/);
    assert.match(md, /MACs per sample \| 200,704/);
  });

  it('completion offers layer types after a dash in layers and enum values after a key', async () => {
    const uri = 'file:///virtual/complete.cnn.yaml';
    const text = 'dataset: mnist\nlayers:\n  - conv2d: { filters: 8, kernel: 3, padding:  }\n  - \n';
    await open(s, uri, text);
    const r1 = await s.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 3, character: 4 } }) as CompletionItem[] | CompletionList;
    const items1 = Array.isArray(r1) ? r1 : r1.items;
    assert.ok(items1.some((i) => i.label === 'conv2d' && i.insertTextFormat === 2 && (i.insertText ?? '').startsWith('conv2d: { filters:')));
    assert.equal(items1.length, LAYER_TYPES.length);
    const col = (text.split('\n')[2] ?? '').indexOf('padding:') + 'padding: '.length;
    const r2 = await s.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 2, character: col } }) as CompletionItem[] | CompletionList;
    assert.deepEqual((Array.isArray(r2) ? r2 : r2.items).map((i) => i.label), ['valid', 'same']);
  });

  it('inlay hints carry each layer\'s output shape and parameters', async () => {
    const uri = 'file:///virtual/mnist.cnn.yaml';
    const hints = await s.conn.sendRequest(InlayHintRequest.type, { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 100, character: 0 } } });
    assert.ok(hints);
    const labels = hints.map((h) => (typeof h.label === 'string' ? h.label : h.label.map((part) => part.value).join('')));
    assert.ok(labels.includes(' → 28×28×32 · 320 params'), labels.join('|'));
    assert.ok(labels.includes(' → 10 · 650 params'));
    const conv = hints.find((h) => h.label === ' → 28×28×32 · 320 params');
    const line = MNIST.split('\n').findIndex((l) => l.includes('filters: 32'));
    assert.deepEqual(conv?.position, { line, character: (MNIST.split('\n')[line] ?? '').length });
  });

  it('code lenses: total parameters, Train and Summary with the document URI', async () => {
    const uri = 'file:///virtual/mnist.cnn.yaml';
    const lenses = await s.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
    assert.ok(lenses);
    assert.deepEqual(lenses.map((l) => l.command?.title), ['220,234 params · 4.04M MACs', '$(play) Train', 'Summary']);
    assert.deepEqual(lenses[1]?.command?.arguments, [uri]);
    assert.equal(lenses[1]?.command?.command, 'cnnLab.trainModel');
  });

  it('cnn/modelSpec returns the spec and summary of the open version, and errors for a broken one', async () => {
    const uri = 'file:///virtual/mnist.cnn.yaml';
    const r = await s.conn.sendRequest<ModelSpecResult>(MODEL_SPEC_REQUEST, { uri });
    assert.equal(r.version, 1);
    assert.equal(r.summary?.totalParams, 220_234);
    assert.equal(r.spec?.train.batchSize, 128);
    assert.deepEqual(r.errors, []);
    await s.conn.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 5 },
      contentChanges: [{ range: { start: { line: 3, character: 9 }, end: { line: 3, character: 14 } }, text: 'mnst' }],
    });
    const bad = await s.conn.sendRequest<ModelSpecResult>(MODEL_SPEC_REQUEST, { uri });
    assert.equal(bad.version, 5);
    assert.equal(bad.spec, null);
    assert.deepEqual(bad.errors, ['4:10 unknown dataset "mnst"; did you mean "mnist"?']);
  });

  it('cnn/modelSpec reads a file that is not open from disk', async () => {
    const uri = pathToFileURL(join(ROOT, 'examples', 'cifar10-alexnet.cnn.yaml')).href;
    const r = await s.conn.sendRequest<ModelSpecResult>(MODEL_SPEC_REQUEST, { uri });
    assert.equal(r.summary?.totalParams, 528_054);
    await assert.rejects(s.conn.sendRequest(MODEL_SPEC_REQUEST, { uri: 'file:///no/such/file.cnn.yaml' }));
  });

  it('shape errors in the issue\'s words, on the kernel value; CRLF files get the same ranges', async () => {
    const text = 'dataset: mnist\nlayers:\n  - conv2d: { filters: 64, kernel: 13, strides: 2 }\n  - conv2d: { filters: 64, kernel: 3, strides: 2 }\n  - conv2d: { filters: 8, kernel: 5 }\n  - flatten\n  - dense: { units: 10, activation: softmax }\n';
    for (const [i, t] of [text, text.replace(/\n/g, '\r\n')].entries()) {
      const uri = `file:///virtual/kernel${i}.cnn.yaml`;
      await open(s, uri, t);
      const items = fullItems(await pull(s, uri));
      const d = items.find((x) => x.code === 'shape-mismatch');
      assert.equal(d?.message, 'conv2d kernel 5×5 does not fit a 3×3×64 input with valid padding');
      assert.deepEqual(d?.range, { start: { line: 4, character: 34 }, end: { line: 4, character: 35 } });
    }
  });

  it('hover on the first conv of a colour model tells what colour costs against grayscale', async () => {
    const uri = 'file:///virtual/alexnet.cnn.yaml';
    const text = readFileSync(join(ROOT, 'examples', 'cifar10-alexnet.cnn.yaml'), 'utf8');
    await open(s, uri, text);
    const line = text.split('\n').findIndex((l) => l.includes('filters: 16'));
    const h = await s.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line, character: 6 } }) as Hover;
    const md = (h.contents as MarkupContent).value;
    assert.match(md, /Parameters \| 208 = 2·2·3·16 weights \+ 16 biases/);
    assert.match(md, /Colour input:.*208 parameters; on grayscale input \(`grayscale: true`\) it would have 80/);
  });

  it('completion offers the keys a layer still lacks, and data set names after dataset:', async () => {
    const uri = 'file:///virtual/keys.cnn.yaml';
    const text = 'dataset: \nlayers:\n  - conv2d: { filters: 8,  }\n';
    await open(s, uri, text);
    const r1 = await s.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 2, character: 26 } }) as CompletionItem[] | CompletionList;
    const keys = (Array.isArray(r1) ? r1 : r1.items).map((i) => i.label);
    assert.ok(keys.includes('kernel') && keys.includes('strides') && keys.includes('padding') && !keys.includes('filters'), keys.join(','));
    const r2 = await s.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 0, character: 9 } }) as CompletionItem[] | CompletionList;
    assert.deepEqual((Array.isArray(r2) ? r2 : r2.items).map((i) => i.label).slice(0, 4), ['mnist', 'fashion-mnist', 'cifar10', 'shapes']);
  });

  it('typo and dropout quick fixes, applied as the editor would, clear their diagnostics on the next pull', async () => {
    const uri = 'file:///virtual/fixes.cnn.yaml';
    let text = MNIST.replace('maxpool2d: { pool: 2 }', 'maxpol2d: { pool: 2 }').replace('kernel: 3, padding', 'kernl: 3, padding')
      .replace('  - dense: { units: 10, activation: softmax }\n', '  - dense: { units: 10, activation: softmax }\n  - dropout: { rate: 0.3 }\n');
    let version = 1;
    await open(s, uri, text, version);
    for (const code of ['unknown-layer', 'unknown-key', 'dropout-useless']) {
      const items = fullItems(await pull(s, uri));
      const d = items.find((x) => x.code === code);
      assert.ok(d, `${code} in ${JSON.stringify(items.map((x) => x.code))}`);
      const actions = await s.conn.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: d.range, context: { diagnostics: [d], only: ['quickfix'] } }) as CodeAction[];
      const fix = actions.find((a) => a.isPreferred === true && a.diagnostics?.[0]?.code === code);
      assert.ok(fix, `${code}: ${JSON.stringify(actions.map((a) => a.title))}`);
      const before = items.filter((x) => x.code === code).length;
      text = applyEdits(text, fix.edit?.changes?.[uri] as TextEdit[]);
      version++;
      await s.conn.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
      const after = fullItems(await pull(s, uri));
      assert.equal(after.filter((x) => x.code === code).length, before - 1, `${fix.title}: ${JSON.stringify(after)}`);
    }
    assert.deepEqual(fullItems(await pull(s, uri)).map((x) => x.code), []);
    assert.match(text, /- dropout: \{ rate: 0\.3 \}\n {2}- dense: \{ units: 10, activation: softmax \}\n/);
  });

  it('never crashes: garbage documents and absurd positions get answers, and the server stays up', async () => {
    const garbage = [
      '', '\u0000\u0001\u0002', Array.from({ length: 3000 }, (_, i) => String.fromCharCode((i * 7919) % 65536)).join(''),
      `x: ${'['.repeat(3000)}`, 'a: &a [*a]\nlayers: *a\n', 'dataset: mnist\nlayers:\n  - conv2d: { filters: 1e999, kernel: -5 }\n',
      'layers:\n' + '  - dense: { units: 99999999999999999999 }\n'.repeat(50),
    ];
    for (const [i, text] of garbage.entries()) {
      const uri = `file:///virtual/garbage${i}.cnn.yaml`;
      await open(s, uri, text);
      await pull(s, uri);
      for (const position of [{ line: 0, character: 0 }, { line: 9999, character: 9999 }, { line: 0, character: 500 }]) {
        await s.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position });
        await s.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position });
      }
      await s.conn.sendRequest(InlayHintRequest.type, { textDocument: { uri }, range: { start: { line: 0, character: 0 }, end: { line: 9999, character: 0 } } });
      await s.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } });
      await s.conn.sendRequest(MODEL_SPEC_REQUEST, { uri });
      await s.conn.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    }
    // Requests for documents the server never saw.
    assert.equal(await s.conn.sendRequest(HoverRequest.type, { textDocument: { uri: 'file:///nowhere' }, position: { line: 0, character: 0 } }), null);
    assert.equal(s.exited, false);
    const h = await s.conn.sendRequest(HoverRequest.type, { textDocument: { uri: 'file:///virtual/flatten.cnn.yaml' }, position: { line: 5, character: 5 } });
    assert.ok(h);
  });
});

describe('language server over stdio (push-diagnostics client)', function () {
  this.timeout(60_000);

  it('publishes diagnostics when the client cannot pull them', async () => {
    const s = await startServer({});
    try {
      assert.equal(s.init.capabilities.diagnosticProvider, undefined);
      const uri = 'file:///virtual/push.cnn.yaml';
      const got = new Promise<PublishDiagnosticsParams>((resolve) => {
        s.conn.onNotification(PublishDiagnosticsNotification.type, (p) => { if (p.uri === uri) resolve(p); });
      });
      await open(s, uri, MNIST.replace('relu }', 'relu, strides: 0 }'));
      const p = await got;
      assert.deepEqual(p.diagnostics.map((d) => d.code), ['out-of-range', 'dropout-suggested']);
      assert.equal(p.version, 1);
    } finally {
      await stopServer(s);
    }
  });
});
