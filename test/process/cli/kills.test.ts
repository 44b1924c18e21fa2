/**
 * Runs that survive any kill: seeded random SIGKILLs of the trainer alone and of the CLI together
 * with its trainer, during start-up, data loading, training, checkpoint writing and evaluation
 * (killHarness.ts). Every folder left behind must be listed by `cnn-lab runs`, what the user is
 * told must be what `--resume` then does, and each resumable folder must resume to completion.
 * CNN_LAB_KILLS=N sets the number of kills (default 16; `npx tsx scripts/kill-test.ts` runs 100
 * with a table), CNN_LAB_KILL_SEED the seed.
 */
import * as assert from 'node:assert/strict';
import { KillCampaign, table, type KillResult } from './killHarness';

const KILLS = Number(process.env.CNN_LAB_KILLS ?? 16);
const SEED = Number(process.env.CNN_LAB_KILL_SEED ?? 11);

describe('random kills of cnn-lab train', function () {
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
    assert.deepEqual(failed.map((r) => `#${r.index} ${r.mode} in ${r.phase} (aimed at ${r.aim}, +${r.delayMs} ms): ${r.failures.join('; ')}`), []);
    assert.ok(results.some((r) => r.outcome === 'resumed'), 'at least one kill left a folder that resumed');
  });
});
