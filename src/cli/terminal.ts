/**
 * Where the CLI writes: results to stdout, errors and notes to stderr, and one redrawable "live"
 * line (progress bars) when stdout is an interactive terminal. Not a TTY, `CI` set or `TERM=dumb`
 * means plain lines only, so logs of CI jobs and pipes stay readable.
 */
import { fitWidth } from './format';

export interface Terminal {
  readonly isTTY: boolean;
  /** A line of results on stdout. */
  out(line: string): void;
  /** A line on stderr (errors, diagnostics). */
  error(line: string): void;
  /** A note on stderr, so stdout stays machine-readable with --json. */
  info(line: string): void;
  /** Replaces the live line (TTY only; ignored otherwise). */
  live(line: string): void;
  /** Removes the live line, if any. */
  clearLive(): void;
}

function isInteractive(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && (env.CI === undefined || env.CI === '' || env.CI === 'false') && env.TERM !== 'dumb';
}

export function processTerminal(stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): Terminal {
  const tty = isInteractive(stdout);
  let liveShown = false;
  const clearLive = (): void => {
    if (liveShown) {
      stdout.write('\r\x1b[K');
      liveShown = false;
    }
  };
  return {
    isTTY: tty,
    out(line) { clearLive(); stdout.write(`${line}\n`); },
    error(line) { clearLive(); stderr.write(`${line}\n`); },
    info(line) { clearLive(); stderr.write(`${line}\n`); },
    live(line) {
      if (!tty) return;
      stdout.write(`\r${fitWidth(line, stdout.columns)}\x1b[K`);
      liveShown = true;
    },
    clearLive,
  };
}

/** The diagnostic shape of `analyzeModelText` (0-based line and character, as in LSP). */
export interface PrintableDiagnostic {
  readonly range: { readonly start: { readonly line: number; readonly character: number } };
  readonly severity: 'error' | 'warning' | 'information' | 'hint';
  readonly code?: string;
  readonly message: string;
}

/** `file:line:col: severity: message [code]`, 1-based like compilers, in source order. */
export function formatDiagnostic(file: string, d: PrintableDiagnostic): string {
  const sev = d.severity === 'information' ? 'info' : d.severity;
  return `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${sev}: ${d.message}${d.code !== undefined ? ` [${d.code}]` : ''}`;
}

/** Prints errors and warnings (hints and information are editor-only) to stderr; returns the error count. */
export function printDiagnostics(term: Terminal, file: string, diagnostics: readonly PrintableDiagnostic[]): number {
  const shown = diagnostics
    .filter((d) => d.severity === 'error' || d.severity === 'warning')
    .slice()
    .sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  for (const d of shown) term.error(formatDiagnostic(file, d));
  return diagnostics.filter((d) => d.severity === 'error').length;
}
