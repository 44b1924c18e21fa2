/**
 * TrainerClient's supervision against a real child process that speaks the protocol
 * (test/fixtures/fakeTrainer.ts): normal completion, stop, a hung child, a crash, a child that
 * ignores stop, and a SIGKILL from outside. Each test checks both the `done` the client reports and
 * what the run folder says afterwards, read back through the run store.
 */
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TrainerClient, type TrainerLaunchOptions } from '../../../src/host/trainerClient';
import { lastCheckpointEpoch, readRun } from '../../../src/host/runStore';
import type { ModelSpec } from '../../../src/shared/modelSpec';
import { DEFAULT_TRAIN } from '../../../src/shared/modelSpec';
import type { StartRequest, TrainerMessage } from '../../../src/shared/trainerProtocol';

const FAKE = path.resolve(__dirname, '../../fixtures/fakeTrainer.ts');

function spec(epochs: number): ModelSpec {
  return {
    name: 'fake', dataset: { kind: 'builtin', name: 'shapes' }, grayscale: false, inputShape: [32, 32, 3],
    numClasses: 9, layers: [{ type: 'flatten' }], train: { ...DEFAULT_TRAIN, epochs },
  };
}

describe('TrainerClient supervising a real child process', function () {
  this.timeout(20_000);
  let tmp: string;
  const clients: TrainerClient[] = [];

  beforeEach(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'cnnlab-client-')); });
  afterEach(() => {
    for (const c of clients.splice(0)) c.kill();
    rmSync(tmp, { recursive: true, force: true });
  });

  function launch(mode: string, epochs: number, extra: Partial<TrainerLaunchOptions> = {}): { client: TrainerClient; messages: TrainerMessage[]; stderr: string[] } {
    const request: Omit<StartRequest, 'type'> = {
      runDir: path.join(tmp, 'run'), spec: spec(epochs), modelText: 'name: fake\n', modelDir: tmp,
      backend: 'cpu', dataDir: tmp, resume: false,
    };
    const stderr: string[] = [];
    const client = TrainerClient.launch(request, {
      trainerPath: FAKE,
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, FAKE_TRAINER_MODE: mode, FAKE_EPOCH_MS: '30' },
      onStderr: (l) => stderr.push(l),
      pingIntervalMs: 100,
      unresponsiveAfterMs: 5000,
      stopGraceMs: 1000,
      ...extra,
    });
    clients.push(client);
    const messages: TrainerMessage[] = [];
    client.onMessage((m) => messages.push(m));
    return { client, messages, stderr };
  }

  function waitFor(client: TrainerClient, pred: (m: TrainerMessage) => boolean): Promise<TrainerMessage> {
    return new Promise((resolve) => {
      const sub = client.onMessage((m) => { if (pred(m)) { sub.dispose(); resolve(m); } });
    });
  }

  it('sends start on ready, relays messages in order and resolves done with the trainer\'s own message', async () => {
    const { client, messages, stderr } = launch('normal', 3);
    const done = await client.done;
    assert.equal(done.status, 'completed');
    assert.equal(done.epochsCompleted, 3);
    assert.equal(done.testAcc, 0.5);
    const types = messages.map((m) => m.type).filter((t) => t !== 'pong');
    assert.deepEqual(types.slice(0, 3), ['ready', 'backend', 'started']);
    assert.deepEqual(messages.filter((m) => m.type === 'epochEnd').map((m) => (m as { epoch: number }).epoch), [1, 2, 3]);
    assert.equal(types.at(-1), 'done');
    assert.ok(stderr.includes('fake trainer up'), 'stderr lines reach onStderr');
    const run = await readRun(path.join(tmp, 'run'));
    assert.equal(run.entry.status, 'completed');
    assert.equal(run.metrics.length, 3);
  });

  it('answers pings: pongs arrive while the child runs', async () => {
    const { client } = launch('normal', 20);
    const pong = await waitFor(client, (m) => m.type === 'pong');
    assert.equal(pong.type, 'pong');
    assert.equal((await client.stop()).status, 'stopped');
  });

  it('stop is honoured: done says stopped and a checkpoint is on disk', async () => {
    const { client } = launch('normal', 50);
    await waitFor(client, (m) => m.type === 'epochEnd');
    const done = await client.stop();
    assert.equal(done.status, 'stopped');
    assert.ok(done.epochsCompleted >= 1 && done.epochsCompleted < 50);
    assert.equal(await lastCheckpointEpoch(path.join(tmp, 'run')), done.epochsCompleted);
    assert.equal((await readRun(path.join(tmp, 'run'))).entry.status, 'stopped');
  });

  it('a child killed from outside (SIGKILL) resolves done as interrupted and marks summary.json', async () => {
    const { client, messages } = launch('normal', 500);
    await waitFor(client, (m) => m.type === 'epochEnd' && m.epoch >= 2);
    assert.ok(client.pid !== undefined);
    process.kill(client.pid, 'SIGKILL');
    const done = await client.done;
    assert.equal(done.status, 'interrupted');
    assert.ok(done.epochsCompleted >= 2);
    assert.equal(client.exit?.signal, 'SIGKILL');
    assert.equal(client.failure?.code, 'E_TRAINER_CRASHED');
    assert.equal(messages.at(-1)?.type, 'done', 'the made-up done reaches listeners too');
    const run = await readRun(path.join(tmp, 'run'));
    assert.equal(run.summary?.status, 'interrupted', 'summary.json rewritten on disk, not only reported');
    assert.ok(run.summary?.finishedAt !== null);
    assert.ok((await lastCheckpointEpoch(path.join(tmp, 'run')) ?? 0) >= 2);
  });

  it('a hung child (no answers to pings) is killed and the run marked interrupted', async () => {
    const { client } = launch('hang', 3, { unresponsiveAfterMs: 800 });
    const t0 = Date.now();
    const done = await client.done;
    assert.equal(done.status, 'interrupted');
    assert.equal(client.failure?.code, 'E_TRAINER_UNRESPONSIVE');
    assert.equal(client.exit?.signal, 'SIGKILL');
    assert.ok(Date.now() - t0 < 10_000);
    assert.equal((await readRun(path.join(tmp, 'run'))).summary?.status, 'interrupted');
  });

  it('a crash after one epoch is reported as interrupted with the exit code', async () => {
    const { client } = launch('crash', 5);
    const done = await client.done;
    assert.equal(done.status, 'interrupted');
    assert.equal(done.epochsCompleted, 1);
    assert.equal(client.exit?.code, 3);
    assert.match(client.failure?.message ?? '', /exit code 3/);
    assert.equal((await readRun(path.join(tmp, 'run'))).entry.lastCheckpoint, 1);
  });

  it('a trainer error gives status failed and the error as failure', async () => {
    const { client } = launch('fail', 3);
    const done = await client.done;
    assert.equal(done.status, 'failed');
    assert.equal(client.failure?.code, 'E_DATASET_UNAVAILABLE');
  });

  it('a child that ignores stop is killed after the grace time', async () => {
    const { client } = launch('ignoreStop', 10_000, { stopGraceMs: 300 });
    await waitFor(client, (m) => m.type === 'epochEnd');
    const done = await client.stop();
    assert.equal(done.status, 'interrupted');
    assert.equal(client.exit?.signal, 'SIGKILL');
    assert.equal((await readRun(path.join(tmp, 'run'))).entry.status, 'interrupted');
  });

  it('dispose stops a running trainer', async () => {
    const { client } = launch('normal', 10_000);
    await waitFor(client, (m) => m.type === 'epochEnd');
    client.dispose();
    const done = await client.done;
    assert.equal(done.status, 'stopped');
    assert.equal((await client.exited).code, 0);
  });

  it('a trainer path that does not exist ends the run instead of hanging', async () => {
    const { client } = launch('normal', 1, { trainerPath: path.join(tmp, 'missing.js'), execArgv: [] });
    const done = await client.done;
    assert.equal(done.status, 'interrupted');
    assert.equal(client.exit?.code, 1);
  });
});
