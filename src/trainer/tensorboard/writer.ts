/**
 * An append-only TensorBoard event file in a run folder, named as TensorFlow names them
 * (`events.out.tfevents.<seconds>.<host>.<pid>.<n>.v2`), so `tensorboard --logdir .cnn-lab/runs`
 * lists CNN Lab runs next to Keras runs. Records are written as they come and synced at each
 * epoch; a kill leaves at most the last record cut short, which TensorBoard skips.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileVersionEvent, imageEvent, scalarEvent, sessionStartEvent, textEvent } from './events';
import { frameRecord } from './records';

let fileCounter = 0;

export class EventFileWriter {
  readonly file: string;
  private fd: number | null;

  /** `wallTime` in seconds (the clock is injected so tests can write byte-exact files). */
  constructor(dir: string, private readonly clock: () => number = () => Date.now() / 1000) {
    mkdirSync(dir, { recursive: true });
    const now = this.clock();
    this.file = path.join(dir, `events.out.tfevents.${Math.floor(now)}.${os.hostname()}.${process.pid}.${fileCounter++}.v2`);
    this.fd = openSync(this.file, 'a');
    this.write(fileVersionEvent(now));
  }

  private write(event: Uint8Array): void {
    if (this.fd === null) return;
    writeSync(this.fd, frameRecord(event));
  }

  scalar(tag: string, step: number, value: number): void {
    if (Number.isFinite(value)) this.write(scalarEvent(this.clock(), step, tag, value));
  }

  text(tag: string, step: number, markdown: string): void {
    this.write(textEvent(this.clock(), step, tag, markdown));
  }

  image(tag: string, step: number, png: Uint8Array, height: number, width: number, channels: 1 | 3 | 4): void {
    this.write(imageEvent(this.clock(), step, tag, png, height, width, channels));
  }

  /** Marks a restart at `step`: TensorBoard drops what earlier sessions wrote from there on. */
  sessionStart(step: number): void {
    this.write(sessionStartEvent(this.clock(), step));
  }

  /** Makes what was written durable (end of an epoch). */
  flush(): void {
    if (this.fd !== null) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd === null) return;
    this.flush();
    closeSync(this.fd);
    this.fd = null;
  }
}
