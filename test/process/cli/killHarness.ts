/**
 * Random SIGKILLs of training runs, seeded, shared by test/process/cli/kills.test.ts (a few in
 * `npm test`) and scripts/kill-test.ts (a hundred, with tables). Three modes:
 *
 * - `trainer`: the trainer of `cnn-lab train` alone (its pid from the CLI's `ready` line; the CLI
 *   lives on and reports);
 * - `cli+trainer`: the CLI and its trainer together (both process groups: the CLI forks the
 *   trainer into a group of its own);
 * - `host+trainer`: a stand-in for the extension host (extensionHostStandIn.ts: the run started
 *   with TrainingService's own options, the trainer forked into the host's process group as the
 *   extension forks it), killed alone (the orphaned trainer must then end by its watchdog within
 *   WATCHDOG_LIMIT_MS) or together with its trainer (the host's whole process group at once).
 *
 * Each kill lands at a random delay after an event that opens the phase aimed at: start-up, data
 * loading, training, the end of an epoch (validation and checkpoint writing) and the final
 * evaluation.
 *
 * After each kill: `cnn-lab runs --json` must list every run folder left on disk, none still
 * `running`; what the user was told (the CLI's last line; after a host kill, the Runs view of a
 * reloaded window, the stand-in's `list`; else the listing's `resumeNote`) must match the listing;
 * a folder the CLI said it removed must be gone. A resumable folder must then finish with
 * `cnn-lab train --resume DIR`, or for a host kill mostly with the stand-in's Resume Run (exit 0,
 * summary completed, one epoch line per epoch); the resume must say it does what the listing told
 * and start at the epoch after the checkpoint it named; and its test accuracy must be the
 * uninterrupted reference run's (started the same way: CLI, or extension with its settings).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { isPidAlive, readRun } from '../../../src/host/runStore';
import { mulberry32 } from '../../../src/trainer/data/random';

const ROOT = path.resolve(__dirname, '../../..');
const BIN = path.join(ROOT, 'bin/cnn-lab.js');
/** The extension host stand-in's bundle (KillCampaign.build). */
const STAND_IN = path.join(ROOT, 'node_modules/.cache/cnn-lab/extension-host-stand-in.js');
/** How long an orphaned trainer may outlive its killed extension host (its watchdog checks every 3 s). */
export const WATCHDOG_LIMIT_MS = 5_000;
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

export type KillMode = 'trainer' | 'cli+trainer' | 'host+trainer';
export const MODES: readonly KillMode[] = ['trainer', 'cli+trainer', 'host+trainer'];
/** What was running when the kill landed, as the CLI's output and the folder show it. */
export type Phase = 'start-up' | 'data loading' | 'model build' | 'training' | 'validation+checkpoint' | 'checkpoint write' | 'evaluation' | 'finished';
export const PHASES: readonly Phase[] = ['start-up', 'data loading', 'model build', 'training', 'validation+checkpoint', 'checkpoint write', 'evaluation', 'finished'];

export interface KillResult {
  readonly index: number;
  readonly mode: KillMode;
  /** host+trainer mode: the host alone (its trainer orphaned) or the host's process group, trainer included. */
  readonly hostKill?: 'host alone' | 'host and trainer';
  readonly aim: string;
  readonly phase: Phase;
  readonly delayMs: number;
  /** What the user was told about the folder after the kill. */
  readonly told: string;
  /** `resumed`: --resume (or Resume Run) completed it; `removed`: no folder left; `completed`: it had finished before the kill. */
  readonly outcome: 'resumed' | 'removed' | 'completed' | 'failed';
  readonly resumedFrom?: number | null;
  /** What resumed the folder: `cnn-lab train --resume`, or the stand-in's Resume Run. */
  readonly resumedWith?: 'cli' | 'extension';
  /** host alone: how long the orphaned trainer lived on after the kill (ms). */
  readonly watchdogMs?: number;
  /** The resumed run's test accuracy equals the uninterrupted reference run's. */
  readonly sameAsReference?: boolean;
  readonly failures: readonly string[];
}

