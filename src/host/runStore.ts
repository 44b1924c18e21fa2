/**
 * The run store: reading, listing and deleting run folders written by the trainer. Node-only, no
 * vscode import; the extension and the CLI share it.
 *
 * Layout of one run folder (written by the trainer, see `src/shared/trainerProtocol.ts`):
 *   model.cnn.yaml            the model text exactly as trained (overrides applied, by RunSession)
 *   run.json                  RunRecord: caps, requested backend, seed, overrides (RunSession)
 *   metrics.jsonl             one MetricRecord per line (batches and epochs)
 *   summary.json              RunSummary, rewritten atomically at start, per epoch and at the end
 *   checkpoints/epoch-N/      model.json + weights.bin (TensorFlow.js layers format)
 *   final/                    the weights after the last epoch
 *   featureMaps.json, filters.json, evaluation.json   the latest message of that type
 *   history/epoch-N.json      EpochHistoryEntry: that epoch's feature maps and filters (the epoch slider)
 *
 * A trainer can die at any moment, so every reader here is tolerant: a torn last line of
 * metrics.jsonl is skipped, a corrupt summary.json is rebuilt from what else is on disk, and a
 * summary that still says `running` while its process is gone is reported as `interrupted`.
 */
import { promises as fsp, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  type BackendName,
  type EvaluationMessage,
  type FeatureMapsMessage,
  type FiltersMessage,
  type MetricRecord,
  type RunStatus,
  type RunSummary,
} from '../shared/trainerProtocol';
import {
  MODEL_DIR_FILES, RUN_FILES, TMP_MARK, UNOWNED_STARTUP_GRACE_MS, checkpointDirName, checkpointEpochOf, describeResume, isCompleteModelDir,
  historyEntryName, historyEpochOf, isEpochHistoryEntry, isJsonObject, isRunSummary, isStartupLeftover, parseMetrics, parseOwner, resumePlan,
  type EpochHistoryEntry, type ResumePlan,
} from '../shared/runFiles';

/** The run folder's format lives in src/shared/runFiles.ts; re-exported for the store's callers. */
export { describeResume, isRunSummary, parseMetrics, resumePlan, type ResumePlan };

/** The model file of a run folder (`RUN_FILES.model`), for the CLI and the dashboard. */
export const MODEL_FILE = RUN_FILES.model;

/** Default runs folder relative to a workspace folder (mirrors the `cnnLab.runs.folder` default). */
const DEFAULT_RUNS_FOLDER = path.join('.cnn-lab', 'runs');

/**
 * The folder run folders live in: `folder` resolved against `base` (a workspace folder or the
 * CLI's working directory). An absolute `folder` is used as is.
 */
export function runsRoot(base: string, folder: string = DEFAULT_RUNS_FOLDER): string {
  return path.resolve(base, folder);
}

/** A model name made safe for a folder name on every OS: letters, digits, `-`, `_`, `.`; at most 40 chars. */
export function safeName(modelName: string): string {
  const cleaned = modelName
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 40)
    .replace(/[-.]+$/g, '');
  return cleaned === '' ? 'model' : cleaned;
}

