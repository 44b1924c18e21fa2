// Types of scripts/testRunner.mjs, for the TypeScript tests that import it.
export const TOKEN_VAR: string;

export interface ProcessInfo { readonly pid: number; readonly comm: string }

export interface RunResult {
  /** Exit status; 124 when timed out, 130 when interrupted, 127 when the command could not start. */
  readonly code: number;
  readonly signal: NodeJS.Signals | null;
  readonly out: string;
  readonly timedOut: boolean;
  readonly interrupted: boolean;
  /** Processes of the tree still running after the command exited by itself (now killed). */
  readonly strays: ProcessInfo[];
  readonly seconds: number;
}

export interface RunOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
  readonly graceMs?: number;
  readonly signal?: AbortSignal;
  readonly name?: string;
  readonly log?: (line: string) => void;
  readonly quiet?: boolean;
}

export function runWithTimeout(cmd: readonly string[], opts?: RunOptions): Promise<RunResult>;
export function processesWithToken(token: string): ProcessInfo[];
export function killTree(pgid: number | undefined, token: string, graceMs?: number): Promise<ProcessInfo[]>;
export function layerTimeouts(defaults: Readonly<Record<string, number>>, envValue?: string): Record<string, number>;
export function chromiumPath(env?: NodeJS.ProcessEnv): string;

export interface Need {
  readonly hard: boolean;
  readonly what: string;
  readonly skipped?: string;
  missing(env?: NodeJS.ProcessEnv): string[] | { cannot: string };
}
export const NEEDS: Readonly<Record<string, Need>>;
export function installPrefix(): string[] | null;
export function ensureNeeds(layer: string, needs: readonly string[], opts?: {
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
  readonly install?: boolean;
  readonly prefix?: () => string[] | null;
}): Promise<{ ok: boolean; lines: string[] }>;
