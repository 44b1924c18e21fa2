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
import type { InspectRequest, TrainerMessage } from '../../src/shared/trainerProtocol';
import { RUN_FILES } from '../../src/shared/runFiles';
import type { ModelSpec } from '../../src/shared/modelSpec';

/** What the webview tests ask the finished run's model (test sample 0 is the one shown). */
function inspections(ownImage: string): Omit<InspectRequest, 'type'>[] {
  return [
    { requestId: 1, subject: { kind: 'test', index: 0 }, what: { kind: 'explanation', layerIndex: 0, filter: 2 } },
    { requestId: 2, subject: { kind: 'test', index: 0 }, what: { kind: 'explanation', layerIndex: 2, filter: 5 } },
    { requestId: 3, subject: { kind: 'test', index: 0 }, what: { kind: 'saliency', classIndex: null } },
    { requestId: 4, subject: { kind: 'own', image: { width: 32, height: 32, channels: 3, pixelsBase64: ownImage } }, what: { kind: 'featureMaps' } },
    { requestId: 5, subject: { kind: 'own', image: { width: 32, height: 32, channels: 3, pixelsBase64: ownImage } }, what: { kind: 'explanation', layerIndex: 0, filter: 2 } },
  ];
}

/** A red disc on black, 32×32 RGB: an "own image" in the spirit of the shapes data set. */
function redDisc(): string {
  const px = Buffer.alloc(32 * 32 * 3);
  for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) {
    if ((x - 15.5) ** 2 + (y - 15.5) ** 2 <= 100) px[(y * 32 + x) * 3] = 220;
  }
  return px.toString('base64');
}

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

/** Opens a finished run in inspect mode, asks `asked` once it shows its first sample, and returns the answers. */
async function inspect(runDir: string, spec: ModelSpec, modelText: string, tmp: string, asked: Omit<InspectRequest, 'type'>[]): Promise<TrainerMessage[]> {
  const answers: TrainerMessage[] = [];
  const inspector = TrainerClient.launch({
    runDir, spec, modelText, modelDir: tmp, backend: 'auto',
    dataDir: path.join(tmp, 'data'), resume: false, maxTrainSamples: 1200, maxTestSamples: 90, mode: 'inspect', featureSample: 0,
  }, { trainerPath: path.join(root, 'dist', 'trainer.js'), onStderr: (l) => process.stderr.write(`${l}\n`) });
  await new Promise<void>((resolve, reject) => {
    inspector.onMessage((m) => {
      if (m.type === 'featureMaps' && m.requestId === undefined) for (const r of asked) inspector.inspect(r);
      if ('requestId' in m && m.requestId !== undefined) {
        if (m.type === 'inspectFailed') reject(new Error(`inspection ${m.requestId} failed: ${m.error.message}`));
        answers.push(m);
        if (answers.length === asked.length) resolve();
      }
    });
    void inspector.done.then(() => reject(new Error('the inspection process ended early')));
  });
  await inspector.stop();
  return answers;
}

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

  // The finished run opened in inspect mode, as a dashboard does on the first question.
  const answers = await inspect(runDir, analysis.spec, MODEL, tmp, inspections(redDisc()));

  // The same model on the grayscale copy of the data (one epoch): its first filter has one slice.
  const grayModel = MODEL.replace('dataset: shapes', 'dataset: shapes\ngrayscale: true').replace('epochs: 4', 'epochs: 1');
  const gray = analyzeModelText(grayModel);
  if (gray.spec === null) throw new Error('grayscale fixture model invalid');
  const grayDir = path.join(tmp, 'gray');
  const grayClient = TrainerClient.launch({
    runDir: grayDir, spec: gray.spec, modelText: grayModel, modelDir: tmp, backend: 'auto',
    dataDir: path.join(tmp, 'data'), resume: false, maxTrainSamples: 1200, maxTestSamples: 90, batchIntervalMs: 50,
  }, { trainerPath: path.join(root, 'dist', 'trainer.js'), onStderr: (l) => process.stderr.write(`${l}\n`) });
  if ((await grayClient.done).status !== 'completed') throw new Error('grayscale recording run failed');
  await grayClient.exited;
  const grayAnswers = await inspect(grayDir, gray.spec, grayModel, tmp,
    [{ requestId: 1, subject: { kind: 'test', index: 0 }, what: { kind: 'explanation', layerIndex: 0, filter: 2 } }]);

  await fsp.rm(out, { recursive: true, force: true });
  await fsp.mkdir(out, { recursive: true });
  for (const f of await fsp.readdir(runDir)) {
    const st = await fsp.stat(path.join(runDir, f));
    if (st.isFile()) await fsp.copyFile(path.join(runDir, f), path.join(out, f));
  }
  await fsp.cp(path.join(runDir, RUN_FILES.history), path.join(out, RUN_FILES.history), { recursive: true });
  await fsp.writeFile(path.join(out, 'messages.jsonl'), messages.map((m) => JSON.stringify(m)).join('\n') + '\n');
  await fsp.writeFile(path.join(out, 'inspections.jsonl'), answers.map((m) => JSON.stringify(m)).join('\n') + '\n');
  await fsp.writeFile(path.join(out, 'inspections-gray.jsonl'), grayAnswers.map((m) => JSON.stringify(m)).join('\n') + '\n');
  await fsp.rm(tmp, { recursive: true, force: true });
  const counts = messages.reduce<Record<string, number>>((a, m) => ({ ...a, [m.type]: (a[m.type] ?? 0) + 1 }), {});
  console.log(`recorded ${messages.length} messages into ${out}:`, counts);
}

main().catch((err: unknown) => { console.error(err); process.exit(1); });
