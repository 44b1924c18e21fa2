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
