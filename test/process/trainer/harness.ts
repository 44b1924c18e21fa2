/**
 * Starts the real trainer (src/trainer/main.ts through tsx) as a forked child process and
 * records every message it sends, as the extension host and the CLI would receive them.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import type { TypedModelSpec } from '../../../src/core';
import type { ModelSpec } from '../../../src/shared/modelSpec';
import { DEFAULT_TRAIN } from '../../../src/shared/modelSpec';
import type { HostMessage, StartRequest, TrainerMessage } from '../../../src/shared/trainerProtocol';
import { isTrainerMessage } from '../../../src/shared/trainerProtocol';

const MAIN = path.resolve(__dirname, '../../../src/trainer/main.ts');

/** Trainers still running; a failed test must not leave one behind to keep mocha alive. */
const live = new Set<ChildProcess>();
if (typeof after === 'function') {
  // A root hook (this module is loaded by the test files): whatever a test left running is killed.
  after(() => {
    for (const child of live) child.kill('SIGKILL');
    live.clear();
  });
}

export class TrainerHarness {
  readonly child: ChildProcess;
  readonly messages: TrainerMessage[] = [];
  readonly stderr: string[] = [];
  private waiters: (() => void)[] = [];
  exitCode: number | null = null;
  exitSignal: NodeJS.Signals | null = null;
  readonly exited: Promise<void>;

  constructor() {
    this.child = fork(MAIN, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    live.add(this.child);
    this.child.stderr?.on('data', (d: Buffer) => this.stderr.push(d.toString()));
    this.child.on('message', (m: unknown) => {
      if (!isTrainerMessage(m)) throw new Error(`not a trainer message: ${JSON.stringify(m)}`);
      this.messages.push(m);
      for (const w of this.waiters.splice(0)) w();
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => {
      live.delete(this.child);
      this.exitCode = code;
      this.exitSignal = signal;
      for (const w of this.waiters.splice(0)) w();
      resolve();
    }));
  }

  send(m: HostMessage): void {
    this.child.send(m);
  }

  of<T extends TrainerMessage['type']>(type: T): Extract<TrainerMessage, { type: T }>[] {
    return this.messages.filter((m): m is Extract<TrainerMessage, { type: T }> => m.type === type);
  }

  /** Resolves with the first message (from the start) that satisfies `pred`. */
  async waitFor<T extends TrainerMessage>(pred: (m: TrainerMessage) => m is T, timeoutMs?: number): Promise<T>;
  async waitFor(pred: (m: TrainerMessage) => boolean, timeoutMs?: number): Promise<TrainerMessage>;
  async waitFor(pred: (m: TrainerMessage) => boolean, timeoutMs?: number): Promise<TrainerMessage> {
    const deadline = Date.now() + (timeoutMs ?? 300_000);
    for (;;) {
      const found = this.messages.find(pred);
      if (found) return found;
      if (this.exitCode !== null || this.exitSignal !== null) {
        throw new Error(`trainer exited (${this.exitCode ?? this.exitSignal}) before the awaited message; stderr:\n${this.stderr.join('')}`);
      }
      if (Date.now() > deadline) throw new Error('timed out waiting for a trainer message');
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 1000);
      });
    }
  }

  async done(): Promise<Extract<TrainerMessage, { type: 'done' }>> {
    const d = await this.waitFor((m): m is Extract<TrainerMessage, { type: 'done' }> => m.type === 'done');
    await this.exited;
    return d;
  }
}

/** A small conv net that trains in seconds even on the pure-JS cpu backend. */
export function smallSpec(overrides: Partial<ModelSpec['train']> = {}): TypedModelSpec {
  return {
    name: 'trainer-test',
    dataset: { kind: 'builtin', name: 'mnist' },
    grayscale: false,
    inputShape: [28, 28, 1],
    numClasses: 10,
    layers: [
      { type: 'conv2d', filters: 8, kernel: [3, 3], strides: [1, 1], padding: 'valid', activation: 'relu', useBias: true },
      { type: 'maxpool2d', pool: [2, 2], strides: [2, 2], padding: 'valid' },
      { type: 'flatten' },
      { type: 'dropout', rate: 0.25 },
      { type: 'dense', units: 10, activation: 'softmax', useBias: true },
    ],
    train: { ...DEFAULT_TRAIN, epochs: 3, batchSize: 32, learningRate: 0.002, seed: 7, ...overrides },
  };
}

export function startRequest(runDir: string, dataDir: string, spec: ModelSpec, extra: Partial<StartRequest> = {}): StartRequest {
  return {
    type: 'start', runDir, spec, modelText: `name: ${spec.name}\n`, modelDir: path.dirname(runDir),
    backend: (process.env.CNN_LAB_TEST_BACKEND as StartRequest['backend'] | undefined) ?? 'auto', dataDir, resume: false,
    // Port 9 (discard) refuses at once: no mirror is reachable, so the offline digits are used.
    mirrors: ['http://127.0.0.1:9/'],
    maxTrainSamples: 480, maxTestSamples: 300, batchIntervalMs: 0,
    ...extra,
  };
}
