/**
 * Runs that survive any kill: seeded random SIGKILLs of the trainer alone, of the CLI together
 * with its trainer, and of the extension host (a stand-in that starts runs as TrainingService
 * does) alone or with its trainer, during start-up, data loading, training, checkpoint writing and
 * evaluation (killHarness.ts; the modes in turn). Every folder left behind must be listed by
 * `cnn-lab runs` (and alike by the Runs view after a host kill), what the user is told must be what
 * the resume then does, each resumable folder must resume to completion with the uninterrupted
 * run's test accuracy, and a trainer orphaned by its host must end by itself within seconds.
 * CNN_LAB_KILLS=N sets the number of kills (default 16; `npx tsx scripts/kill-test.ts` runs 100
 * with tables), CNN_LAB_KILL_SEED the seed.
 */
import * as assert from 'node:assert/strict';
import { KillCampaign, table, type KillResult } from './killHarness';

const KILLS = Number(process.env.CNN_LAB_KILLS ?? 16);
const SEED = Number(process.env.CNN_LAB_KILL_SEED ?? 11);

describe('random kills of cnn-lab train and of the extension host', function () {
  this.timeout(Math.max(300_000, KILLS * 60_000));
  let campaign: KillCampaign;
  const results: KillResult[] = [];

  before(async function () {
    this.timeout(240_000);
    KillCampaign.build();
    campaign = new KillCampaign();
    await campaign.reference();
  });
  after(() => {
    if (results.length > 0) console.log(`\n${table(results)}\n`);
    campaign?.dispose();
  });

  it(`${KILLS} seeded kills (seed ${SEED}): every folder left is listed and resumes to completion or is removed`, async () => {
    for (let i = 0; i < KILLS; i++) results.push(await campaign.kill(i, SEED));
    const failed = results.filter((r) => r.failures.length > 0);
    assert.deepEqual(failed.map((r) => `#${r.index} ${r.hostKill ?? r.mode} in ${r.phase} (aimed at ${r.aim}, +${r.delayMs} ms): ${r.failures.join('; ')}`), []);
    assert.ok(results.some((r) => r.outcome === 'resumed'), 'at least one kill left a folder that resumed');
  });
});
