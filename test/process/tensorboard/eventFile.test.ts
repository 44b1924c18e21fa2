/**
 * CNN Lab's TensorBoard event files against TensorBoard itself: the framing and protobuf bytes
 * equal what TensorBoard's own RecordWriter and protobuf classes write for the same events, and
 * TensorBoard's event loader reads back every scalar, text and image, also from a file whose last
 * record a kill cut short.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { fileVersionEvent, imageEvent, scalarEvent, textEvent } from '../../../src/trainer/tensorboard/events';
import { crc32c, frameRecord, maskedCrc32c, readRecords } from '../../../src/trainer/tensorboard/records';
import { EventFileWriter } from '../../../src/trainer/tensorboard/writer';
import { requirePython } from '../python/pythonEnv';

const TBCHECK = path.join(__dirname, 'tbcheck.py');
const TENSORBOARD = [{ module: 'tensorboard', pip: 'tensorboard==2.21.0' }] as const;

function png(width: number, height: number): Uint8Array {
  const img = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) img.data.set([(i * 37) % 256, (i * 11) % 256, (i * 5) % 256, 255], i * 4);
  return new Uint8Array(PNG.sync.write(img));
}

type Spec =
  | { kind: 'fileVersion'; wallTime: number }
  | { kind: 'scalar'; wallTime: number; step: number; tag: string; value: number }
  | { kind: 'text'; wallTime: number; step: number; tag: string; markdown: string }
  | { kind: 'image'; wallTime: number; step: number; tag: string; png: string; height: number; width: number; channels: 3 };

function encode(e: Spec): Uint8Array {
  switch (e.kind) {
    case 'fileVersion': return fileVersionEvent(e.wallTime);
    case 'scalar': return scalarEvent(e.wallTime, e.step, e.tag, e.value);
    case 'text': return textEvent(e.wallTime, e.step, e.tag, e.markdown);
    case 'image': return imageEvent(e.wallTime, e.step, e.tag, new Uint8Array(Buffer.from(e.png, 'base64')), e.height, e.width, e.channels);
  }
}

describe('TensorBoard event files', function () {
  this.timeout(600_000);
  let python = '';
  let dir = '';

  before(function () {
    python = requirePython(this, TENSORBOARD);
    dir = mkdtempSync(path.join(os.tmpdir(), 'cnnlab-tb-'));
  });
  after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  const py = (...args: string[]): string => {
    const r = spawnSync(python, [TBCHECK, ...args], { encoding: 'utf8', timeout: 300_000 });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };

  it('uses CRC-32C with TensorFlow\'s mask (check values of the Castagnoli polynomial)', () => {
    assert.equal(crc32c(new TextEncoder().encode('123456789')), 0xe3069283);
    assert.equal(crc32c(new Uint8Array(32)), 0x8a9136aa);
    assert.equal(maskedCrc32c(new Uint8Array(0)), 0xa282ead8);
  });

  it('writes the same bytes as TensorBoard\'s RecordWriter and protobuf classes for the same events', () => {
    const image = png(12, 8);
    const events: Spec[] = [
      { kind: 'fileVersion', wallTime: 1_764_633_600.25 },
      { kind: 'scalar', wallTime: 1_764_633_601.5, step: 0, tag: 'batch_loss', value: 2.302585 },
      { kind: 'scalar', wallTime: 1_764_633_601.75, step: 1, tag: 'batch_accuracy', value: 0 },
      { kind: 'scalar', wallTime: 1_764_633_602, step: 12_345_678_901, tag: 'epoch_learning_rate', value: 1e-3 },
      { kind: 'scalar', wallTime: 1_764_633_603, step: 7, tag: 'epoch_loss', value: -0.5 },
      { kind: 'text', wallTime: 1_764_633_604, step: 0, tag: 'model/summary', markdown: '    conv2d (Conv2D)  (None, 26, 26, 32)  320\n\n한국어 ✓' },
      { kind: 'image', wallTime: 1_764_633_605, step: 3, tag: 'filters/conv2d', png: Buffer.from(image).toString('base64'), height: 8, width: 12, channels: 3 },
    ];
    const spec = path.join(dir, 'events.json');
    writeFileSync(spec, JSON.stringify(events));
    const theirs = path.join(dir, 'reference.tfevents');
    py('write', theirs, spec);
    const ours = Buffer.concat(events.map((e) => frameRecord(encode(e))));
    const expected = readFileSync(theirs);
    assert.equal(ours.length, expected.length, 'same length');
    assert.equal(ours.toString('hex'), expected.toString('hex'), 'byte for byte');
    assert.equal(readRecords(new Uint8Array(ours)).records.length, events.length);
  });

  it('is read back by TensorBoard: scalars, text and images, in train/ and validation/ folders as Keras writes them', () => {
    const run = path.join(dir, 'runs', 'mnist-1');
    let t = 1_764_633_600;
    const clock = (): number => (t += 0.5);
    const train = new EventFileWriter(path.join(run, 'train'), clock);
    const validation = new EventFileWriter(path.join(run, 'validation'), clock);
    train.text('model/summary', 0, '```\nModel: "sequential"\n```');
    for (let s = 0; s < 5; s++) train.scalar('batch_loss', s, 2 - s * 0.1);
    train.scalar('epoch_loss', 0, 1.5);
    train.scalar('epoch_accuracy', 0, 0.62);
    train.scalar('epoch_learning_rate', 0, 0.001);
    train.scalar('epoch_nan', 0, Number.NaN);
    train.image('filters/conv2d', 0, png(6, 4), 4, 6, 3);
    validation.scalar('epoch_loss', 0, 1.7);
    validation.scalar('epoch_accuracy', 0, 0.58);
    train.close();
    validation.close();
    const read = JSON.parse(py('read', run)) as Record<string, { kind: string; tag?: string; step?: number; value?: unknown; height?: number; width?: number }[]>;
    const trainItems = read.train ?? [];
    assert.deepEqual(trainItems[0], { kind: 'fileVersion', value: 'brain.Event:2' });
    assert.deepEqual(trainItems.filter((i) => i.tag === 'batch_loss').map((i) => [i.step, Math.round((i.value as number) * 1e6) / 1e6]), [[0, 2], [1, 1.9], [2, 1.8], [3, 1.7], [4, 1.6]]);
    assert.equal(trainItems.find((i) => i.tag === 'model/summary')?.value, '```\nModel: "sequential"\n```');
    assert.deepEqual(trainItems.find((i) => i.kind === 'image'), { kind: 'image', tag: 'filters/conv2d', step: 0, height: 4, width: 6, pngBytes: png(6, 4).length });
    assert.ok(!trainItems.some((i) => i.tag === 'epoch_nan'), 'a NaN is not written');
    assert.deepEqual((read.validation ?? []).filter((i) => i.kind === 'scalar').map((i) => [i.tag, Math.round((i.value as number) * 100) / 100]), [['epoch_loss', 1.7], ['epoch_accuracy', 0.58]]);
  });

  it('leaves a file TensorBoard reads up to the last whole record when a kill cuts the last one short', () => {
    const killed = path.join(dir, 'killed');
    const w = new EventFileWriter(killed, () => 1_764_633_600);
    for (let s = 0; s < 10; s++) w.scalar('batch_loss', s, s);
    w.close();
    const file = path.join(killed, readdirSync(killed)[0] ?? '');
    const size = readFileSync(file).length;
    truncateSync(file, size - 7);
    const read = JSON.parse(py('read', killed)) as Record<string, { tag?: string; step?: number }[]>;
    assert.deepEqual((read['.'] ?? []).filter((i) => i.tag === 'batch_loss').map((i) => i.step), [0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const ours = readRecords(new Uint8Array(readFileSync(file)));
    assert.equal(ours.records.length, 10, 'file version + 9 scalars');
    assert.equal(ours.corrupt, false);
  });
});
