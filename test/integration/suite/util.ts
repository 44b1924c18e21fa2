/**
 * Helpers for tests that run inside the extension host. Waiting is always on an editor event
 * (diagnostics, tabs, documents) with a deadline, never a fixed sleep.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { CnnLabApi } from '../../../src/extension/main';

/** `publisher.name` from package.json. */
export const EXTENSION_ID = 'cnn-lab.cnn-lab';

/** CNN Lab activated, and the API it returns for tests. */
export async function activateCnnLab(): Promise<CnnLabApi> {
  const ext = vscode.extensions.getExtension<CnnLabApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is installed`);
  return ext.activate();
}

export function workspaceRoot(): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the tests need the fixture workspace open as a folder');
  return folder.uri;
}

export function fixture(...segments: string[]): vscode.Uri {
  return vscode.Uri.joinPath(workspaceRoot(), ...segments);
}

/** Resolves with the first value `check` returns that is not undefined, re-checking on `event`. */
export function waitForEvent<T>(
  event: vscode.Event<unknown>,
  check: () => T | undefined,
  timeoutMs: number,
  what: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const first = check();
    if (first !== undefined) { resolve(first); return; }
    const sub = event(() => {
      const v = check();
      if (v !== undefined) { cleanup(); resolve(v); }
    });
    const timer = setTimeout(() => { cleanup(); reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)); }, timeoutMs);
    function cleanup(): void { clearTimeout(timer); sub.dispose(); }
  });
}

/**
 * For state that has no editor event (extension activation, a provider answering once the language
 * server is up): re-evaluates `check` every 100 ms until it yields a value or the deadline passes.
 */
export async function pollUntil<T>(check: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Diagnostics of `uri` once `accept` likes them (checked now and on every diagnostics change). */
export function waitForDiagnostics(
  uri: vscode.Uri,
  accept: (diags: readonly vscode.Diagnostic[]) => boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<readonly vscode.Diagnostic[]> {
  return waitForEvent(vscode.languages.onDidChangeDiagnostics, () => {
    const d = vscode.languages.getDiagnostics(uri);
    return accept(d) ? d : undefined;
  }, timeoutMs, `${what} (now: ${describeDiagnostics(vscode.languages.getDiagnostics(uri))})`);
}

export function diagnosticCode(d: vscode.Diagnostic): string {
  const c = d.code;
  if (c === undefined) return '';
  return typeof c === 'object' ? String(c.value) : String(c);
}

export function describeDiagnostics(diags: readonly vscode.Diagnostic[]): string {
  if (diags.length === 0) return 'none';
  return diags.map((d) => `[${diagnosticCode(d)} ${vscode.DiagnosticSeverity[d.severity]} ${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character}] ${d.message}`).join('; ');
}

export function errorsOf(diags: readonly vscode.Diagnostic[]): vscode.Diagnostic[] {
  return diags.filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
}

/** 0-based index of the only line of `doc` (comment lines aside) that contains `needle`. */
export function lineOf(doc: vscode.TextDocument, needle: string): number {
  const hits: number[] = [];
  for (let i = 0; i < doc.lineCount; i++) {
    const text = doc.lineAt(i).text;
    if (!text.trimStart().startsWith('#') && text.includes(needle)) hits.push(i);
  }
  assert.equal(hits.length, 1, `expected exactly one line containing ${JSON.stringify(needle)} in ${doc.uri.path}, found ${hits.length}:\n${doc.getText()}`);
  return hits[0] ?? -1;
}

/** Position of the first character of `needle` on its (only) line. */
export function positionOf(doc: vscode.TextDocument, needle: string): vscode.Position {
  const line = lineOf(doc, needle);
  return new vscode.Position(line, doc.lineAt(line).text.indexOf(needle));
}

export async function openModel(uri: vscode.Uri): Promise<vscode.TextEditor> {
  const doc = await vscode.workspace.openTextDocument(uri);
  return vscode.window.showTextDocument(doc, { preview: false });
}

/** Writes a fresh model file into the scratch folder of the workspace and returns its uri. */
export async function writeScratchModel(name: string, text: string): Promise<vscode.Uri> {
  const uri = fixture('scratch', name);
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
  return uri;
}

/** Text of hover contents, markdown or plain. */
export function hoverText(hovers: readonly vscode.Hover[]): string {
  return hovers.flatMap((h) => h.contents.map((c) => {
    if (typeof c === 'string') return c;
    return c.value;
  })).join('\n');
}

export function inlayLabel(h: vscode.InlayHint): string {
  return typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join('');
}

/** Matches a shape such as `28×28×8`, `28 x 28 x 8`, `(28, 28, 8)` or `[28,28,8]`. */
export function shapePattern(shape: readonly number[]): RegExp {
  return new RegExp(`[(\\[]?\\s*${shape.join('\\s*[×x,]\\s*')}\\s*[)\\]]?`);
}

export function allTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs);
}

/** Parameters of a conv2d layer: kernel weights per input channel and output filter, plus biases. */
export function conv2dParams(kernel: number, inChannels: number, filters: number): number {
  return kernel * kernel * inChannels * filters + filters;
}

export function denseParams(inputs: number, units: number): number {
  return inputs * units + units;
}

/** Output size of a `valid` convolution or pooling window along one axis. */
export function validSize(input: number, window: number, stride = 1): number {
  return Math.floor((input - window) / stride) + 1;
}
