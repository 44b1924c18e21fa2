/**
 * The language server speaks the client's display language: started over stdio with `locale: 'ko'`
 * (what vscode-languageclient sends for a Korean VS Code), or with `initializationOptions.locale`,
 * it answers diagnostics, quick fixes, hovers, lenses and completion in Korean, at the same ranges
 * as in English; an unknown locale falls back to English.
 */
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import {
  CodeActionRequest, CodeLensRequest, CompletionRequest, DidOpenTextDocumentNotification, DocumentDiagnosticRequest, ExitNotification,
  HoverRequest, InitializedNotification, InitializeRequest, ShutdownRequest,
} from 'vscode-languageserver-protocol';
import type { CodeAction, CodeLens, CompletionItem, Diagnostic, FullDocumentDiagnosticReport, Hover, InitializeParams, MarkupContent } from 'vscode-languageserver-protocol';
import { analyzeModelText } from '../../../src/core/index';

const ROOT = join(__dirname, '..', '..', '..');
const HANGUL = /[가-힣]/;
const URI = 'file:///tmp/locale-test.cnn.yaml';
// Kernel typo (quick fix), output units ≠ classes (quick fix), no dropout (hint).
const BROKEN = 'name: t\ndataset: mnist\nlayers:\n  - conv2d: { filters: 8, kernal: 3, activation: relu }\n  - flatten: {}\n  - dense: { units: 7, activation: softmax }\n';
const VALID = 'name: t\ndataset: mnist\nlayers:\n  - conv2d: { filters: 8, kernel: 3, activation: relu }\n  - flatten: {}\n  - dropout: 0.5\n  - dense: { units: 10, activation: softmax }\n';

interface Server { proc: ChildProcessWithoutNullStreams; conn: MessageConnection; exited: boolean }

async function start(init: Pick<InitializeParams, 'locale' | 'initializationOptions'>): Promise<Server> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'server', 'main.ts'), '--stdio'], { cwd: ROOT, stdio: 'pipe' });
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout), new StreamMessageWriter(proc.stdin));
  conn.listen();
  const s: Server = { proc, conn, exited: false };
  proc.on('exit', () => { s.exited = true; });
  await conn.sendRequest(InitializeRequest.type, {
    processId: process.pid, rootUri: null, workspaceFolders: null, ...init,
    capabilities: { textDocument: { diagnostic: { dynamicRegistration: false }, hover: { contentFormat: ['markdown'] } } },
  });
  await conn.sendNotification(InitializedNotification.type, {});
  return s;
}

async function stop(s: Server): Promise<void> {
  if (!s.exited) {
    await s.conn.sendRequest(ShutdownRequest.type);
    await s.conn.sendNotification(ExitNotification.type);
    await new Promise<void>((resolve) => { if (s.exited) resolve(); else s.proc.on('exit', () => resolve()); });
  }
  s.conn.dispose();
}

async function diagnostics(s: Server, uri: string, text: string): Promise<Diagnostic[]> {
  await s.conn.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'cnn-model', version: 1, text } });
  const r = await s.conn.sendRequest(DocumentDiagnosticRequest.type, { textDocument: { uri } });
  assert.equal(r.kind, 'full');
  return (r as FullDocumentDiagnosticReport).items;
}

describe('language server over stdio in Korean', function () {
  this.timeout(60_000);

  describe("locale: 'ko' in initialize", () => {
    let s: Server;
    before(async () => { s = await start({ locale: 'ko' }); });
    after(async () => { await stop(s); });

    it('diagnostics: the English codes and ranges, Korean messages', async () => {
      const items = await diagnostics(s, URI, BROKEN);
      const en = analyzeModelText(BROKEN).diagnostics;
      assert.deepEqual(items.map((d) => [d.code, d.range]), en.map((d) => [d.code, d.range]));
      assert.ok(items.length >= 1);
      for (const d of items) assert.match(d.message, HANGUL, d.message);
      assert.equal(items[0]?.message, 'conv2d에서 알 수 없는 키입니다: "kernal". 혹시 "kernel"인가요?');
    });

    it('quick fixes carry Korean titles and the same edits', async () => {
      const d = (await diagnostics(s, URI, BROKEN))[0] as Diagnostic;
      const actions = (await s.conn.sendRequest(CodeActionRequest.type, {
        textDocument: { uri: URI }, range: d.range, context: { diagnostics: [d] },
      })) as CodeAction[];
      assert.equal(actions[0]?.title, '"kernel"(으)로 바꾸기');
      assert.deepEqual(actions[0]?.edit?.changes?.[URI], analyzeModelText(BROKEN).diagnostics[0]?.fix?.[0]?.edits);
    });

    it('hover and lenses in Korean; completion docs in Korean', async () => {
      const uri = 'file:///tmp/locale-valid.cnn.yaml';
      assert.deepEqual(await diagnostics(s, uri, VALID), []);
      const h = (await s.conn.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 3, character: 6 } })) as Hover;
      const md = (h.contents as MarkupContent).value;
      assert.match(md, /\| 출력 \| \*\*26×26×8\*\* \|/);
      assert.match(md, /\| 파라미터 \| 80 = 가중치 3·3·1·8 \+ 편향 8 \|/);
      const lenses = (await s.conn.sendRequest(CodeLensRequest.type, { textDocument: { uri } })) as CodeLens[];
      assert.deepEqual(lenses.map((l) => l.command?.title.replace(/[\d,.]+[kMG]?/g, '#')), ['파라미터 #개 · MAC #', '$(play) 학습', '요약']);
      const items = (await s.conn.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 3, character: 4 } })) as CompletionItem[];
      const conv = items.find((c) => c.label === 'conv2d');
      assert.equal(conv?.detail, '층');
      assert.match((conv?.documentation as MarkupContent | undefined)?.value ?? '', /합성곱/);
    });
  });

  it('initializationOptions.locale overrides the display language; unknown locales fall back to English', async () => {
    const ko = await start({ locale: 'en', initializationOptions: { locale: 'ko-KR' } });
    const de = await start({ locale: 'de' });
    try {
      const [k, e] = await Promise.all([diagnostics(ko, URI, BROKEN), diagnostics(de, URI, BROKEN)]);
      assert.match(k[0]?.message ?? '', HANGUL);
      assert.deepEqual(e.map((d) => d.message), analyzeModelText(BROKEN).diagnostics.map((d) => d.message));
    } finally {
      await Promise.all([stop(ko), stop(de)]);
    }
  });
});
