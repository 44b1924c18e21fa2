/**
 * Keeps the pictures of every epoch in the run folder (`history/`, see runFiles): the feature maps
 * of the chosen sample and the conv filters as they were after each epoch, so the dashboard's
 * epoch slider can show how they formed, for a live run and after it. It watches the messages the
 * training sends (the process wiring hands each one over before sending it): after `started` the
 * first `featureMaps` and `filters` of the epoch before the first trained one, after each
 * `epochEnd` the two of that epoch. Answers to sample picks in the middle of an epoch are not
 * epoch pictures and are skipped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FeatureMapsMessage, TrainerMessage } from '../shared/trainerProtocol';
import {
  HISTORY_MAX_BYTES, HISTORY_MAX_FILTER_WEIGHTS, RUN_FILES, historyEntryName, historyEpochOf, historyToThin, type EpochHistoryEntry,
} from '../shared/runFiles';
import { writeJsonAtomic } from './runFolder';

export class EpochHistory {
  private readonly dir: string;
  /** The epoch whose pictures come next; null between them. */
  private expected: number | null = null;
  private maps: FeatureMapsMessage | null = null;

  constructor(runDir: string, private readonly maxBytes = HISTORY_MAX_BYTES) {
    this.dir = path.join(runDir, RUN_FILES.history);
  }

  /** Sees one outgoing message; writes an entry when an epoch's two pictures are complete. Never throws. */
  observe(m: TrainerMessage): void {
    try {
      this.take(m);
    } catch (err) {
      // The pictures are a nicety: a full disk must not fail the training.
      process.stderr.write(`trainer: epoch history not written: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }

  private take(m: TrainerMessage): void {
    switch (m.type) {
      case 'started':
        // A fresh run starts its history over; a resumed one retrains epochs from startEpoch on.
        this.dropFrom(m.startEpoch === 1 ? 0 : m.startEpoch);
        this.expect(m.startEpoch - 1);
        return;
      case 'epochEnd':
        this.expect(m.epoch);
        return;
      case 'featureMaps':
        if (m.epoch === this.expected && m.requestId === undefined && m.sampleIndex !== null && this.maps === null) this.maps = m;
        return;
      case 'filters':
        if (m.epoch !== this.expected || this.maps === null) return;
        this.write({
          version: 1, epoch: m.epoch, featureMaps: this.maps,
          filters: { ...m, layers: m.layers.filter((l) => l.weights.length <= HISTORY_MAX_FILTER_WEIGHTS) },
        });
        this.expected = null;
        this.maps = null;
        return;
      default:
        return;
    }
  }

  private expect(epoch: number): void {
    this.expected = epoch;
    this.maps = null;
  }

  private entries(): Map<number, string> {
    const out = new Map<number, string>();
    if (!fs.existsSync(this.dir)) return out;
    for (const name of fs.readdirSync(this.dir)) {
      const e = historyEpochOf(name);
      if (e !== null) out.set(e, path.join(this.dir, name));
    }
    return out;
  }

  private dropFrom(epoch: number): void {
    for (const [e, file] of this.entries()) if (e >= epoch) fs.rmSync(file, { force: true });
  }

  private write(entry: EpochHistoryEntry): void {
    fs.mkdirSync(this.dir, { recursive: true });
    writeJsonAtomic(path.join(this.dir, historyEntryName(entry.epoch)), entry);
    const files = this.entries();
    const sizes = new Map([...files].map(([e, f]) => [e, fs.statSync(f).size]));
    for (const e of historyToThin(sizes, this.maxBytes)) fs.rmSync(files.get(e) as string, { force: true });
  }
}
