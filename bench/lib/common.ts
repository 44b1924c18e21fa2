/**
 * Small shared pieces of the benchmark and course scripts: statistics, tables, the machine
 * description, model files and child processes.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeModelText, type TypedModelSpec } from '../../src/core/index';
import type { ModelSummary } from '../../src/shared/modelSpec';

export const ROOT = path.resolve(__dirname, '..', '..');

/** Cache folder of CNN Lab (data, native backend, benchmark venv): $CNN_LAB_CACHE, else XDG cache. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CNN_LAB_CACHE) return path.resolve(env.CNN_LAB_CACHE);
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'cnn-lab');
}

// ------------------------------------------------------------------ statistics

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
}

/** Median with the spread (min–max) of repeated measurements. */
export interface Spread { readonly median: number; readonly min: number; readonly max: number; readonly n: number }

export function spread(xs: readonly number[]): Spread {
  return { median: median(xs), min: xs.length ? Math.min(...xs) : NaN, max: xs.length ? Math.max(...xs) : NaN, n: xs.length };
}

export function fmt(v: number | null | undefined, digits = 0): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A Markdown table (also readable as plain text). */
export function markdownTable(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string => `| ${cells.map((x, c) => x.padEnd(widths[c] ?? 0)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

// ------------------------------------------------------------------ the machine

export interface MachineInfo {
  readonly cpuModel: string;
  readonly logicalCpus: number;
  readonly flags: string;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly loadAverageAtStart: readonly number[];
}

export function machineInfo(): MachineInfo {
  let flags = '';
  try {
    const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const f = /^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.split(/\s+/) ?? [];
    flags = ['avx2', 'avx512f', 'avx512_vnni', 'amx_tile', 'fma'].filter((x) => f.includes(x)).join(' ');
  } catch {
    // not Linux
  }
  return {
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    logicalCpus: os.cpus().length,
    flags,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

// ------------------------------------------------------------------ model files

export interface ModelFile {
  readonly file: string;
  readonly text: string;
  readonly spec: TypedModelSpec;
  readonly summary: ModelSummary;
}

/** Reads and analyses a model file like the language server does; throws on any error diagnostic. */
export function loadModelFile(file: string, text = fs.readFileSync(file, 'utf8')): ModelFile {
  const a = analyzeModelText(text);
  if (!a.spec || !a.summary) {
    const errs = a.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.range.start.line + 1}: ${d.message}`);
    throw new Error(`${file} does not analyse: ${errs.join('; ')}`);
  }
  return { file, text, spec: a.spec, summary: a.summary };
}

// ------------------------------------------------------------------ child processes

export interface Captured { readonly code: number | null; readonly stdout: string; readonly stderr: string }

/** Runs a command to completion, optionally writing `input` to its stdin. */
export function capture(cmd: string, args: readonly string[], opts: { input?: string; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<Captured> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : null;
    child.on('error', reject);
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

export function commandVersion(cmd: string, args: readonly string[]): string | null {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() || r.stderr.trim() : null;
}

/** Peak resident set (VmHWM) of a live process in MiB, or null once it is gone. */
export function peakRssMiB(pid: number): number | null {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

/**
 * A report with the sections of the file it replaces that other hands wrote, between
 * `<!-- kept: NAME -->` and `<!-- /kept: NAME -->` (docs/benchmarks.md: bench/fusedOps.ts's
 * fused-kernel measurements; docs/course.md: the full-MNIST dropout comparison the walkthrough
 * quotes): a regeneration copies them after its own sections, in their order.
 */
export function withKept(md: string, file: string): string {
  const previous = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const kept = [...previous.matchAll(/<!-- kept: ([\w.-]+) -->[\s\S]*?<!-- \/kept: \1 -->/g)].map((m) => m[0]);
  return kept.length > 0 ? `${md.trimEnd()}\n\n${kept.join('\n\n')}\n` : md;
}
