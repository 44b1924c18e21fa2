/**
 * The run folder's file format, shared by its writer (the trainer) and its readers (the host's run
 * store, the trainer when resuming or inspecting): file names, and the runtime guards for
 * `metrics.jsonl` lines and `summary.json`. Pure: no fs, so both sides do their own I/O.
 */
import { BACKEND_CHOICES, type MetricRecord, type RunStatus, type RunSummary } from './trainerProtocol';

/** Names inside a run folder. */
export const RUN_FILES = {
  model: 'model.cnn.yaml',
  metrics: 'metrics.jsonl',
  summary: 'summary.json',
  featureMaps: 'featureMaps.json',
  filters: 'filters.json',
  evaluation: 'evaluation.json',
  checkpoints: 'checkpoints',
  final: 'final',
} as const;

type Json = Record<string, unknown>;

export function isJsonObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const numOrNull = (v: unknown): boolean => v === null || num(v);
const RUN_STATUSES: readonly RunStatus[] = ['running', 'completed', 'stopped', 'failed', 'interrupted'];

/** Checks the fields a reader relies on; a summary failing this is treated as corrupt. */
export function isRunSummary(v: unknown): v is RunSummary {
  if (!isJsonObject(v)) return false;
  return typeof v.runId === 'string' && typeof v.name === 'string'
    && RUN_STATUSES.includes(v.status as RunStatus)
    && typeof v.dataset === 'string' && typeof v.datasetSource === 'string'
    && (BACKEND_CHOICES as readonly unknown[]).includes(v.backend) && v.backend !== 'auto'
    && typeof v.backendDetail === 'string' && typeof v.startedAt === 'string'
    && (v.finishedAt === null || typeof v.finishedAt === 'string')
    && num(v.durationSec) && num(v.totalEpochs) && num(v.epochsCompleted)
    && numOrNull(v.bestValAcc) && numOrNull(v.testAcc) && numOrNull(v.testLoss) && numOrNull(v.samplesPerSec)
    && num(v.totalParams) && isJsonObject(v.versions) && num(v.pid);
}

/** One complete `metrics.jsonl` record, batch or epoch. */
export function isMetricRecord(v: unknown): v is MetricRecord {
  if (!isJsonObject(v) || !num(v.epoch) || !num(v.time) || !num(v.loss) || !num(v.acc)) return false;
  if (v.kind === 'batch') return num(v.batch) && num(v.batchesPerEpoch);
  if (v.kind === 'epoch') return numOrNull(v.valLoss) && numOrNull(v.valAcc) && num(v.durationSec);
  return false;
}

/**
 * Parses metrics.jsonl text. Lines that are not complete JSON metric records (a torn last line
 * from a killed trainer, or damage in the middle) are skipped and counted.
 */
export function parseMetrics(text: string): { records: MetricRecord[]; skipped: number } {
  const records: MetricRecord[] = [];
  let skipped = 0;
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch {
      skipped++;
      continue;
    }
    if (isMetricRecord(value)) records.push(value);
    else skipped++;
  }
  return { records, skipped };
}
