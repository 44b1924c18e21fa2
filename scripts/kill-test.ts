/**
 * The full kill test: `npx tsx scripts/kill-test.ts [N] [--seed S]` (default 100 kills, seed 11)
 * SIGKILLs training runs N times at seeded random moments, the three modes in turn: the trainer of
 * `cnn-lab train` alone, the CLI and its trainer together, and the extension host (a stand-in that
 * starts the run as TrainingService does) alone or with its trainer. It checks every folder left
 * behind (test/process/cli/killHarness.ts), then prints tables: kills by phase and mode, and by
 * mode, with resumed ok, removed, had finished and failures. Exit code 1 on any failure.
 */
import { KillCampaign, table } from '../test/process/cli/killHarness';

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const seedAt = args.indexOf('--seed');
  const seed = seedAt >= 0 ? Number(args[seedAt + 1]) : 11;
  const n = Number(args.find((a, i) => /^\d+$/.test(a) && args[i - 1] !== '--seed') ?? process.env.CNN_LAB_KILLS ?? 100);
  KillCampaign.build();
  const campaign = new KillCampaign();
  const results = [];
  try {
    await campaign.reference();
    for (let i = 0; i < n; i++) {
      const r = await campaign.kill(i, seed);
      results.push(r);
      const mode = r.hostKill === 'host alone' ? 'host alone' : r.mode;
      console.log(`#${String(i).padStart(3)} ${mode.padEnd(12)} ${r.phase.padEnd(21)} +${String(r.delayMs).padStart(4)} ms  ${r.outcome.padEnd(9)} ${r.told}${r.failures.length > 0 ? `\n      FAIL: ${r.failures.join('\n      FAIL: ')}` : ''}`);
    }
  } finally {
    campaign.dispose();
  }
  console.log(`\n${n} kills, seed ${seed}\n${table(results)}`);
  return results.some((r) => r.failures.length > 0) ? 1 : 0;
}

void main().then((code) => { process.exitCode = code; });
