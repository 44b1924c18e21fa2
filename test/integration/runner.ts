/**
 * What the three real-VS-Code runners share (runCodeServer.ts, runTestElectron.ts, ../e2e/run.ts):
 * the entry point with its last `<layer>: N passed, M failed` line, timed phase lines, clean-up on
 * Ctrl+C, the server logs kept on failure, and the in-host suite's result file.
 */
import { copyFileSync, cpSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CodeServer } from '../../scripts/code-server/server';
import type { SuiteResults } from './suite/index';

/**
 * Runs `main` as the process's entry point: its result is the exit status; a throw is printed and
 * counted as one failure on the `layer: 0 passed, 1 failed` line the callers' readers look for.
 */
export function runMain(layer: string, main: () => Promise<number>): void {
  main().then((code) => { process.exitCode = code; }, (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.stdout.write(`${layer}: 0 passed, 1 failed\n`);
    process.exitCode = 1;
  });
}

/** A stderr line `[layer] label (seconds since t0)`. */
export function phaseLogger(layer: string, t0: number): (label: string) => void {
  return (label) => process.stderr.write(`[${layer}] ${label} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
}

/**
 * On SIGINT or SIGTERM, awaits `stop` (closing the browser and the server's process group) and
 * exits 130. Returns the function that removes the handlers again.
 */
export function stopOnSignal(stop: () => Promise<void>): () => void {
  const onSignal = (): void => { void stop().finally(() => process.exit(130)); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return () => {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };
}

/** What a reader needs to find the cause of a failure: the server's log and VS Code's own logs, copied into `output`. */
export function saveServerLogs(server: CodeServer, output: string): void {
  if (existsSync(server.logFile)) copyFileSync(server.logFile, join(output, 'server.log'));
  const logs = join(server.stateDir, 'data', 'logs');
  if (existsSync(logs)) cpSync(logs, join(output, 'vscode-logs'), { recursive: true });
}

/** The in-host suite's result file, or null when the suite never wrote it; prints a `FAILED:` line per failed test. */
export function readSuiteResults(file: string): SuiteResults | null {
  const results = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as SuiteResults : null;
  for (const t of results?.tests ?? []) if (t.state === 'failed') process.stdout.write(`FAILED: ${t.title}\n`);
  return results;
}
