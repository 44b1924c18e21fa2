/** The recorded run (test/fixtures/recorded-run) as the host code sees it. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { readRun } from '../../src/host/runStore';
import { isTrainerMessage, type TrainerMessage } from '../../src/shared/trainerProtocol';
import { DashboardModel, summarizeModelText } from '../../src/extension/dashboardModel';

export const FIXTURE_DIR = path.resolve(__dirname, '..', 'fixtures', 'recorded-run');

/** Every trainer message of the recorded run, in arrival order, each passing the protocol guard. */
export function recordedMessages(): TrainerMessage[] {
  return readFileSync(path.join(FIXTURE_DIR, 'messages.jsonl'), 'utf8').split('\n').filter((l) => l !== '').map((l) => {
    const m: unknown = JSON.parse(l);
    if (!isTrainerMessage(m)) throw new Error(`fixture line is not a trainer message: ${l.slice(0, 80)}`);
    return m;
  });
}

/** The dashboard model rebuilt from the fixture's run folder (as a reopened finished run). */
export async function storedModel(): Promise<DashboardModel> {
  return DashboardModel.fromRunData(await readRun(FIXTURE_DIR), summarizeModelText);
}

function jsonl(file: string): TrainerMessage[] {
  return readFileSync(path.join(FIXTURE_DIR, file), 'utf8').split('\n').filter((l) => l !== '').map((l) => {
    const m: unknown = JSON.parse(l);
    if (!isTrainerMessage(m)) throw new Error(`fixture line is not a trainer message: ${l.slice(0, 80)}`);
    return m;
  });
}

/**
 * The finished run's answers to inspections, recorded from a real inspection process (see
 * record.ts): 1 = explanation of conv 1 filter 3 on test sample 0, 2 = conv 2 filter 6, 3 =
 * saliency of sample 0, 4 = feature maps of an own image (a red disc), 5 = conv 1 filter 3 on it.
 */
export function recordedInspections(): Map<number, TrainerMessage> {
  return new Map(jsonl('inspections.jsonl').map((m) => [('requestId' in m ? m.requestId : undefined) ?? -1, m]));
}

/** The same model trained on the grayscale copy: 1 = explanation of conv 1 filter 3 on test sample 0. */
export function recordedGrayInspections(): Map<number, TrainerMessage> {
  return new Map(jsonl('inspections-gray.jsonl').map((m) => [('requestId' in m ? m.requestId : undefined) ?? -1, m]));
}
