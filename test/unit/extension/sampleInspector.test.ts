/**
 * The dashboard's inspection-process supervisor, driven through a stand-in for the process's
 * client (the real process is exercised by the integration suite: a pick on a finished run in
 * VS Code). The stand-in records what the inspector asks of the process and replays what a
 * process says, feature maps taken from the recorded run.
 */
import { strict as assert } from 'node:assert';
import type { WireError } from '../../../src/shared/errors';
import type { DoneMessage, FeatureMapsMessage, InspectRequest, TrainerMessage } from '../../../src/shared/trainerProtocol';
import { SampleInspector, type InspectClient, type Timers } from '../../../src/extension/sampleInspector';
import { recordedMessages } from '../../webview/fixture';

class StandInClient implements InspectClient {
  readonly requests: number[] = [];
  disposed = false;
  failure: WireError | undefined;
  readonly done: Promise<DoneMessage>;
  private resolveDone!: (d: DoneMessage) => void;
  private readonly listeners = new Set<(m: TrainerMessage) => void>();

  constructor(readonly featureSample: number) {
    this.done = new Promise((r) => { this.resolveDone = r; });
  }

  onMessage(l: (m: TrainerMessage) => void): { dispose(): void } {
    this.listeners.add(l);
    return { dispose: () => { this.listeners.delete(l); } };
  }
  requestFeatureMaps(i: number): void { this.requests.push(i); }
  readonly inspections: Omit<InspectRequest, 'type'>[] = [];
  inspect(r: Omit<InspectRequest, 'type'>): void { this.inspections.push(r); }
  dispose(): void { this.disposed = true; this.listeners.clear(); }

  say(m: TrainerMessage): void {
    for (const l of [...this.listeners]) l(m);
    if (m.type === 'done') this.resolveDone(m);
  }
  /** The process ends without `done` (crash); TrainerClient then settles `done` itself. */
  die(failure: WireError | undefined): void {
    this.failure = failure;
    this.resolveDone({ type: 'done', status: 'interrupted', runDir: '/r', epochsCompleted: 0, testAcc: null, durationSec: 0 });
  }
}

/** Timers the test fires by hand. */
class ManualTimers implements Timers {
  pending = new Map<number, () => void>();
  private next = 1;
  setTimeout(f: () => void): unknown { const id = this.next++; this.pending.set(id, f); return id; }
  clearTimeout(h: unknown): void { this.pending.delete(h as number); }
  fireAll(): void { const fs = [...this.pending.values()]; this.pending.clear(); for (const f of fs) f(); }
}