interface Msg { type: string; [k: string]: unknown }

/** One line of `cnn-lab runs --json` (and of the stand-in's `list`). */
interface Listed {
  dir: string; runId: string; status: string; resume: { resumable: boolean; fromCheckpoint?: number | null; reason?: string }; resumeNote: string;
}

/** The JSON lines of a process's output (others skipped). */
function jsonLines(text: string): Msg[] {
  return text.split('\n').map((l) => { try { return JSON.parse(l) as unknown; } catch { return null; } })
    .filter((m): m is Msg => typeof m === 'object' && m !== null && !Array.isArray(m));
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The live (not zombie) processes of a process group, from /proc (Linux; elsewhere none are seen). */
function groupMembers(pgid: number): number[] {
  const pids: number[] = [];
  for (const name of existsSync('/proc') ? readdirSync('/proc') : []) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // After the command's closing parenthesis: state, ppid, pgrp, ...
      const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(pgrp) === pgid && state !== 'Z') pids.push(Number(name));
    } catch { /* ended meanwhile */ }
  }
  return pids;
}


interface ProcRun {
  readonly child: ChildProcess;
  readonly messages: Msg[];
  readonly closed: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

export class KillCampaign {
  readonly work: string;
  private readonly dataDir: string;
  private referenceTestAcc: number | null = null;
  /** The reference of runs the extension starts (its settings cap the training samples only). */
  private hostReferenceTestAcc: number | null = null;

  constructor(work?: string) {
    this.work = work ?? mkdtempSync(path.join(os.tmpdir(), 'cnnlab-kills-'));
    this.dataDir = path.join(this.work, 'data');
    mkdirSync(this.dataDir, { recursive: true });
    writeFileSync(path.join(this.work, 'kill.cnn.yaml'), MODEL);
  }

  static build(): void {
    const b = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`build failed:\n${b.stdout}\n${b.stderr}`);
    // Bundled like dist/extension.js (esbuild.mjs), less vscode, which the stand-in does not use.
    buildSync({
      entryPoints: [path.join(ROOT, 'test/process/cli/extensionHostStandIn.ts')], outfile: STAND_IN,
      bundle: true, platform: 'node', format: 'cjs', target: 'node20', mainFields: ['module', 'main'], logLevel: 'error',
    });
  }

  /** The settings of the extension runs: the same caps as the CLI's, less the test cap the extension has no setting for. */
  private hostSettings(): string {
    return JSON.stringify({ maxTrainSamples: 480, mnistMirrors: [DEAD_MIRROR], dataCacheDir: this.dataDir });
  }

  private flags(out: string): string[] {
    return ['--max-train-samples', '480', '--max-test-samples', '200', '--mirror', DEAD_MIRROR, '--out', out, '--json'];
  }

  private cli(args: string[], onMessage?: (m: Msg, run: ProcRun) => void): ProcRun {
    return this.proc(BIN, args, onMessage);
  }

  /** The extension host stand-in (in a process group of its own, which its trainer shares). */
  private host(args: string[], onMessage?: (m: Msg, run: ProcRun) => void): ProcRun {
    return this.proc(STAND_IN, args, onMessage);
  }