/** `yyyymmdd-hhmmss` in local time: how run (and experiment) folder names start. */
export function timestamp(d: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

/**
 * Creates a new run folder under `root` and returns its absolute path:
 * `<root>/<yyyymmdd-hhmmss>-<model>` with `-2`, `-3`, ... appended when that name is taken.
 * Creation is the uniqueness check (mkdir fails on an existing folder), so two runs started in the
 * same second never share a folder. The folder at once gets `owner.json` naming this process
 * (`ownerPid`), so that until the trainer writes summary.json the run store can tell a run that is
 * still starting from one whose starter was killed (`listRuns` removes the latter).
 */
export function newRunDir(root: string, modelName: string, now: Date = new Date(), ownerPid: number = process.pid): string {
  mkdirSync(root, { recursive: true });
  const base = `${timestamp(now)}-${safeName(modelName)}`;
  for (let n = 1; ; n++) {
    const dir = path.resolve(root, n === 1 ? base : `${base}-${n}`);
    try {
      mkdirSync(dir);
      const owner = path.join(dir, RUN_FILES.owner);
      const tmp = `${owner}${TMP_MARK}${process.pid}`;
      writeFileSync(tmp, `${JSON.stringify({ pid: ownerPid, createdAt: now.toISOString() })}\n`);
      renameSync(tmp, owner);
      return dir;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** True when a process with this pid exists (EPERM means it exists but belongs to someone else). */
export function isPidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed trainer whose parent died too waits as a zombie until someone reaps it; signal 0
  // still reaches it, but it will never write again.
  if (process.platform === 'linux') {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
    } catch {
      return true;
    }
  }
  return true;
}

/** One row of the runs list; complete even when summary.json is missing or corrupt. */
export interface RunListEntry {
  /** Absolute path of the run folder. */
  readonly dir: string;
  /** The folder name; equals `summary.runId` for runs the trainer started. */
  readonly runId: string;
  /** Model name from the summary, else from the folder name. */
  readonly name: string;
  /** Effective status: `running` only while the trainer's pid is alive. */
  readonly status: RunStatus;
  readonly dataset: string | null;
  readonly backend: BackendName | null;
  /** ISO time; from the summary, else the folder's creation time. */
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly totalEpochs: number | null;
  /** From the summary, else the number of epoch records in metrics.jsonl. */
  readonly epochsCompleted: number;
  readonly bestValAcc: number | null;
  readonly testAcc: number | null;
  readonly durationSec: number | null;
  /** Highest complete checkpoint (resume point), or null. */
  readonly lastCheckpoint: number | null;
  /** What resuming this folder does (`resumePlan` in src/shared/runFiles.ts): the same answer everywhere. */
  readonly resume: ResumePlan;
  /** The parsed summary when it was readable and well-formed. */
  readonly summary: RunSummary | null;
  /** What was wrong with the folder, in the user's words (corrupt summary, torn metrics line, ...). */
  readonly problems: readonly string[];
}

/** Everything on disk about one run. */
export interface RunData {
  readonly entry: RunListEntry;
  readonly summary: RunSummary | null;
  readonly metrics: readonly MetricRecord[];
  /** The model text as trained, or null when model.cnn.yaml is missing. */
  readonly modelText: string | null;
  readonly featureMaps?: FeatureMapsMessage;
  readonly filters?: FiltersMessage;
  readonly evaluation?: EvaluationMessage;
  /** Epochs with pictures in history/, ascending (absent when there are none). */
  readonly historyEpochs?: readonly number[];
}

// ---------------------------------------------------------------- parsing helpers

const isObject = isJsonObject;

async function readText(file: string): Promise<string | null> {
  try {
    return await fsp.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Reads a JSON file; `undefined` when missing, `Error` when unreadable as JSON. */
async function readJson(file: string): Promise<unknown> {
  const text = await readText(file);
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

async function readMessageFile<T extends { type: string }>(file: string, type: T['type']): Promise<T | undefined> {
  const v = await readJson(file);
  return isObject(v) && v.type === type ? (v as unknown as T) : undefined;
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.access(p);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------- public readers

/** True when `dir` is a complete model folder by the trainer's own definition (`isCompleteModelDir`). */
async function isCompleteModelFolder(dir: string): Promise<boolean> {
  const text = await readText(path.join(dir, MODEL_DIR_FILES.json)).catch(() => null);
  if (text === null) return false;
  const bytes = await fsp.stat(path.join(dir, MODEL_DIR_FILES.weights)).then((st) => st.size, () => null);
  return isCompleteModelDir(text, bytes);
}

/**
 * The highest epoch N with a complete checkpoint (`checkpoints/epoch-N/` whose weights.bin holds
 * every byte its model.json names, exactly what the trainer resumes from), or null. Half-written
 * checkpoints (temp folders, missing or short weights) are ignored.
 */
export async function lastCheckpointEpoch(dir: string): Promise<number | null> {
  let names: string[];
  try {
    names = await fsp.readdir(path.join(dir, RUN_FILES.checkpoints));
  } catch {
    return null;
  }
  const epochs = names.map(checkpointEpochOf).filter((e): e is number => e !== null).sort((a, b) => b - a);
  for (const epoch of epochs) {
    if (await isCompleteModelFolder(path.join(dir, RUN_FILES.checkpoints, checkpointDirName(epoch)))) return epoch;
  }
  return null;
}

/** The status to show: a `running` summary whose process is gone was interrupted. */
export function effectiveStatus(summary: RunSummary, alive: (pid: number) => boolean = isPidAlive): RunStatus {
  return summary.status === 'running' && !alive(summary.pid) ? 'interrupted' : summary.status;
}

const errorText = (err: unknown): string =>
  (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));

/** summary.json when it is readable and well-formed; otherwise null, with the reason added to `problems`. */
async function readSummaryChecked(dir: string, problems: string[]): Promise<RunSummary | null> {
  let raw: unknown;
  try {
    raw = await readJson(path.join(dir, RUN_FILES.summary));
  } catch (err) {
    problems.push(`summary.json is unreadable (${errorText(err)})`);
    return null;
  }
  if (raw === undefined) problems.push('summary.json is missing');
  else if (raw instanceof Error) problems.push(`summary.json is corrupt (${raw.message})`);
  else if (!isRunSummary(raw)) problems.push('summary.json lacks required fields');
  else return raw;
  return null;
}

function noteSkipped(problems: string[], skipped: number): void {
  if (skipped > 0) problems.push(`${skipped} unreadable line${skipped === 1 ? '' : 's'} in metrics.jsonl skipped`);
}

/**
 * The list row of a run folder. With a summary every field comes from it (`records` unused);
 * without one, what can be rebuilt comes from the folder name and the metric records.
 */
async function entryFor(dir: string, summary: RunSummary | null, records: readonly MetricRecord[], problems: readonly string[], alive: (pid: number) => boolean): Promise<RunListEntry> {
  const lastCheckpoint = await lastCheckpointEpoch(dir);
  const hasModelText = await exists(path.join(dir, MODEL_FILE));
  const runId = path.basename(dir);
  if (summary !== null) {
    const status = effectiveStatus(summary, alive);
    return {
      dir, runId, name: summary.name, status, dataset: summary.dataset,
      backend: summary.backend, startedAt: summary.startedAt, finishedAt: summary.finishedAt,
      totalEpochs: summary.totalEpochs, epochsCompleted: summary.epochsCompleted,
      bestValAcc: summary.bestValAcc, testAcc: summary.testAcc, durationSec: summary.durationSec,
      lastCheckpoint, resume: resumePlan({ status, hasModelText, lastCheckpoint, totalEpochs: summary.totalEpochs }),
      summary, problems,
    };
  }
  // Rebuild what we can: the folder name carries the model name, metrics carry the epochs.
  const epochRecords = records.filter((r): r is Extract<MetricRecord, { kind: 'epoch' }> => r.kind === 'epoch');
  const stat = await fsp.stat(dir);
  const nameFromDir = runId.replace(/^\d{8}-\d{6}-/, '').replace(/-\d+$/, '') || runId;
  const valAccs = epochRecords.map((r) => r.valAcc).filter((v): v is number => v !== null);
  const lastEpoch = epochRecords.reduce((m, r) => Math.max(m, r.epoch), 0);
  return {
    dir, runId, name: nameFromDir, status: 'interrupted', dataset: null, backend: null,
    startedAt: (stat.birthtimeMs > 0 ? stat.birthtime : stat.mtime).toISOString(), finishedAt: null, totalEpochs: null,
    epochsCompleted: lastEpoch, bestValAcc: valAccs.length > 0 ? Math.max(...valAccs) : null,
    testAcc: null, durationSec: null, lastCheckpoint,
    resume: resumePlan({ status: 'interrupted', hasModelText, lastCheckpoint, totalEpochs: null }),
    summary: null, problems,
  };
}

/**
 * The list row of one run folder, cheaply: a valid summary.json (small, rewritten atomically by
 * the trainer at start, per epoch and at the end) already holds every field of the row, so
 * metrics.jsonl (thousands of batch lines) is read only when the summary is missing, corrupt or
 * incomplete. The row's `problems` then cover metrics.jsonl only when it was read.
 */
async function listEntry(dir: string, alive: (pid: number) => boolean): Promise<RunListEntry> {
  const problems: string[] = [];
  const summary = await readSummaryChecked(dir, problems);
  if (summary !== null) return entryFor(dir, summary, [], problems, alive);
  let records: MetricRecord[] = [];
  try {
    const text = await readText(path.join(dir, RUN_FILES.metrics));
    if (text !== null) {
      const parsed = parseMetrics(text);
      records = parsed.records;
      noteSkipped(problems, parsed.skipped);
    }
  } catch (err) {
    problems.push(`metrics.jsonl is unreadable (${errorText(err)})`);
  }
  return entryFor(dir, null, records, problems, alive);
}

/** True when `dir` looks like a run folder (the host or the trainer wrote at least one of its files). */
export async function isRunDir(dir: string): Promise<boolean> {
  for (const f of [RUN_FILES.summary, RUN_FILES.metrics, MODEL_FILE, RUN_FILES.owner]) if (await exists(path.join(dir, f))) return true;
  return false;
}

/**
 * Where a folder stands before it is a run. `run`: it has summary.json, or something worth
 * keeping (metric records, checkpoints, any file a start-up does not write): list it. Otherwise it
 * never started training (nothing in it but `isStartupLeftover` entries): `starting` while its
 * owner (owner.json's pid; without an owner file, a folder younger than
 * UNOWNED_STARTUP_GRACE_MS) may still be setting it up, else `abandoned`: nothing to resume or
 * look at, so it is removed rather than shown.
 */
async function startupState(dir: string, alive: (pid: number) => boolean = isPidAlive, now: number = Date.now()): Promise<'run' | 'starting' | 'abandoned'> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return 'run';
  }
  if (names.includes(RUN_FILES.summary) || !names.every(isStartupLeftover)) return 'run';
  if (names.includes(RUN_FILES.metrics)) {
    const text = await readText(path.join(dir, RUN_FILES.metrics)).catch(() => null);
    if (text === null || parseMetrics(text).records.length > 0) return 'run';
  }
  const ownerText = names.includes(RUN_FILES.owner) ? await readText(path.join(dir, RUN_FILES.owner)).catch(() => null) : null;
  const owner = ownerText === null ? null : parseOwner(ownerText);
  if (owner !== null) return alive(owner.pid) ? 'starting' : 'abandoned';
  const st = await fsp.stat(dir).catch(() => null);
  if (st === null) return 'run';
  return now - st.mtimeMs < UNOWNED_STARTUP_GRACE_MS ? 'starting' : 'abandoned';
}

/** Removes a folder that holds only start-up leftovers, entry by entry, so a foreign file stops it. */
async function removeStartupLeftovers(dir: string): Promise<boolean> {
  try {
    for (const name of await fsp.readdir(dir)) {
      if (!isStartupLeftover(name)) return false;
      await fsp.rm(path.join(dir, name), { recursive: true, force: true });
    }
    await fsp.rmdir(dir);
    return true;
  } catch {
    return !(await exists(dir));
  }
}

/**
 * Every run folder under `root`, newest first. Reads each run's summary.json, and its
 * metrics.jsonl only when the summary is not usable (see `listEntry`), so refreshing the list
 * stays cheap with many long runs. Never throws for a damaged run: such a run is listed with what
 * could be read and its `problems`. A missing root gives an empty list.
 */
export async function listRuns(root: string, alive: (pid: number) => boolean = isPidAlive): Promise<RunListEntry[]> {
  let dirents: import('node:fs').Dirent[];
  try {
    dirents = await fsp.readdir(root, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const entries: RunListEntry[] = [];
  for (const d of dirents) {
    if (!d.isDirectory()) continue;
    const dir = path.resolve(root, d.name);
    const state = await startupState(dir, alive);
    if (state === 'abandoned' && (await isRunDir(dir) || RUN_DIR_NAME.test(d.name))) {
      // Killed while starting (before summary.json): nothing in it to resume or show.
      if (await removeStartupLeftovers(dir)) continue;
    }
    if (state !== 'run' || !(await isRunDir(dir))) continue;
    entries.push(await listEntry(dir, alive));
  }
  return entries.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : b.runId.localeCompare(a.runId)));
}

/** The name `newRunDir` gives: an unowned empty folder is only swept when it is named like one of ours. */
const RUN_DIR_NAME = /^\d{8}-\d{6}-/;

/**
 * What resuming `dir` does (the shared `resumePlan`), with the epochs the resume will train to
 * (`targetEpochs`, the CLI's --epochs) when that differs from the run's own.
 */
export async function readResumePlan(dir: string, targetEpochs?: number, alive: (pid: number) => boolean = isPidAlive): Promise<{ plan: ResumePlan; entry: RunListEntry }> {
  const entry = await listEntry(path.resolve(dir), alive);
  const plan = targetEpochs === undefined ? entry.resume : resumePlan({
    status: entry.status, hasModelText: await exists(path.join(dir, MODEL_FILE)), lastCheckpoint: entry.lastCheckpoint, totalEpochs: entry.totalEpochs,
  }, targetEpochs);
  return { plan, entry };
}

/** Reads one run folder: summary, all metric records, model text and the latest visual messages. */
export async function readRun(dir: string, alive: (pid: number) => boolean = isPidAlive): Promise<RunData> {
  const abs = path.resolve(dir);
  const metricsText = await readText(path.join(abs, RUN_FILES.metrics));
  const problems: string[] = [];
  const summary = await readSummaryChecked(abs, problems);
  const { records: metrics, skipped } = metricsText === null ? { records: [], skipped: 0 } : parseMetrics(metricsText);
  noteSkipped(problems, skipped);
  const entry = await entryFor(abs, summary, metrics, problems, alive);
  const [modelText, featureMaps, filters, evaluation, historyEpochs] = await Promise.all([
    readText(path.join(abs, MODEL_FILE)),
    readMessageFile<FeatureMapsMessage>(path.join(abs, RUN_FILES.featureMaps), 'featureMaps'),
    readMessageFile<FiltersMessage>(path.join(abs, RUN_FILES.filters), 'filters'),
    readMessageFile<EvaluationMessage>(path.join(abs, RUN_FILES.evaluation), 'evaluation'),
    listHistoryEpochs(abs),
  ]);
  return {
    entry, summary, metrics, modelText,
    ...(featureMaps ? { featureMaps } : {}),
    ...(filters ? { filters } : {}),
    ...(evaluation ? { evaluation } : {}),
    ...(historyEpochs.length > 0 ? { historyEpochs } : {}),
  };
}

/** Epochs with pictures in a run's history/, ascending; none when the folder has no history. */
export async function listHistoryEpochs(dir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await fsp.readdir(path.join(dir, RUN_FILES.history));
  } catch {
    return [];
  }
  return names.map(historyEpochOf).filter((e): e is number => e !== null).sort((a, b) => a - b);
}

/** One epoch's pictures from a run's history/, or null when missing (thinned away) or unreadable. */
export async function readHistoryEntry(dir: string, epoch: number): Promise<EpochHistoryEntry | null> {
  const v = await readJson(path.join(dir, RUN_FILES.history, historyEntryName(epoch))).catch(() => undefined);
  return isEpochHistoryEntry(v) ? v : null;
}

/** Writes JSON atomically: a temp file in the same folder, then rename over the target. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  // TMP_MARK in the name: a resumed trainer removes what a killed writer left (removeStaleTemps).
  const tmp = `${file}${TMP_MARK}${process.pid}-${Date.now()}`;
  await fsp.writeFile(tmp, `${JSON.stringify(value, null, 2)}\n`);
  await fsp.rename(tmp, file);
}

/**
 * After the trainer process has ended without saying so: if summary.json still says `running`,
 * rewrite it with `status` and a finish time. Returns true when it changed the file. Only call
 * this once the trainer is gone, or the two writers would race.
 */
export async function markRunEnded(dir: string, status: Exclude<RunStatus, 'running'>, now: Date = new Date()): Promise<boolean> {
  const file = path.join(dir, RUN_FILES.summary);
  const raw = await readJson(file);
  if (!isObject(raw) || raw.status !== 'running') return false;
  await writeJsonAtomic(file, { ...raw, status, finishedAt: now.toISOString() });
  return true;
}

/**
 * Deletes a run folder. Refuses (throws) for a folder that does not look like a run folder, so a
 * wrong path can never remove unrelated files.
 */
export async function deleteRun(dir: string): Promise<void> {
  const abs = path.resolve(dir);
  if (!(await isRunDir(abs))) throw new Error(`${abs} is not a CNN Lab run folder; nothing deleted`);
  await fsp.rm(abs, { recursive: true, force: true });
}

/**
 * Called by the host that made the folder, once the trainer of a run has ended: removes a run
 * folder that `newRunDir` made for this run when the trainer never started training in it (it
 * failed, or was killed, while choosing the backend, loading the data set or building the model,
 * before its first summary.json). Such a folder is not a run, and left behind it would show in
 * the runs list as a broken one. A resumed run's folder is never removed, and only one holding
 * nothing but start-up leftovers is (`isStartupLeftover`: owner file, model text, empty
 * metrics.jsonl, temp files). Never throws. Returns true when no run folder is left to show
 * (removed now, or already gone); false when the folder stays.
 */
export async function discardRunDirIfNeverStarted(runDir: string, resumed: boolean): Promise<boolean> {
  if (resumed) return false;
  // The caller owns the folder and its trainer is gone: whatever owner.json says, it is abandoned.
  // (`now` Infinity: an owner-less folder is past any grace too.)
  if (await startupState(runDir, () => false, Infinity) !== 'abandoned') return !(await exists(runDir));
  return removeStartupLeftovers(runDir);
}
