/**
 * Random SIGKILLs of `cnn-lab train`, seeded, shared by test/process/cli/kills.test.ts (a dozen in
 * `npm test`) and scripts/kill-test.ts (a hundred, with a table). Each kill is of either the
 * trainer alone (its pid from the CLI's `ready` line; the CLI lives on and reports) or the CLI and
 * trainer together (both process groups: the CLI forks the trainer into a group of its own), at
 * a random delay after an event that opens the phase aimed at: start-up, data loading, training,
 * the end of an epoch (validation and checkpoint writing) and the final evaluation.
 *
 * After each kill: `cnn-lab runs --json` must list every run folder left on disk, none still
 * `running`; what the user was told (the CLI's last line, else the listing's `resumeNote`) must
 * match the listing; a folder the CLI said it removed must be gone. A resumable folder must then
 * finish with `cnn-lab train --resume DIR` (exit 0, summary completed, one epoch line per epoch)
 * and `--resume` must say it does what the listing told.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { isPidAlive, readRun } from '../../../src/host/runStore';
import { mulberry32 } from '../../../src/trainer/data/random';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'bin/cnn-lab.js');
/** Port 9 (discard) on loopback: refused at once, so the offline MNIST copy is read. */
const DEAD_MIRROR = 'http://127.0.0.1:9/mnist/';
export const EPOCHS = 3;

const MODEL = `name: kill-digits
dataset: mnist
layers:
  - conv2d: { filters: 4, kernel: 3, activation: relu }
  - maxpool2d: { pool: 2 }
  - flatten
  - dense: { units: 10, activation: softmax }
train:
  epochs: ${EPOCHS}
  batchSize: 32
`;

export type KillMode = 'trainer' | 'cli+trainer';
/** What was running when the kill landed, as the CLI's output and the folder show it. */
export type Phase = 'start-up' | 'data loading' | 'model build' | 'training' | 'validation+checkpoint' | 'checkpoint write' | 'evaluation' | 'finished';
export const PHASES: readonly Phase[] = ['start-up', 'data loading', 'model build', 'training', 'validation+checkpoint', 'checkpoint write', 'evaluation', 'finished'];

export interface KillResult {
  readonly index: number;
  readonly mode: KillMode;
  readonly aim: string;
  readonly phase: Phase;
  readonly delayMs: number;
  /** What the user was told about the folder after the kill. */
  readonly told: string;
  /** `resumed`: --resume completed it; `removed`: no folder left; `completed`: it had finished before the kill. */
  readonly outcome: 'resumed' | 'removed' | 'completed' | 'failed';
  readonly resumedFrom?: number | null;
  /** The resumed run's test accuracy equals the uninterrupted reference run's. */
  readonly sameAsReference?: boolean;
  readonly failures: readonly string[];
}

interface Msg { type: string; [k: string]: unknown }


interface CliRun {
  readonly child: ChildProcess;
  readonly messages: Msg[];
  readonly closed: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

export class KillCampaign {
  readonly work: string;
  private readonly dataDir: string;
  private referenceTestAcc: number | null = null;

  constructor(work?: string) {
    this.work = work ?? mkdtempSync(path.join(os.tmpdir(), 'cnnlab-kills-'));
    this.dataDir = path.join(this.work, 'data');
    mkdirSync(this.dataDir, { recursive: true });
    writeFileSync(path.join(this.work, 'kill.cnn.yaml'), MODEL);
  }

  static build(): void {
    const b = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`build failed:\n${b.stdout}\n${b.stderr}`);
  }

  private flags(out: string): string[] {
    return ['--max-train-samples', '480', '--max-test-samples', '200', '--mirror', DEAD_MIRROR, '--out', out, '--json'];
  }