  private proc(script: string, args: string[], onMessage?: (m: Msg, run: ProcRun) => void): ProcRun {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: this.work, detached: true, env: { ...process.env, CNN_LAB_DATA_DIR: this.dataDir, CI: '1', CNN_LAB_EXTENSION_PATH: ROOT },
    });
    const messages: Msg[] = [];
    let stdout = '';
    let stderr = '';
    let pending = '';
    const timer = setTimeout(() => { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }, 180_000);
    const run: ProcRun = {
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

  /**
   * Uninterrupted runs, one started by the CLI and one by the extension host stand-in: every resume
   * must end with the test accuracy of the one started the same way, as resumes are bit-identical.
   */
  async reference(): Promise<void> {
    const out = path.join(this.work, 'reference');
    const r = await this.cli(['train', 'kill.cnn.yaml', ...this.flags(out)]).closed;
    const done = jsonLines(r.stdout).filter((m) => m.type === 'done').at(-1);
    if (r.code !== 0 || done?.status !== 'completed') throw new Error(`reference run failed (${r.code}):\n${r.stdout}\n${r.stderr}`);
    this.referenceTestAcc = typeof done.testAcc === 'number' ? done.testAcc : null;
    const h = await this.host(['train', 'kill.cnn.yaml', path.join(this.work, 'reference-host'), this.hostSettings()]).closed;
    const hostDone = jsonLines(h.stdout).filter((m) => m.type === 'done').at(-1);
    if (h.code !== 0 || hostDone?.status !== 'completed') throw new Error(`reference run of the extension host stand-in failed (${h.code}):\n${h.stdout}\n${h.stderr}`);
    this.hostReferenceTestAcc = typeof hostDone.testAcc === 'number' ? hostDone.testAcc : null;
  }

  /** One seeded kill, checked; never throws for a failed check (they are in `failures`). */
  async kill(index: number, seed: number): Promise<KillResult> {
    const rand = mulberry32(seed * 1_000_003 + index);
    // The modes in turn, so that a few kills cover all three; the rest is drawn.
    const mode: KillMode = MODES[index % MODES.length] ?? 'trainer';
    const host = mode === 'host+trainer';
    const aims = ['start-up', 'data loading', 'training', 'epoch end', 'evaluation'];
    const aim = aims[Math.floor(rand() * aims.length)] ?? 'training';
    const epoch = 1 + Math.floor(rand() * EPOCHS);
    // start-up: from the spawn of the CLI or host (cli+trainer, host+trainer) or the trainer's
    // `ready` (trainer alone), so it covers the CLI or host, the fork and the backend loading;
    // data loading: from the `backend` line.
    const delayMs = Math.round(aim === 'start-up' ? rand() * (mode === 'trainer' ? 600 : 1200)
      : aim === 'data loading' ? rand() * 600
        : aim === 'training' ? rand() * 500
          : aim === 'epoch end' ? rand() * 40 : rand() * 120);
    // Host kills alternate between the host alone and the host with its trainer.
    const hostKill = !host ? undefined : Math.floor(index / MODES.length) % 2 === 0 ? 'host alone' : 'host and trainer';
    // After a host kill the user reopens the window and mostly resumes there; sometimes with the CLI.
    const resumeWith: 'cli' | 'extension' = host && rand() < 0.75 ? 'extension' : 'cli';
    const out = path.join(this.work, `runs-${index}`);
    const failures: string[] = [];
    let trainerPid: number | undefined;
    let killed = false;
    let killedAt = 0;
    let killedAfter: Msg[] = [];
    let runDir: string | undefined;

    const doKill = (run: ProcRun): void => {
      if (killed) return;
      killed = true;
      killedAt = Date.now();
      killedAfter = run.messages.slice();
      const signal = (pid: number | undefined): void => { if (pid !== undefined) try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ } };
      if (mode === 'trainer') signal(trainerPid);
      else if (mode === 'cli+trainer') for (const g of [run.child.pid, trainerPid]) { if (g !== undefined) signal(-g); }
      else if (hostKill === 'host alone') signal(run.child.pid);
      // The host's process group: the host and the trainer it forked, at one moment.
      else if (run.child.pid !== undefined) signal(-run.child.pid);
    };
    const arm = (run: ProcRun): void => { setTimeout(() => doKill(run), delayMs); };
    const onMessage = (m: Msg, r: ProcRun): void => {
      if ((m.type === 'ready' || m.type === 'trainerPid') && typeof m.pid === 'number') trainerPid = m.pid;
      if ((m.type === 'started' || m.type === 'trainerPid') && typeof m.runDir === 'string') runDir = m.runDir;
      if (killed) return;
      const lastBatch = m.type === 'batch' && m.batch === m.batchesPerEpoch;
      if ((aim === 'start-up' && mode === 'trainer' && m.type === 'ready')
        || (aim === 'data loading' && m.type === 'backend')
        || (aim === 'training' && m.type === 'started')
        || (aim === 'epoch end' && lastBatch && m.epoch === epoch)
        || (aim === 'evaluation' && m.type === 'epochEnd' && m.epoch === EPOCHS)) arm(r);
    };
    const run = host
      ? this.host(['train', 'kill.cnn.yaml', out, this.hostSettings()], onMessage)
      : this.cli(['train', 'kill.cnn.yaml', ...this.flags(out)], onMessage);
    if (aim === 'start-up' && mode !== 'trainer') arm(run);
    const closed = await run.closed;
    if (!killed) killedAfter = run.messages.slice();
    let watchdogMs: number | undefined;
    if (host && killed && run.child.pid !== undefined) {
      // Whatever is left of the host's process group is a trainer it forked (reported yet or not),
      // now orphaned: its watchdog must end it, as nobody else will once the extension host is gone.
      const group = run.child.pid;
      while (groupMembers(group).length > 0 && Date.now() - killedAt < WATCHDOG_LIMIT_MS) await sleep(20);
      const left = groupMembers(group);
      if (hostKill === 'host alone') watchdogMs = Date.now() - killedAt;
      if (left.length > 0) {
        failures.push(`the trainer (pid ${left.join(', ')}) still runs ${WATCHDOG_LIMIT_MS} ms after its extension host was killed`);
        try { process.kill(-group, 'SIGKILL'); } catch { /* gone */ }
        for (let i = 0; i < 100 && groupMembers(group).length > 0; i++) await sleep(50);
      }
    }
    // The trainer is gone before anything is judged (in cli+trainer mode it was orphaned).
    for (let i = 0; i < 100 && trainerPid !== undefined && isPidAlive(trainerPid); i++) await sleep(50);

    const onDisk = (): string[] => (existsSync(out) ? readdirSync(out).filter((n) => !n.startsWith('.')) : []);
    const leftBefore = onDisk();
    let phase = phaseOf(killedAfter);
    if (leftBefore.some((d) => existsSync(path.join(out, d, 'checkpoints')) && readdirSync(path.join(out, d, 'checkpoints')).some((n) => n.includes('.tmp-')))) phase = 'checkpoint write';

    // What the CLI or host told (trainer mode: it lived to print its last line; host mode: when
    // the run had ended before the host was killed).
    const last = jsonLines(closed.stdout).filter((m) => m.type === 'done').at(-1);
    if (mode === 'trainer' && killed && trainerPid !== undefined) {
      if (last === undefined) failures.push(`the CLI printed no done line after the trainer was killed (exit ${closed.code}):\n${closed.stderr.slice(-600)}`);
      else if (last.status !== 'completed' && closed.code !== 2) failures.push(`the CLI exited ${closed.code} after its trainer was killed, not 2`);
    }

    // After a host kill the user reloads the window: the Runs view lists the folders first.
    let viewed: Listed[] | undefined;
    if (host) {
      const v = await this.host(['list', out]).closed;
      if (v.code !== 0) failures.push(`the stand-in's runs list exited ${v.code}: ${v.stderr.slice(-400)}`);
      viewed = jsonLines(v.stdout) as unknown as Listed[];
    }
    const listing = spawnSync(process.execPath, [BIN, 'runs', '--out', out, '--json'], { cwd: this.work, encoding: 'utf8', env: { ...process.env, CI: '1' } });
    if (listing.status !== 0) failures.push(`cnn-lab runs exited ${listing.status}: ${listing.stderr}`);
    const listed = listing.stdout.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Listed);
    const leftAfter = onDisk();
    for (const d of leftAfter) if (!listed.some((e) => e.runId === d)) failures.push(`folder ${d} is left behind but not listed by cnn-lab runs (holds: ${readdirSync(path.join(out, d)).join(', ') || 'nothing'})`);
    if (listed.length > 1) failures.push(`${listed.length} run folders for one run`);

    const entry = listed[0];
    let told = entry?.resumeNote ?? 'nothing kept';
    if (viewed !== undefined) {
      const say = (l: readonly Listed[]): string => l.map((e) => `${e.runId} ${e.status}: ${e.resumeNote}`).join('; ') || 'no run';
      if (say(viewed) !== say(listed)) failures.push(`the Runs view after a reload tells "${say(viewed)}", cnn-lab runs tells "${say(listed)}"`);
      told = `extension: ${viewed[0]?.resumeNote ?? 'no run listed'}`;
    }
    if ((mode === 'trainer' || host) && last !== undefined && killed) {
      const who = host ? 'the extension' : 'the CLI';
      if (last.runDir === null) {
        told = `${host ? 'extension' : 'CLI'}: nothing was kept`;
        if (entry !== undefined) failures.push(`${who} said nothing was kept, but ${entry.runId} is listed: ${entry.resumeNote}`);
      } else if (last.status !== 'completed') {
        told = `${host ? 'extension' : 'CLI'}: ${String(last.resumeNote)}`;
        if (entry === undefined) failures.push(`${who} told "${String(last.resumeNote)}" but no folder is listed`);
        else if (entry.resumeNote !== last.resumeNote) failures.push(`${who} told "${String(last.resumeNote)}", cnn-lab runs tells "${entry.resumeNote}"`);
      }
    }

    let outcome: KillResult['outcome'] = 'failed';
    let resumedFrom: number | null | undefined;
    let resumedWith: KillResult['resumedWith'];
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
      resumedWith = resumeWith;
      let resumed: { code: number | null; stdout: string; stderr: string };
      if (resumeWith === 'extension') {
        // Resume Run: the shared plan read again, then TrainingService.start with the folder.
        resumed = await this.host(['resume', entry.dir, this.hostSettings()]).closed;
        const said = jsonLines(resumed.stdout).find((m) => m.type === 'resuming');
        if (said?.note !== entry.resumeNote) failures.push(`Resume Run acted on "${String(said?.note)}", cnn-lab runs told "${entry.resumeNote}"`);
      } else {
        resumed = await this.cli(['train', '--resume', entry.dir, ...this.flags(out)]).closed;
        const expectSays = resumedFrom === null ? /from the start: no checkpoint yet/
          : resumedFrom >= EPOCHS ? /redoing only the test evaluation/ : new RegExp(`from the checkpoint of epoch ${resumedFrom}\\b`);
        if (!expectSays.test(resumed.stderr)) failures.push(`--resume did not say what cnn-lab runs told ("${entry.resumeNote}"): ${resumed.stderr.trim().split('\n')[0] ?? ''}`);
      }
      // It does what it said: training starts after the checkpoint named (past the last epoch: evaluation only).
      const started = jsonLines(resumed.stdout).find((m) => m.type === 'started');
      if (started !== undefined && started.startEpoch !== (resumedFrom ?? 0) + 1) {
        failures.push(`the resume started at epoch ${String(started.startEpoch)}, but "${entry.resumeNote}" was told`);
      }
      const how = resumeWith === 'extension' ? 'Resume Run' : '--resume';
      if (resumed.code !== 0) {
        failures.push(`${how} exited ${resumed.code}:\n${resumed.stderr.slice(-800)}`);
      } else {
        const data = await readRun(entry.dir);
        const epochs = data.metrics.filter((m) => m.kind === 'epoch').map((m) => m.epoch);
        if (started === undefined) failures.push(`${how} printed no started line`);
        if (data.summary?.status !== 'completed') failures.push(`after ${how} the summary says ${data.summary?.status}`);
        if (data.summary?.epochsCompleted !== EPOCHS) failures.push(`after ${how} ${data.summary?.epochsCompleted} of ${EPOCHS} epochs`);
        if (epochs.join() !== Array.from({ length: EPOCHS }, (_, i) => i + 1).join()) failures.push(`epoch lines after ${how}: ${epochs.join()}`);
        // A run keeps the caps it was started with: a host run resumed by the CLI is still a host run.
        const reference = host ? this.hostReferenceTestAcc : this.referenceTestAcc;
        if (reference !== null && data.summary?.testAcc !== undefined) sameAsReference = data.summary.testAcc === reference;
        if (failures.length === 0) outcome = 'resumed';
      }
    }
    if (failures.length > 0) outcome = 'failed';
    rmSync(out, { recursive: true, force: true });
    return {
      index, mode, aim, phase, delayMs, told, outcome, failures,
      ...(hostKill !== undefined ? { hostKill } : {}),
      ...(resumedFrom !== undefined ? { resumedFrom } : {}), ...(resumedWith !== undefined ? { resumedWith } : {}),
      ...(sameAsReference !== undefined ? { sameAsReference } : {}), ...(watchdogMs !== undefined ? { watchdogMs } : {}),
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

/** A text table, first column left-aligned, the others right-aligned, with a total row. */
function grid(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string[] {
  const total = ['total', ...head.slice(1).map((_, i) => rows.reduce((sum, r) => sum + Number(r[i + 1]), 0))];
  const all = [head, ...rows, total].map((r) => r.map(String));
  const w = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(w[i] ?? 0) : c.padStart(w[i] ?? 0))).join('  ');
  const rule = w.map((x) => '-'.repeat(x)).join('  ');
  return [line(all[0] ?? []), rule, ...all.slice(1, -1).map(line), rule, line(all.at(-1) ?? [])];
}

