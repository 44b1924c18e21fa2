/**
 * The host's own analyses of model text (resume, Show Model Summary, the inspector) in the user's
 * language, as the language server gives them: a Korean VS Code gets Korean diagnostics inside
 * its Korean sentences. The server resolves the same `vscode.env.language` at initialize.
 */
import * as vscode from 'vscode';
import { analyzeModelText, resolveLocale, type Analysis, type Locale } from '../core/index';

function userLocale(): Locale {
  return resolveLocale(vscode.env.language);
}

export function analyzeForUser(text: string): Analysis {
  return analyzeModelText(text, { locale: userLocale() });
}
