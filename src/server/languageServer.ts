/**
 * Connection wiring of the CNN model language server: thin handlers over src/core, one cached
 * analysis per document version, and a guard around every handler so that no input and no bug
 * can take the server down.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DocumentDiagnosticReportKind, ResponseError, ErrorCodes, TextDocuments, TextDocumentSyncKind } from 'vscode-languageserver/node';
import type { Connection, InitializeResult } from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { analyzeModelText, codeLenses, completionsAt, hoverAt, inlayHints, resolveLocale } from '../core/index';
import type { Analysis, Locale } from '../core/index';
import { ModelSpecRequest } from '../shared/lspProtocol';
import type { ModelSpecParams, ModelSpecResult } from '../shared/lspProtocol';
import { toCodeActions, toCodeLens, toCompletion, toDiagnostic, toHover, toInlayHint } from './convert';

interface Cached { version: number; analysis: Analysis }

export function startLanguageServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const cache = new Map<string, Cached>();
  let pullDiagnostics = false;
  /** Fixed for the session at initialize, so the per-version cache needs no locale key. */
  let locale: Locale = 'en';

  const log = (msg: string): void => {
    try { connection.console.error(msg); } catch { /* the client is gone */ }
  };

  /** Runs a handler; on any exception logs it and answers `fallback`. */
  function guard<P, R>(name: string, fallback: R, fn: (p: P) => R | Promise<R>): (p: P) => Promise<R> {
    return async (p: P) => {
      try {
        return await fn(p);
      } catch (err) {
        if (err instanceof ResponseError) throw err;
        log(`[cnn-lab] ${name} failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
        return fallback;
      }
    };
  }

  function analysisOf(doc: TextDocument): Analysis {
    const hit = cache.get(doc.uri);
    if (hit?.version === doc.version) return hit.analysis;
    const analysis = analyzeModelText(doc.getText(), { locale });
    cache.set(doc.uri, { version: doc.version, analysis });
    return analysis;
  }

  function analysisFor(uri: string): { doc: TextDocument; analysis: Analysis } | null {
    const doc = documents.get(uri);
    return doc ? { doc, analysis: analysisOf(doc) } : null;
  }

  connection.onInitialize((params): InitializeResult => {
    pullDiagnostics = params.capabilities.textDocument?.diagnostic !== undefined;
    // `initializationOptions.locale` overrides the editor's display language (`InitializeParams.locale`).
    const options: unknown = params.initializationOptions;
    const override = typeof options === 'object' && options !== null && 'locale' in options ? (options).locale : undefined;
    locale = resolveLocale(typeof override === 'string' && override !== '' ? override : params.locale);
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        completionProvider: { triggerCharacters: [':', ' ', '-', '{', ','], resolveProvider: false },
        inlayHintProvider: { resolveProvider: false },
        codeLensProvider: { resolveProvider: false },
        codeActionProvider: { codeActionKinds: ['quickfix'] },
        ...(pullDiagnostics ? { diagnosticProvider: { interFileDependencies: false, workspaceDiagnostics: false } } : {}),
      },
      serverInfo: { name: 'cnn-lab-language-server', version: '0.1.0' },
    };
  });

  // Push diagnostics only for clients without pull support.
  documents.onDidChangeContent((e) => {
    if (pullDiagnostics) return;
    try {
      const items = analysisOf(e.document).diagnostics.map(toDiagnostic);
      void connection.sendDiagnostics({ uri: e.document.uri, version: e.document.version, diagnostics: items });
    } catch (err) {
      log(`[cnn-lab] diagnostics failed: ${String(err)}`);
    }
  });
  documents.onDidClose((e) => {
    cache.delete(e.document.uri);
    if (!pullDiagnostics) void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
  });

  connection.languages.diagnostics.on(guard('diagnostics', { kind: DocumentDiagnosticReportKind.Full, items: [] }, (params) => {
    const a = analysisFor(params.textDocument.uri);
    if (!a) return { kind: DocumentDiagnosticReportKind.Full, items: [] };
    const resultId = `${a.doc.version}`;
    if (params.previousResultId === resultId) return { kind: DocumentDiagnosticReportKind.Unchanged, resultId };
    return { kind: DocumentDiagnosticReportKind.Full, resultId, items: a.analysis.diagnostics.map(toDiagnostic) };
  }));

  connection.onHover(guard('hover', null, (params) => {
    const a = analysisFor(params.textDocument.uri);
    const h = a ? hoverAt(a.doc.getText(), a.analysis, params.position, { locale }) : null;
    return h ? toHover(h) : null;
  }));

  connection.onCompletion(guard('completion', [], (params) => {
    const doc = documents.get(params.textDocument.uri);
    return doc ? completionsAt(doc.getText(), params.position, { locale }).map(toCompletion) : [];
  }));

  connection.languages.inlayHint.on(guard('inlayHint', [], (params) => {
    const a = analysisFor(params.textDocument.uri);
    return a ? inlayHints(a.doc.getText(), a.analysis, params.range, { locale }).map(toInlayHint) : [];
  }));

  connection.onCodeLens(guard('codeLens', [], (params) => {
    const a = analysisFor(params.textDocument.uri);
    return a ? codeLenses(a.analysis, { locale }).map((l) => toCodeLens(l, params.textDocument.uri)) : [];
  }));

  connection.onCodeAction(guard('codeAction', [], (params) => {
    const only = params.context.only;
    if (only && !only.some((k) => 'quickfix'.startsWith(k))) return [];
    const a = analysisFor(params.textDocument.uri);
    return a ? toCodeActions(a.analysis.diagnostics, params.range, params.textDocument.uri) : [];
  }));

  connection.onRequest(ModelSpecRequest, guard('modelSpec', null as ModelSpecResult | null, async (params: ModelSpecParams): Promise<ModelSpecResult> => {
    if (typeof params?.uri !== 'string') throw new ResponseError(ErrorCodes.InvalidParams, 'cnn/modelSpec needs { uri }');
    let version: number;
    let analysis: Analysis;
    const open = analysisFor(params.uri);
    if (open) {
      version = open.doc.version;
      analysis = open.analysis;
    } else {
      // Not open in the editor: read it from disk (version 0).
      let text: string;
      try {
        text = await readFile(fileURLToPath(params.uri), 'utf8');
      } catch (err) {
        throw new ResponseError(ErrorCodes.InvalidParams, `cannot read ${params.uri}: ${err instanceof Error ? err.message : String(err)}`);
      }
      version = 0;
      analysis = analyzeModelText(text, { locale });
    }
    const errors = analysis.diagnostics
      .filter((d) => d.severity === 'error')
      .map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`);
    return { uri: params.uri, version, spec: analysis.spec, summary: analysis.summary, errors };
  }));

  documents.listen(connection);
  connection.listen();
}