const outcomes = (r: readonly KillResult[]): number[] => {
  const n = (f: (x: KillResult) => boolean): number => r.filter(f).length;
  return [n((x) => x.outcome === 'resumed'), n((x) => x.outcome === 'resumed' && x.resumedFrom === null),
    n((x) => x.outcome === 'removed'), n((x) => x.outcome === 'completed'), n((x) => x.outcome === 'failed')];
};
const OUTCOME_HEAD = ['resumed ok', '(from start)', 'removed', 'had finished', 'failures'];

/** The figures: kills by phase (and mode), by mode, and outcomes. */
export function table(results: readonly KillResult[]): string {
  const byPhase = PHASES.map((p) => {
    const r = results.filter((x) => x.phase === p);
    return [p, r.length, ...MODES.map((m) => r.filter((x) => x.mode === m).length), ...outcomes(r)];
  }).filter((r) => r[1] !== 0);
  const kinds: { label: string; of: (x: KillResult) => boolean }[] = [
    { label: 'trainer', of: (x) => x.mode === 'trainer' },
    { label: 'cli+trainer', of: (x) => x.mode === 'cli+trainer' },
    { label: 'host+trainer: host alone', of: (x) => x.mode === 'host+trainer' && x.hostKill === 'host alone' },
    { label: 'host+trainer: host and trainer', of: (x) => x.mode === 'host+trainer' && x.hostKill === 'host and trainer' },
  ];
  const byMode = kinds.map(({ label, of }) => {
    const r = results.filter(of);
    return [label, r.length, ...outcomes(r), r.filter((x) => x.outcome === 'resumed' && x.resumedWith === 'extension').length];
  }).filter((r) => r[1] !== 0);
  const same = results.filter((x) => x.sameAsReference !== undefined);
  const watchdog = results.map((x) => x.watchdogMs).filter((x): x is number => x !== undefined).sort((a, b) => a - b);
  return [
    ...grid(['phase', 'kills', ...MODES, ...OUTCOME_HEAD], byPhase),
    '',
    ...grid(['mode', 'kills', ...OUTCOME_HEAD, '(by Resume Run)'], byMode),
    '',
    `resumed runs with the uninterrupted run's exact test accuracy: ${same.filter((x) => x.sameAsReference).length}/${same.length}`,
    ...(watchdog.length > 0 ? [`orphaned trainers' exit after a host kill (watchdog): median ${watchdog[Math.floor(watchdog.length / 2)]} ms, max ${watchdog.at(-1)} ms (limit ${WATCHDOG_LIMIT_MS} ms)`] : []),
  ].join('\n');
}
