/**
 * Records the fixture the webview tests replay: a REAL short training run of a small colour model
 * on the generated `shapes` data set, through the same TrainerClient the extension uses. Writes
 * test/fixtures/recorded-run/ with every trainer message in arrival order (messages.jsonl) and the
 * run folder's own files (summary, metrics, model text, feature maps, filters, evaluation), minus
 * the checkpoints and weights, to keep it small. Run after `npm run build`:
 *   npx tsx test/webview/record.ts
 */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeModelText } from '../../src/core/index';
import { TrainerClient } from '../../src/host/trainerClient';
import type { TrainerMessage } from '../../src/shared/trainerProtocol';

const root = path.resolve(__dirname, '..', '..');
const out = path.join(root, 'test', 'fixtures', 'recorded-run');

/** Small enough for a fixture (8 and 16 filters), colour input so the per-channel views have data. */
const MODEL = `# Fixture model for the webview tests: colour shapes, two small conv blocks.
name: shapes-fixture
dataset: shapes
layers:
  - conv2d: { filters: 8, kernel: 3, padding: same, activation: relu }
  - maxpool2d: { pool: 2 }
  - conv2d: { filters: 16, kernel: 3, padding: same, activation: relu }
  - maxpool2d: { pool: 2 }
  - flatten: {}
  - dropout: { rate: 0.25 }
  - dense: { units: 32, activation: relu }
  - dense: { units: 9, activation: softmax }
train: { epochs: 4, batchSize: 32, optimizer: adam, learningRate: 0.003, validationSplit: 0.1, seed: 7 }
`;

async function main(): Promise<void> {
  const analysis = analyzeModelText(MODEL);
  if (analysis.spec === null) throw new Error(`fixture model invalid: ${analysis.diagnostics.map((d) => d.message).join('; ')}`);
  const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'cnn-lab-record-'));
  const runDir = path.join(tmp, 'run');
  const messages: TrainerMessage[] = [];
  const client = TrainerClient.launch({
    runDir, spec: analysis.spec, modelText: MODEL, modelDir: tmp, backend: 'auto',
    dataDir: path.join(tmp, 'data'), resume: false, maxTrainSamples: 1200, maxTestSamples: 90, batchIntervalMs: 50,
  }, { trainerPath: path.join(root, 'dist', 'trainer.js'), onStderr: (l) => process.stderr.write(`${l}\n`) });
  client.onMessage((m) => { if (m.type !== 'pong') messages.push(m); });
  const done = await client.done;
  await client.exited;
  if (done.status !== 'completed') throw new Error(`recording run ended ${done.status}`);

  await fsp.rm(out, { recursive: true, force: true });
  await fsp.mkdir(out, { recursive: true });
  for (const f of await fsp.readdir(runDir)) {
    const st = await fsp.stat(path.join(runDir, f));
    if (st.isFile()) await fsp.copyFile(path.join(runDir, f), path.join(out, f));
  }
  await fsp.writeFile(path.join(out, 'messages.jsonl'), messages.map((m) => JSON.stringify(m)).join('\n') + '\n');
  await fsp.rm(tmp, { recursive: true, force: true });
  const counts = messages.reduce<Record<string, number>>((a, m) => ({ ...a, [m.type]: (a[m.type] ?? 0) + 1 }), {});
  console.log(`recorded ${messages.length} messages into ${out}:`, counts);
}

main().catch((err: unknown) => { console.error(err); process.exit(1); });