const recorded = recordedMessages().find((m): m is FeatureMapsMessage => m.type === 'featureMaps');
function mapsOf(sampleIndex: number): FeatureMapsMessage {
  assert.ok(recorded !== undefined, 'the recorded run has feature maps');
  return { ...recorded, sampleIndex };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function setup() {
  const clients: StandInClient[] = [];
  const shown: (number | null)[] = [];
  const failures: (WireError | undefined)[] = [];
  const inspected: TrainerMessage[] = [];
  const lost: (WireError | undefined)[] = [];
  const progress: string[] = [];
  const running: boolean[] = [];
  const timers = new ManualTimers();
  const inspector = new SampleInspector(
    (sample) => { const c = new StandInClient(sample); clients.push(c); return c; },
    {
      log: () => undefined,
      progress: (m) => progress.push(m.task),
      dataset: () => undefined,
      featureMaps: (m) => shown.push(m.sampleIndex),
      failed: (e) => failures.push(e),
      inspected: (m) => inspected.push(m),
      inspectionsLost: (e) => lost.push(e),
      running: (up) => running.push(up),
    },
    1000,
    timers,
  );
  return { clients, shown, failures, progress, running, timers, inspector, inspected, lost };
}

describe('sample inspector (picks on a finished run)', function () {
  it('starts one process on the first pick, with that sample, and reuses it for later picks', function () {
    const { clients, shown, progress, inspector } = setup();
    assert.equal(inspector.running, false, 'nothing is started before a pick');
    inspector.request(3);
    assert.equal(clients.length, 1);
    assert.equal(clients[0]?.featureSample, 3);
    assert.deepEqual(clients[0]?.requests, [], 'the first sample comes with the start, not as a request');
    clients[0]?.say({ type: 'progress', task: 'Loading MNIST', fraction: null });
    clients[0]?.say(mapsOf(3));
    inspector.request(7);
    assert.equal(clients.length, 1, 'no second process');
    assert.deepEqual(clients[0]?.requests, [7]);
    clients[0]?.say(mapsOf(7));
    assert.deepEqual(shown, [3, 7]);
    assert.deepEqual(progress, ['Loading MNIST'], 'progress is passed on');
    assert.equal(inspector.launches, 1);
  });

  it('holds picks made while the process loads and asks for the latest one when it answers', function () {
    const { clients, shown, inspector } = setup();
    inspector.request(1);
    inspector.request(2);
    inspector.request(9);
    assert.deepEqual(clients[0]?.requests, [], 'a loading process takes no requests yet');
    clients[0]?.say(mapsOf(1));
    assert.deepEqual(clients[0]?.requests, [9], 'only the last pick is asked for');
    clients[0]?.say(mapsOf(9));
    assert.deepEqual(shown, [1, 9]);
  });

  it('takes a clamped answer (a pick past the test set) as the answer instead of asking forever', function () {
    const { clients, shown, timers, inspector } = setup();
    inspector.request(99_999);
    clients[0]?.say(mapsOf(89));
    assert.deepEqual(clients[0]?.requests, [], 'the first sample was asked with the start');
    inspector.request(5_000);
    clients[0]?.say(mapsOf(89));
    assert.deepEqual(clients[0]?.requests, [5_000], 'asked once');
    assert.deepEqual(shown, [89, 89]);
    assert.equal(timers.pending.size, 1, 'idle again: nothing is pending');
  });

  it('stops the process after the idle time and starts a new one on the next pick', function () {
    const { clients, running, timers, inspector } = setup();
    inspector.request(4);
    assert.deepEqual(running, [true], 'the page is told a process is up');
    assert.equal(timers.pending.size, 0, 'no idle timer while a pick is pending');
    clients[0]?.say(mapsOf(4));
    assert.equal(timers.pending.size, 1);
    timers.fireAll();
    assert.equal(clients[0]?.disposed, true, 'the idle process is stopped');
    assert.equal(inspector.running, false);
    assert.deepEqual(running, [true, false], 'and that it is gone');
    inspector.request(5);
    assert.equal(clients.length, 2);
    assert.deepEqual(running, [true, false, true]);
    assert.equal(clients[1]?.featureSample, 5);
  });

  it('reports a trainer error once and lets the next pick start afresh', async function () {
    const { clients, failures, inspector } = setup();
    inspector.request(0);
    const error: WireError = { code: 'E_DATASET_UNAVAILABLE', message: 'MNIST could not be downloaded.', hint: 'Check cnnLab.data.mnistMirrors.' };
    clients[0]?.say({ type: 'error', error });
    clients[0]?.say({ type: 'done', status: 'completed', runDir: '/r', epochsCompleted: 1, testAcc: 0.9, durationSec: 1 });
    await tick();
    assert.deepEqual(failures, [error]);
    assert.equal(inspector.running, false);
    inspector.request(2);
    assert.equal(clients.length, 2);
  });

  it('reports a crash that leaves a pick unanswered, with the client-side failure', async function () {
    const { clients, failures, inspector } = setup();
    inspector.request(6);
    const crash: WireError = { code: 'E_TRAINER_CRASHED', message: 'The trainer process ended (signal SIGKILL).' };
    clients[0]?.die(crash);
    await tick();
    assert.deepEqual(failures, [crash]);
    assert.equal(inspector.running, false);
    assert.equal(clients[0]?.disposed, true);
  });

  it('does not report an idle process ending, and stops its process when disposed', async function () {
    const { clients, failures, running, inspector } = setup();
    inspector.request(1);
    clients[0]?.say(mapsOf(1));
    inspector.dispose();
    assert.equal(clients[0]?.disposed, true);
    clients[0]?.die(undefined);
    await tick();
    assert.deepEqual(failures, []);
    assert.deepEqual(running, [true], 'nothing is said after dispose (the dashboard is closing)');
    inspector.request(2);
    assert.equal(clients.length, 1, 'a disposed inspector starts nothing');
  });

  it('holds inspections until the process listens, relays their answers and then idles', function () {
    const { clients, inspected, timers, inspector } = setup();
    const own = { width: 1, height: 1, channels: 1 as const, pixelsBase64: 'AA==' };
    inspector.inspect({ requestId: 1, subject: { kind: 'own', image: own }, what: { kind: 'featureMaps' } }, 5);
    assert.equal(clients.length, 1);
    assert.equal(clients[0]?.featureSample, 5, 'started on the sample on screen');
    assert.equal(clients[0]?.inspections.length, 0, 'a loading process takes no requests yet');
    inspector.inspect({ requestId: 2, subject: { kind: 'test', index: 5 }, what: { kind: 'saliency', classIndex: null } }, 5);
    clients[0]?.say(mapsOf(5));
    assert.deepEqual(clients[0]?.inspections.map((r) => r.requestId), [1, 2], 'both asked once it answered its first sample');
    assert.equal(timers.pending.size, 0, 'no idle timer while inspections are outstanding');
    clients[0]?.say({ ...mapsOf(5), sampleIndex: null, label: null, requestId: 1 });
    clients[0]?.say({ type: 'inspectFailed', requestId: 2, error: { code: 'E_MODEL_INVALID', message: 'no' } });
    assert.deepEqual(inspected.map((m) => m.type), ['featureMaps', 'inspectFailed']);
    assert.equal(timers.pending.size, 1, 'idle again');
    inspector.inspect({ requestId: 3, subject: { kind: 'test', index: 1 }, what: { kind: 'explanation', layerIndex: 0, filter: 2 } }, 5);
    assert.deepEqual(clients[0]?.inspections.map((r) => r.requestId), [1, 2, 3], 'a listening process is asked at once');
  });

  it('reports inspections a crash leaves unanswered', async function () {
    const { clients, lost, inspector } = setup();
    inspector.inspect({ requestId: 1, subject: { kind: 'test', index: 0 }, what: { kind: 'saliency', classIndex: 1 } }, 0);
    const crash: WireError = { code: 'E_TRAINER_CRASHED', message: 'The trainer process ended (signal SIGKILL).' };
    clients[0]?.die(crash);
    await tick();
    assert.deepEqual(lost, [crash]);
    assert.equal(inspector.running, false);
  });
});
