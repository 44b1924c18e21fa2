/** Core results → LSP types. The only place the server shapes protocol objects. */
import {
  CodeAction, CodeActionKind, CodeLens, CompletionItem, CompletionItemKind, Diagnostic, DiagnosticSeverity, Hover,
  InlayHint, InlayHintKind, InsertTextFormat, MarkupKind,
} from 'vscode-languageserver/node';
import type { Range as LspRange } from 'vscode-languageserver/node';
import type { CoreCodeLens, CoreCompletionItem, CoreDiagnostic, CoreHover, CoreInlayHint, Range, Severity } from '../core/index';

const DIAGNOSTIC_SOURCE = 'cnn-lab';

const SEVERITY: Readonly<Record<Severity, DiagnosticSeverity>> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toDiagnostic(d: CoreDiagnostic): Diagnostic {
  return { range: d.range, severity: SEVERITY[d.severity], code: d.code, source: DIAGNOSTIC_SOURCE, message: d.message };
}

export function toHover(h: CoreHover): Hover {
  return { range: h.range, contents: { kind: MarkupKind.Markdown, value: h.markdown } };
}

const KIND: Readonly<Record<CoreCompletionItem['kind'], CompletionItemKind>> = {
  layer: CompletionItemKind.Class,
  key: CompletionItemKind.Property,
  value: CompletionItemKind.EnumMember,
};

export function toCompletion(c: CoreCompletionItem): CompletionItem {
  const item: CompletionItem = { label: c.label, kind: KIND[c.kind] };
  if (c.detail !== undefined) item.detail = c.detail;
  if (c.documentation !== undefined) item.documentation = { kind: MarkupKind.Markdown, value: c.documentation };
  if (c.insertText !== undefined) item.insertText = c.insertText;
  if (c.snippet === true) item.insertTextFormat = InsertTextFormat.Snippet;
  if (c.sortText !== undefined) item.sortText = c.sortText;
  return item;
}

export function toInlayHint(h: CoreInlayHint): InlayHint {
  const hint: InlayHint = { position: h.position, label: h.label, kind: InlayHintKind.Type, paddingLeft: true };
  if (h.tooltip !== undefined) hint.tooltip = h.tooltip;
  return hint;
}

/** Lenses pass the document URI as the command's only argument. */
export function toCodeLens(l: CoreCodeLens, uri: string): CodeLens {
  return {
    range: l.range,
    command: { title: l.title, command: l.command ?? '', arguments: l.command === null ? [] : [uri] },
  };
}

export function overlaps(a: Range | LspRange, b: Range | LspRange): boolean {
  const le = (p: { line: number; character: number }, q: { line: number; character: number }): boolean =>
    p.line < q.line || (p.line === q.line && p.character <= q.character);
  return le(a.start, b.end) && le(b.start, a.end);
}

/** Quick fixes of the diagnostics that touch `range`. */
export function toCodeActions(diags: readonly CoreDiagnostic[], range: LspRange, uri: string): CodeAction[] {
  const out: CodeAction[] = [];
  for (const d of diags) {
    if (!d.fix || !overlaps(d.range, range)) continue;
    for (const f of d.fix) {
      out.push({
        title: f.title, kind: CodeActionKind.QuickFix, diagnostics: [toDiagnostic(d)], isPreferred: f.preferred === true,
        edit: { changes: { [uri]: f.edits } },
      });
    }
  }
  return out;
}
