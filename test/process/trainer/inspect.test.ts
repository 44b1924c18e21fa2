/**
 * Inspect mode (`StartRequest.mode: 'inspect'`): the real trainer process opens a run that a short
 * real training produced, serves feature maps for samples the host picks, and leaves the run
 * folder exactly as it found it, byte for byte, whether it is stopped or killed.
 */
import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { TrainerClient } from '../../../src/host/trainerClient';
import { asBytes } from '../../../src/trainer/data/bytes';
import type { FeatureMapsMessage, TrainerMessage } from '../../../src/shared/trainerProtocol';
import { RUN_FILES, listCheckpoints, readModelDir, readSummary } from '../../../src/trainer/runFolder';
import { TrainerHarness, smallSpec, startRequest } from './harness';

const MAIN = path.resolve(__dirname, '../../../src/trainer/main.ts');

/** Every file under `dir` with its SHA-256 (and nothing else may appear or vanish). */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), createHash('sha256').update(asBytes(fs.readFileSync(p))).digest('hex'));
    }
  };
  walk(dir);
  return out;
}

const isMaps = (m: TrainerMessage): m is FeatureMapsMessage => m.type === 'featureMaps';
const bytesOf = (b64: string): Buffer => Buffer.from(b64, 'base64');

describe('trainer process: inspect mode', function () {
  let tmp: string;
  let dataDir: string;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cnnlab-inspect-'));
    dataDir = path.join(tmp, 'data');
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('serves feature maps of a finished run from its final weights, per picked sample, and changes nothing on disk', async () => {
    const runDir = path.join(tmp, 'run-done');
    const spec = smallSpec({ epochs: 2 });
    const trainer = new TrainerHarness();
    trainer.send(startRequest(runDir, dataDir, spec));
    assert.equal((await trainer.done()).status, 'completed', trainer.stderr.join(''));
    const trainedMaps = trainer.of('featureMaps').at(-1);
    assert.ok(trainedMaps && trainedMaps.sampleIndex === 0 && trainedMaps.epoch === 2);
    const before = snapshot(runDir);
    const summary = readSummary(runDir);
    assert.ok(summary);

    const t = new TrainerHarness();
    t.send(startRequest(runDir, dataDir, spec, { mode: 'inspect', featureSample: 3 }));
    const first = await t.waitFor(isMaps);
    assert.deepEqual(t.messages.map((m) => m.type).filter((ty) => ty !== 'progress' && ty !== 'log' && ty !== 'pong'),
      ['ready', 'backend', 'dataset', 'featureMaps'], 'nothing is trained: no started, batch or epochEnd');
    assert.equal(first.sampleIndex, 3);
    assert.equal(first.epoch, 2, 'the epoch of the final weights');

    const tensorsNow = async (sentAt: number): Promise<number> => {
      t.send({ type: 'ping', sentAt });
      const pong = await t.waitFor((m): m is Extract<TrainerMessage, { type: 'pong' }> => m.type === 'pong' && m.sentAt === sentAt);
      return pong.numTensors;
    };
    const tensorsAtStart = await tensorsNow(1);

    t.send({ type: 'featureMapsRequest', sampleIndex: 10 });
    const other = await t.waitFor((m): m is FeatureMapsMessage => isMaps(m) && m.sampleIndex === 10);
    t.send({ type: 'featureMapsRequest', sampleIndex: 0 });
    const zero = await t.waitFor((m): m is FeatureMapsMessage => isMaps(m) && m.sampleIndex === 0);

    // Two samples: different inputs, different activations, same layers.
    assert.notEqual(first.input.pixelsBase64, other.input.pixelsBase64);
    assert.deepEqual(first.layers.map((l) => [l.name, l.type, l.shape]), other.layers.map((l) => [l.name, l.type, l.shape]));
    assert.notEqual(first.layers[0]?.valuesBase64, other.layers[0]?.valuesBase64);
    assert.notDeepEqual(first.layers[0]?.ranges, other.layers[0]?.ranges);
    // Sample 0 with the final weights is what training itself showed after its last epoch.
    assert.deepEqual(zero.layers, trainedMaps.layers);
    assert.equal(zero.label, trainedMaps.label);
    assert.equal(await tensorsNow(2), tensorsAtStart, 'answering requests leaks no tensors');

    // And it is the model in final/: stock tf.loadLayersModel gives the same first-conv activations.
    const final = readModelDir(path.join(runDir, RUN_FILES.final));
    assert.ok(final);
    const model = await tf.loadLayersModel(tf.io.fromMemory({
      modelTopology: final.json.modelTopology, weightSpecs: [...final.specs], weightData: final.weights,
    }));
    const conv = tf.model({ inputs: model.inputs, outputs: model.layers[0]?.output as tf.SymbolicTensor });
    const x = tf.tensor4d(Float32Array.from(bytesOf(other.input.pixelsBase64), (v) => v / 255), [1, 28, 28, 1]);
    const act = conv.predict(x) as tf.Tensor;
    const values = act.dataSync();
    const layer0 = other.layers[0];
    assert.ok(layer0);
    const channels = layer0.shape[2];
    const scaled = bytesOf(layer0.valuesBase64);
    assert.equal(scaled.length, values.length);
    for (let ch = 0; ch < channels; ch++) {
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = ch; i < values.length; i += channels) { lo = Math.min(lo, values[i] as number); hi = Math.max(hi, values[i] as number); }
      const [rlo, rhi] = layer0.ranges[ch] as [number, number];
      assert.ok(Math.abs(rlo - lo) < 1e-4 && Math.abs(rhi - hi) < 1e-4, `channel ${ch}: [${rlo}, ${rhi}] vs [${lo}, ${hi}]`);
      for (let i = ch; i < values.length; i += channels) {
        const expected = hi > lo ? ((values[i] as number) - lo) / (hi - lo) * 255 : 0;
        assert.ok(Math.abs((scaled[i] as number) - expected) <= 1, `channel ${ch} value ${i}`);
      }
    }
    tf.dispose([x, act]);
    model.dispose();

    t.send({ type: 'stop' });
    const done = await t.done();
    assert.equal(t.exitCode, 0);
    assert.equal(done.status, 'completed', 'the run\'s recorded status');
    assert.equal(done.epochsCompleted, 2);
    assert.equal(done.testAcc, summary.testAcc);
    assert.equal(t.of('error').length, 0, t.stderr.join(''));
    assert.deepEqual(snapshot(runDir), before, 'the run folder is byte-identical');
  });

  it('falls back to the last checkpoint of a killed run; killing the inspector through TrainerClient leaves the folder untouched', async () => {
    const runDir = path.join(tmp, 'run-killed');
    const spec = smallSpec({ epochs: 50 });
    const trainer = new TrainerHarness();
    trainer.send(startRequest(runDir, dataDir, spec));
    await trainer.waitFor((m) => m.type === 'epochEnd' && m.epoch === 1);
    trainer.child.kill('SIGKILL');
    await trainer.exited;
    assert.equal(readSummary(runDir)?.status, 'running');
    assert.ok(listCheckpoints(runDir).length >= 1 && !fs.existsSync(path.join(runDir, RUN_FILES.final)));
    const lastCheckpoint = listCheckpoints(runDir).at(-1);
    const before = snapshot(runDir);

    const { type: _type, ...request } = startRequest(runDir, dataDir, spec, { mode: 'inspect', featureSample: 1 });
    const client = TrainerClient.launch(request, { trainerPath: MAIN, execArgv: ['--import', 'tsx'], pingIntervalMs: 200, stopGraceMs: 2000 });
    const maps = await new Promise<FeatureMapsMessage>((resolve) => {
      const sub = client.onMessage((m) => { if (isMaps(m)) { sub.dispose(); resolve(m); } });
    });
    assert.equal(maps.epoch, lastCheckpoint, 'the weights of the last complete checkpoint');
    assert.equal(maps.sampleIndex, 1);
    client.kill();
    const done = await client.done;
    assert.equal(done.status, 'interrupted');
    assert.equal(readSummary(runDir)?.status, 'running', 'the client does not mark an inspected run');
    assert.deepEqual(snapshot(runDir), before, 'the run folder is byte-identical');
  });

  it('reports a folder without weights as an error and creates nothing', async () => {
    const runDir = path.join(tmp, 'no-such-run');
    const t = new TrainerHarness();
    t.send(startRequest(runDir, dataDir, smallSpec(), { mode: 'inspect' }));
    const done = await t.done();
    assert.equal(done.status, 'failed');
    assert.equal(t.of('error')[0]?.error.code, 'E_RUN_NOT_RESUMABLE');
    assert.equal(fs.existsSync(runDir), false);
  });
});
