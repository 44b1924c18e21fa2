/**
 * The host side of the trainer process: forks `dist/trainer.js`, speaks the protocol of
 * `src/shared/trainerProtocol.ts` and supervises the child the way vscode-languageclient supervises a
 * language server: stderr to a log callback, a runtime guard on every message, pings with an
 * unresponsive timeout, and stop-then-kill on dispose. Node-only (no vscode import), shared by the
 * extension's training service and the CLI.
 *
 * `done` always settles. When the child dies or stops answering without sending `done`, it
 * resolves with a `done` the client makes up (status `interrupted`, or `failed` after an `error`
 * message), after marking the run's summary.json accordingly if it still says `running`. An
 * inspect session (`mode: 'inspect'`) only reads its run, so the client never touches that folder.
 */
import { fork, type ChildProcess } from 'node:child_process';
import * as readline from 'node:readline';
import type { WireError } from '../shared/errors';
import {
  isTrainerMessage,
  type DoneMessage,
  type HostMessage,
  type InspectRequest,
  type StartRequest,
  type TrainerMessage,
} from '../shared/trainerProtocol';
import { markRunEnded } from './runStore';

export interface TrainerLaunchOptions {
  /** Absolute path of the trainer bundle (`dist/trainer.js`). */
  readonly trainerPath: string;
  /**
   * Node binary to run it with; default `process.execPath`. Under VS Code that is Electron, which
   * behaves as Node only with ELECTRON_RUN_AS_NODE=1; the client sets it when no execPath is given.
   */
  readonly execPath?: string;
  /** Node flags for the child; default none (the host's own flags, e.g. --inspect, are not inherited). */
  readonly execArgv?: readonly string[];
  /** Environment of the child; default `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Each line the child writes to stderr (tfjs-node and native-library chatter, crashes). */
  readonly onStderr?: (line: string) => void;
  /** Each line the child writes to stdout. */
  readonly onStdout?: (line: string) => void;
  /** How often the host pings the child (ms). Default 2000. */
  readonly pingIntervalMs?: number;
  /** Silence after which the child counts as hung and is killed (ms). Default 60000. */
  readonly unresponsiveAfterMs?: number;
  /** Time a child gets to finish after `stop` (or after `done`) before it is killed (ms). Default 20000. */
  readonly stopGraceMs?: number;
  /**
   * Start the child in its own process group (POSIX only), so that a terminal's Ctrl-C reaches only
   * the host, which then stops the trainer gracefully. The CLI sets this; the child still exits when
   * the host goes away, through its IPC-disconnect watchdog.
   */
  readonly ownProcessGroup?: boolean;
}

/** How the child process ended, once it has. */
export interface TrainerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface Disposable { dispose(): void }

const DEFAULT_PING_MS = 2000;
const DEFAULT_UNRESPONSIVE_MS = 60_000;
const DEFAULT_STOP_GRACE_MS = 20_000;

export class TrainerClient implements Disposable {
  /** Settles once per run with the trainer's `done`, or one made up when the child ended without it. */
  readonly done: Promise<DoneMessage>;
  /** Settles when the child process has ended (after `done`, normally). */
  readonly exited: Promise<TrainerExit>;
  readonly runDir: string;

  private readonly child: ChildProcess;
  private readonly listeners = new Set<(m: TrainerMessage) => void>();
  private resolveDone!: (m: DoneMessage) => void;
  private resolveExited!: (e: TrainerExit) => void;
  private settled = false;
  private startSent = false;
  private stopRequested = false;
  private killRequested = false;
  private lastHeardAt = Date.now();
  private readonly launchedAt = Date.now();
  private epochsCompleted = 0;
  private trainerError: WireError | undefined;
  private supervisionFailure: WireError | undefined;
  private exitInfo: TrainerExit | undefined;
  private pingTimer: NodeJS.Timeout | undefined;
  private killTimer: NodeJS.Timeout | undefined;