  private cli(args: string[], onMessage?: (m: Msg, run: CliRun) => void): CliRun {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: this.work, detached: true, env: { ...process.env, CNN_LAB_DATA_DIR: this.dataDir, CI: '1' },
    });
    const messages: Msg[] = [];
    let stdout = '';
    let stderr = '';
    let pending = '';
    const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 180_000);
    const run: CliRun = {
      child, messages,
      closed: new Promise((resolve) => child.on('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr }); })),
    };
    child.stdout?.on('data', (d: Buffer) => {
      stdout += d.toString();
      pending += d.toString();
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        try {
          const m = JSON.parse(line) as Msg;
          messages.push(m);
          onMessage?.(m, run);
        } catch { /* not JSON */ }
      }
    });
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    return run;
  }

  /** An uninterrupted run: every resume must end with its test accuracy when resumes are bit-identical. */
  async reference(): Promise<void> {
    const out = path.join(this.work, 'reference');
    const r = await this.cli(['train', 'kill.cnn.yaml', ...this.flags(out)]).closed;
    const done = r.stdout.trim().split('\n').map((l) => { try { return JSON.parse(l) as Msg; } catch { return null; } }).filter((m): m is Msg => m?.type === 'done').at(-1);
    if (r.code !== 0 || done?.status !== 'completed') throw new Error(`reference run failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
    this.referenceTestAcc = typeof done.testAcc === 'number' ? done.testAcc : null;
  }

  /** One seeded kill, checked; never throws for a failed check (they are in `failures`). */
  async kill(index: number, seed: number): Promise<KillResult> {
    const rand = mulberry32(seed * 1_000_003 + index);
    const mode: KillMode = rand() < 0.5 ? 'trainer' : 'cli+trainer';
    const aims = ['start-up', 'data loading', 'training', 'epoch end', 'evaluation'];
    const aim = aims[Math.floor(rand() * aims.length)] ?? 'training';
    const epoch = 1 + Math.floor(rand() * EPOCHS);
    // start-up: from the CLI's spawn (cli+trainer) or the trainer's `ready` (trainer alone), so it
    // covers the CLI, the fork and the backend loading; data loading: from the `backend` line.
    const delayMs = Math.round(aim === 'start-up' ? rand() * (mode === 'trainer' ? 600 : 1200)
      : aim === 'data loading' ? rand() * 600
        : aim === 'training' ? rand() * 500
          : aim === 'epoch end' ? rand() * 40 : rand() * 120);
    const out = path.join(this.work, `runs-${index}`);
    const failures: string[] = [];
    let trainerPid: number | undefined;
    let killed = false;
    let killedAfter: Msg[] = [];
    let runDir: string | undefined;

    const doKill = (run: CliRun): void => {
      if (killed) return;
      killed = true;
      killedAfter = run.messages.slice();
      if (mode === 'trainer') {
        if (trainerPid !== undefined) try { process.kill(trainerPid, 'SIGKILL'); } catch { /* already gone */ }
      } else {
        for (const g of [run.child.pid, trainerPid]) if (g !== undefined) try { process.kill(-g, 'SIGKILL'); } catch { /* gone */ }
      }
    };
    const arm = (run: CliRun): void => { setTimeout(() => doKill(run), delayMs); };
    const run = this.cli(['train', 'kill.cnn.yaml', ...this.flags(out)], (m, r) => {
      if (m.type === 'ready') trainerPid = m.pid as number;
      if (m.type === 'started') runDir = m.runDir as string;
      if (killed) return;
      const lastBatch = m.type === 'batch' && m.batch === m.batchesPerEpoch;
      if ((aim === 'start-up' && mode === 'trainer' && m.type === 'ready')
        || (aim === 'data loading' && m.type === 'backend')
        || (aim === 'training' && m.type === 'started')
        || (aim === 'epoch end' && lastBatch && m.epoch === epoch)
        || (aim === 'evaluation' && m.type === 'epochEnd' && m.epoch === EPOCHS)) arm(r);
    });
    if (aim === 'start-up' && mode === 'cli+trainer') arm(run);
    const closed = await run.closed;
    if (!killed) killedAfter = run.messages.slice();
    // The trainer is gone before anything is judged (in cli+trainer mode it was orphaned).
    for (let i = 0; i < 100 && trainerPid !== undefined && isPidAlive(trainerPid); i++) await new Promise((r) => setTimeout(r, 50));

    const onDisk = (): string[] => (existsSync(out) ? readdirSync(out).filter((n) => !n.startsWith('.')) : []);
    const leftBefore = onDisk();
    let phase = phaseOf(killedAfter);
    if (leftBefore.some((d) => existsSync(path.join(out, d, 'checkpoints')) && readdirSync(path.join(out, d, 'checkpoints')).some((n) => n.includes('.tmp-')))) phase = 'checkpoint write';

    // What the CLI told (trainer mode: it lived to print its last line).
    const last = closed.stdout.trim().split('\n').map((l) => { try { return JSON.parse(l) as Msg; } catch { return null; } }).filter((m): m is Msg => m?.type === 'done').at(-1);
    if (mode === 'trainer' && killed && trainerPid !== undefined) {
      if (last === undefined) failures.push(`the CLI printed no done line after the trainer was killed (exit ${closed.code}):\n${closed.stderr.slice(-600)}`);
      else if (last.status !== 'completed' && closed.code !== 2) failures.push(`the CLI exited ${closed.code} after its trainer was killed, not 2`);
    }

    const listing = spawnSync(process.execPath, [BIN, 'runs', '--out', out, '--json'], { cwd: this.work, encoding: 'utf8', env: { ...process.env, CI: '1' } });
    if (listing.status !== 0) failures.push(`cnn-lab runs exited ${listing.status}: ${listing.stderr}`);
    const listed = listing.stdout.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as {
      dir: string; runId: string; status: string; resume: { resumable: boolean; fromCheckpoint?: number | null; reason?: string }; resumeNote: string;
    });
    const leftAfter = onDisk();
    for (const d of leftAfter) if (!listed.some((e) => e.runId === d)) failures.push(`folder ${d} is left behind but not listed by cnn-lab runs (holds: ${readdirSync(path.join(out, d)).join(', ') || 'nothing'})`);
    if (listed.length > 1) failures.push(`${listed.length} run folders for one run`);

    const entry = listed[0];
    let told = entry?.resumeNote ?? 'nothing kept';
    if (mode === 'trainer' && last !== undefined && killed) {
      if (last.runDir === null) {
        told = 'CLI: nothing was kept';
        if (entry !== undefined) failures.push(`the CLI said nothing was kept, but ${entry.runId} is listed: ${entry.resumeNote}`);
      } else if (last.status !== 'completed') {
        told = `CLI: ${String(last.resumeNote)}`;
        if (entry === undefined) failures.push(`the CLI told "${String(last.resumeNote)}" but no folder is listed`);
        else if (entry.resumeNote !== last.resumeNote) failures.push(`the CLI told "${String(last.resumeNote)}", cnn-lab runs tells "${entry.resumeNote}"`);
      }
    }

    let outcome: KillResult['outcome'] = 'failed';
    let resumedFrom: number | null | undefined;
    let sameAsReference: boolean | undefined;
    if (entry === undefined) {
      outcome = 'removed';
      if (runDir !== undefined && existsSync(runDir)) failures.push(`${runDir} exists but is not listed`);
      // A folder the trainer had started training in must never vanish.
      if (killedAfter.some((m) => m.type === 'epochEnd')) failures.push('a folder with finished epochs was removed');
    } else if (entry.status === 'running') {
      failures.push(`${entry.runId} is still listed as running after the kill`);
    } else if (entry.status === 'completed') {
      outcome = 'completed';
      if (entry.resume.resumable) failures.push('a completed run is listed as resumable');
    } else if (!entry.resume.resumable) {
      failures.push(`${entry.runId} (${entry.status}) is not resumable: ${entry.resumeNote}`);
    } else {
      resumedFrom = entry.resume.fromCheckpoint ?? null;
      const resumed = await this.cli(['train', '--resume', entry.dir, ...this.flags(out)]).closed;
      const expectSays = resumedFrom === null ? /from the start: no checkpoint yet/
        : resumedFrom >= EPOCHS ? /redoing only the test evaluation/ : new RegExp(`from the checkpoint of epoch ${resumedFrom}\\b`);
      if (!expectSays.test(resumed.stderr)) failures.push(`--resume did not say what cnn-lab runs told ("${entry.resumeNote}"): ${resumed.stderr.trim().split('\n')[0] ?? ''}`);
      if (resumed.code !== 0) {
        failures.push(`--resume exited ${resumed.code}:\n${resumed.stderr.slice(-800)}`);
      } else {
        const data = await readRun(entry.dir);
        const epochs = data.metrics.filter((m) => m.kind === 'epoch').map((m) => m.epoch);
        if (data.summary?.status !== 'completed') failures.push(`after --resume the summary says ${data.summary?.status}`);
        if (data.summary?.epochsCompleted !== EPOCHS) failures.push(`after --resume ${data.summary?.epochsCompleted} of ${EPOCHS} epochs`);
        if (epochs.join() !== Array.from({ length: EPOCHS }, (_, i) => i + 1).join()) failures.push(`epoch lines after --resume: ${epochs.join()}`);
        if (this.referenceTestAcc !== null && data.summary?.testAcc !== undefined) sameAsReference = data.summary.testAcc === this.referenceTestAcc;
        if (failures.length === 0) outcome = 'resumed';
      }
    }
    if (failures.length > 0) outcome = 'failed';
    rmSync(out, { recursive: true, force: true });
    return {
      index, mode, aim, phase, delayMs, told, outcome, failures,
      ...(resumedFrom !== undefined ? { resumedFrom } : {}), ...(sameAsReference !== undefined ? { sameAsReference } : {}),
    };
  }

  dispose(): void {
    rmSync(this.work, { recursive: true, force: true });
  }
}

/** The phase the CLI had seen the trainer reach when the kill landed. */
function phaseOf(seen: readonly Msg[]): Phase {
  const types = new Set(seen.map((m) => m.type));
  if (types.has('done')) return 'finished';
  if (types.has('evaluation')) return 'evaluation';
  if (!types.has('backend')) return 'start-up';
  if (!types.has('dataset')) return 'data loading';
  if (!types.has('started')) return 'model build';
  const last = [...seen].reverse().find((m) => m.type === 'batch' || m.type === 'epochEnd');
  if (last?.type === 'epochEnd') return last.epoch === EPOCHS ? 'evaluation' : 'training';
  if (last?.type === 'batch' && last.batch === last.batchesPerEpoch) return 'validation+checkpoint';
  return 'training';
}

/** The figures: kills by phase and mode, and outcomes. */
export function table(results: readonly KillResult[]): string {
  const rows = PHASES.map((p) => {
    const r = results.filter((x) => x.phase === p);
    const n = (f: (x: KillResult) => boolean): number => r.filter(f).length;
    return [p, r.length, n((x) => x.mode === 'trainer'), n((x) => x.mode === 'cli+trainer'),
      n((x) => x.outcome === 'resumed'), n((x) => x.outcome === 'resumed' && x.resumedFrom === null),
      n((x) => x.outcome === 'removed'), n((x) => x.outcome === 'completed'), n((x) => x.outcome === 'failed')];
  }).filter((r) => r[1] !== 0);
  const total = ['total', ...[1, 2, 3, 4, 5, 6, 7, 8].map((i) => rows.reduce((s, r) => s + Number(r[i]), 0))];
  const head = ['phase', 'kills', 'trainer', 'cli+trainer', 'resumed ok', '(from start)', 'removed', 'had finished', 'failures'];
  const all = [head, ...rows, total].map((r) => r.map(String));
  const w = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(w[i] ?? 0) : c.padStart(w[i] ?? 0))).join('  ');
  const same = results.filter((x) => x.sameAsReference !== undefined);
  return [line(all[0] ?? []), w.map((x) => '-'.repeat(x)).join('  '), ...all.slice(1, -1).map(line), w.map((x) => '-'.repeat(x)).join('  '), line(all.at(-1) ?? []),
    '', `resumed runs with the uninterrupted run's exact test accuracy: ${same.filter((x) => x.sameAsReference).length}/${same.length}`].join('\n');
}
