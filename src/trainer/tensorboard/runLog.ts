/**
 * A run's TensorBoard logs, laid out and named as Keras's `TensorBoard` callback writes them, so
 * `tensorboard --logdir .cnn-lab/runs` shows CNN Lab runs beside Keras runs:
 * - `<run>/train/`: `batch_loss`, `batch_accuracy` per training step (global step, from 0),
 *   `epoch_loss`, `epoch_accuracy`, `epoch_learning_rate` per epoch (epoch index, from 0), the
 *   model's summary and file as text, and the first convolution's filters as an image after each
 *   epoch (step = epochs completed, 0 before training);
 * - `<run>/validation/`: `epoch_loss`, `epoch_accuracy`, and the test set's
 *   `evaluation_loss_vs_iterations` and `evaluation_accuracy_vs_iterations` at the last step.
 * A resumed run appends new files, marked with a session start at the epoch it continues from.
 */
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { RUN_FILES } from '../../shared/runFiles';
import type { FilterLayer } from '../../shared/trainerProtocol';
import { EventFileWriter } from './writer';

/** Pixels per kernel cell and between filters in the filter image. */
const CELL = 8;
const GAP = 2;

/**
 * The filters of one conv layer as an RGB image: one tile per filter, each weight a CELL×CELL
 * block; colour input shows the kernel's R, G, B slices as one colour, other inputs the mean over
 * input channels in gray; each filter scaled to its own largest magnitude around mid-gray.
 */
function filterImage(f: FilterLayer): { png: Uint8Array; width: number; height: number } {
  const [kh, kw] = f.kernel;
  const cols = Math.ceil(Math.sqrt(f.outChannels));
  const rows = Math.ceil(f.outChannels / cols);
  const tileW = kw * CELL;
  const tileH = kh * CELL;
  const width = cols * tileW + (cols + 1) * GAP;
  const height = rows * tileH + (rows + 1) * GAP;
  const img = new PNG({ width, height });
  img.data.fill(255);
  const at = (y: number, x: number, i: number, o: number): number => f.weights[((y * kw + x) * f.inChannels + i) * f.outChannels + o] ?? 0;
  for (let o = 0; o < f.outChannels; o++) {
    let max = 1e-12;
    for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) for (let i = 0; i < f.inChannels; i++) max = Math.max(max, Math.abs(at(y, x, i, o)));
    const ox = GAP + (o % cols) * (tileW + GAP);
    const oy = GAP + Math.floor(o / cols) * (tileH + GAP);
    for (let y = 0; y < kh; y++) {
      for (let x = 0; x < kw; x++) {
        const level = (v: number): number => Math.round(127.5 + 127.5 * (v / max));
        let rgb: [number, number, number];
        if (f.inChannels === 3) rgb = [level(at(y, x, 0, o)), level(at(y, x, 1, o)), level(at(y, x, 2, o))];
        else {
          let sum = 0;
          for (let i = 0; i < f.inChannels; i++) sum += at(y, x, i, o);
          const g = level(sum / f.inChannels);
          rgb = [g, g, g];
        }
        for (let dy = 0; dy < CELL; dy++) {
          for (let dx = 0; dx < CELL; dx++) {
            const p = ((oy + y * CELL + dy) * width + ox + x * CELL + dx) * 4;
            img.data[p] = rgb[0];
            img.data[p + 1] = rgb[1];
            img.data[p + 2] = rgb[2];
            img.data[p + 3] = 255;
          }
        }
      }
    }
  }
  return { png: new Uint8Array(PNG.sync.write(img)), width, height };
}

export interface RunLogOptions {
  readonly runDir: string;
  readonly batchesPerEpoch: number;
  readonly learningRate: number;
  /** First epoch this session trains (1 for a fresh run). */
  readonly startEpoch: number;
  readonly clock?: () => number;
}

export class TensorBoardLog {
  private readonly train: EventFileWriter;
  private readonly validation: EventFileWriter;

  constructor(private readonly o: RunLogOptions) {
    this.train = new EventFileWriter(path.join(o.runDir, RUN_FILES.tensorboardTrain), o.clock);
    this.validation = new EventFileWriter(path.join(o.runDir, RUN_FILES.tensorboardValidation), o.clock);
    if (o.startEpoch > 1) {
      this.train.sessionStart(this.step(o.startEpoch, 1));
      this.validation.sessionStart(o.startEpoch - 1);
    }
  }

  /** Global training step of batch `batch` (1-based) of epoch `epoch` (1-based), from 0 as in Keras. */
  private step(epoch: number, batch: number): number {
    return (epoch - 1) * this.o.batchesPerEpoch + (batch - 1);
  }

  /** The model as text: its Keras-style summary and its file, at step 0. */
  model(summaryTable: string, modelText: string): void {
    const block = (s: string): string => s.split('\n').map((l) => `    ${l}`).join('\n');
    this.train.text('model/summary', 0, block(summaryTable));
    this.train.text('model/file', 0, block(modelText));
  }

  batch(epoch: number, batch: number, loss: number, acc: number): void {
    const step = this.step(epoch, batch);
    this.train.scalar('batch_loss', step, loss);
    this.train.scalar('batch_accuracy', step, acc);
  }

  epoch(epoch: number, e: { loss: number; acc: number; valLoss: number | null; valAcc: number | null }): void {
    const step = epoch - 1;
    this.train.scalar('epoch_loss', step, e.loss);
    this.train.scalar('epoch_accuracy', step, e.acc);
    this.train.scalar('epoch_learning_rate', step, this.o.learningRate);
    if (e.valLoss !== null) this.validation.scalar('epoch_loss', step, e.valLoss);
    if (e.valAcc !== null) this.validation.scalar('epoch_accuracy', step, e.valAcc);
    this.flush();
  }

  /** The first convolution's filters after `epochsCompleted` epochs (0: as initialised). */
  filters(epochsCompleted: number, layers: readonly FilterLayer[]): void {
    const first = layers[0];
    if (!first) return;
    const { png, width, height } = filterImage(first);
    this.train.image(`filters/${first.name}`, epochsCompleted, png, height, width, 3);
  }

  /** The test set's loss and accuracy, after `epochsCompleted` epochs. */
  evaluation(epochsCompleted: number, testLoss: number, testAcc: number): void {
    const step = this.step(epochsCompleted + 1, 1);
    this.validation.scalar('evaluation_loss_vs_iterations', step, testLoss);
    this.validation.scalar('evaluation_accuracy_vs_iterations', step, testAcc);
  }

  flush(): void {
    this.train.flush();
    this.validation.flush();
  }

  close(): void {
    this.train.close();
    this.validation.close();
  }
}