  private constructor(private readonly request: Omit<StartRequest, 'type'>, private readonly opts: TrainerLaunchOptions) {
    this.runDir = request.runDir;
    this.done = new Promise<DoneMessage>((resolve) => { this.resolveDone = resolve; });
    this.exited = new Promise<TrainerExit>((resolve) => { this.resolveExited = resolve; });
    const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env) };
    if (opts.execPath === undefined && process.versions.electron !== undefined) env.ELECTRON_RUN_AS_NODE = '1';
    this.child = fork(opts.trainerPath, [], {
      execPath: opts.execPath ?? process.execPath,
      execArgv: [...(opts.execArgv ?? [])],
      env,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
      detached: opts.ownProcessGroup === true && process.platform !== 'win32',
    });
    this.pipeLines(this.child.stdout, opts.onStdout);
    this.pipeLines(this.child.stderr, opts.onStderr);
    this.child.on('message', (m: unknown) => this.handleMessage(m));
    // 'close' rather than 'exit': it comes after the last IPC message and stdio line are delivered.
    this.child.on('close', (code: number | null, signal: NodeJS.Signals | null) => this.handleExit({ code, signal }));
    this.child.on('error', (err) => this.handleSpawnError(err));

    const pingMs = opts.pingIntervalMs ?? DEFAULT_PING_MS;
    const unresponsiveMs = opts.unresponsiveAfterMs ?? DEFAULT_UNRESPONSIVE_MS;
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastHeardAt > unresponsiveMs) {
        this.supervisionFailure = {
          code: 'E_TRAINER_UNRESPONSIVE',
          message: `The trainer process did not answer for ${Math.round(unresponsiveMs / 1000)} s and was killed.`,
          hint: this.request.mode === 'inspect'
            ? 'Pick the sample again; if it happens again, try another backend.'
            : 'Resume the run from its last checkpoint; if it happens again, try another backend.',
        };
        this.emitLog(this.supervisionFailure.message);
        this.forceKill();
        return;
      }
      this.send({ type: 'ping', sentAt: Date.now() });
    }, pingMs);
  }

  /** Forks the trainer; the start request is sent as soon as the trainer says `ready`. */
  static launch(request: Omit<StartRequest, 'type'>, opts: TrainerLaunchOptions): TrainerClient {
    return new TrainerClient(request, opts);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** How the child ended (undefined while it runs). */
  get exit(): TrainerExit | undefined {
    return this.exitInfo;
  }

  /**
   * Why the run ended badly: the trainer's own `error` message, or a supervision failure
   * (crash, hang, spawn failure) when the child ended without `done`.
   */
  get failure(): WireError | undefined {
    return this.trainerError ?? this.supervisionFailure;
  }

  /** Every message from the trainer, guarded; a made-up `done` is delivered here too. */
  onMessage(listener: (m: TrainerMessage) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => { this.listeners.delete(listener); } };
  }

  /** Asks the trainer to stop after the current batch (it writes a checkpoint); kills it after the grace time. */
  stop(): Promise<DoneMessage> {
    if (this.settled || this.stopRequested) return this.done;
    this.stopRequested = true;
    if (!this.startSent) {
      // Nothing is training yet: there is nothing to checkpoint.
      this.forceKill();
      return this.done;
    }
    this.send({ type: 'stop' });
    this.armKillTimer();
    return this.done;
  }

  /** Asks for the feature maps of another test sample; answered by a `featureMaps` message. */
  requestFeatureMaps(sampleIndex: number): void {
    this.send({ type: 'featureMapsRequest', sampleIndex });
  }

  /** Asks about a test sample or the user's own image; answered by the message `what` names, or `inspectFailed`. */
  inspect(request: Omit<InspectRequest, 'type'>): void {
    this.send({ type: 'inspectRequest', ...request });
  }

  /** Kills the child at once (SIGKILL); `done` then resolves as `interrupted`. */
  kill(): void {
    this.killRequested = true;
    this.forceKill();
  }

  /** Stops a running trainer (then kills it after the grace time) and drops all listeners. */
  dispose(): void {
    this.listeners.clear();
    if (!this.settled) void this.stop();
    else if (this.exitInfo === undefined) this.armKillTimer();
  }

  // ------------------------------------------------------------------ internals

  private pipeLines(stream: NodeJS.ReadableStream | null, sink: ((line: string) => void) | undefined): void {
    if (stream === null) return;
    if (sink === undefined) {
      stream.resume(); // drain, or a chatty child would block on a full pipe
      return;
    }
    readline.createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      try { sink(line); } catch { /* a failing log sink must not break supervision */ }
    });
  }

  private send(message: HostMessage): void {
    if (!this.child.connected) return;
    // With a callback, a closed channel reports here instead of throwing or emitting 'error'.
    this.child.send(message, (err) => {
      if (err) this.opts.onStderr?.(`[cnn-lab] could not send ${message.type} to the trainer: ${err.message}`);
    });
  }

  private emit(message: TrainerMessage): void {
    for (const l of [...this.listeners]) {
      try { l(message); } catch (err) {
        this.opts.onStderr?.(`[cnn-lab] trainer message listener failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  private emitLog(message: string): void {
    this.emit({ type: 'log', level: 'error', message });
  }

  private handleMessage(raw: unknown): void {
    this.lastHeardAt = Date.now();
    if (!isTrainerMessage(raw)) {
      this.opts.onStderr?.(`[cnn-lab] ignored a message that is not part of the trainer protocol: ${JSON.stringify(raw).slice(0, 200)}`);
      return;
    }
    switch (raw.type) {
      case 'ready':
        if (!this.startSent) {
          this.startSent = true;
          this.send({ type: 'start', ...this.request });
        }
        break;
      case 'started':
        this.epochsCompleted = Math.max(this.epochsCompleted, raw.startEpoch - 1);
        break;
      case 'epochEnd':
        this.epochsCompleted = Math.max(this.epochsCompleted, raw.epoch);
        break;
      case 'error':
        this.trainerError = raw.error;
        break;
      default:
        break;
    }
    if (raw.type !== 'done') this.emit(raw);
    if (raw.type === 'done' && !this.settled) {
      // A trainer failing before it knows its folder reports runDir ''; fill in what the host knows.
      const done: DoneMessage = { ...raw, runDir: raw.runDir || this.runDir, epochsCompleted: Math.max(raw.epochsCompleted, this.epochsCompleted) };
      this.emit(done);
      this.settle(done);
      // The trainer exits after `done`; one that lingers is killed after the grace time.
      this.armKillTimer();
    }
  }

  private handleSpawnError(err: Error): void {
    // 'error' fires when the process could not be spawned or signalled; only the former ends the run.
    if (this.child.pid !== undefined || this.settled) {
      this.opts.onStderr?.(`[cnn-lab] trainer process error: ${err.message}`);
      return;
    }
    this.supervisionFailure = {
      code: 'E_TRAINER_CRASHED',
      message: `Could not start the trainer process: ${err.message}`,
      hint: 'Check the Node binary the trainer runs with (cnnLab.trainer.nodePath) and that the extension is built.',
    };
    this.clearTimers();
    this.resolveExited({ code: null, signal: null });
    void this.finish('failed');
  }

  private handleExit(exit: TrainerExit): void {
    this.exitInfo = exit;
    this.clearTimers();
    this.resolveExited(exit);
    if (this.settled) return;
    let status: DoneMessage['status'];
    if (this.trainerError !== undefined) status = 'failed';
    else if (this.stopRequested && !this.startSent) status = 'stopped';
    else status = 'interrupted';
    if (this.trainerError === undefined && this.supervisionFailure === undefined && !this.killRequested && !this.stopRequested) {
      this.supervisionFailure = {
        code: 'E_TRAINER_CRASHED',
        message: `The trainer process ended without finishing the run (${exit.signal !== null ? `signal ${exit.signal}` : `exit code ${String(exit.code)}`}).`,
        hint: this.request.mode === 'inspect'
          ? 'See the trainer log for the cause; the run itself is unchanged.'
          // Whether and how the run resumes depends on what reached the disk (resumePlan): the
          // CLI's status line and the extension's notification say it from the folder.
          : 'See the trainer log for the cause.',
      };
      this.emitLog(this.supervisionFailure.message);
    }
    void this.finish(status);
  }

  /** Makes up `done` for a child that ended without one, after fixing up summary.json. */
  private async finish(status: DoneMessage['status']): Promise<void> {
    if (this.settled) return;
    this.settled = true; // no second finish while summary.json is being fixed
    // An inspection process never owned the run: its death says nothing about the run's state.
    if (this.request.mode !== 'inspect') {
      try {
        await markRunEnded(this.runDir, status);
      } catch (err) {
        this.opts.onStderr?.(`[cnn-lab] could not mark ${this.runDir} as ${status}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    const done: DoneMessage = {
      type: 'done',
      status,
      runDir: this.runDir,
      epochsCompleted: this.epochsCompleted,
      testAcc: null,
      durationSec: (Date.now() - this.launchedAt) / 1000,
    };
    this.emit(done);
    this.resolveDone(done);
  }

  private settle(done: DoneMessage): void {
    this.settled = true;
    if (this.pingTimer !== undefined) clearInterval(this.pingTimer);
    this.pingTimer = undefined;
    this.resolveDone(done);
  }

  private armKillTimer(): void {
    if (this.killTimer !== undefined || this.exitInfo !== undefined) return;
    this.killTimer = setTimeout(() => this.forceKill(), this.opts.stopGraceMs ?? DEFAULT_STOP_GRACE_MS);
  }

  private forceKill(): void {
    if (this.exitInfo !== undefined) return;
    this.child.kill('SIGKILL');
  }

  private clearTimers(): void {
    if (this.pingTimer !== undefined) clearInterval(this.pingTimer);
    if (this.killTimer !== undefined) clearTimeout(this.killTimer);
    this.pingTimer = undefined;
    this.killTimer = undefined;
  }
}
