/**
 * The dashboard's copy of the run, advanced by numbered messages from the host. No DOM: what
 * changed is returned so the view redraws only that part.
 */
import type { EpochHistoryEntry } from '../../src/shared/runFiles';
import {
  appendBatchPoint,
  type DashboardBatch,
  type DashboardEpoch,
  type DashboardFocus,
  type DashboardSnapshot,
  type DashboardUpdate,
  type HostToDashboardMessage,
} from '../../src/shared/webviewProtocol';

export type Section =
  | 'all' | 'info' | 'summary' | 'batches' | 'epochs' | 'featureMaps' | 'evaluation' | 'comparisons' | 'samplePick'
  | 'ownInput' | 'explanation' | 'saliency' | 'historyEpochs' | 'historyEntry' | 'inspect' | 'focus';

type Writable<T> = { -readonly [K in keyof T]: T[K] };

export interface MutableSnapshot extends Writable<Omit<DashboardSnapshot, 'batches' | 'epochs'>> {
  batches: DashboardBatch[];
  epochs: DashboardEpoch[];
}

export class DashboardState {
  snapshot: MutableSnapshot | null = null;
  /** The last epoch pictures and focus request the host sent (not part of the snapshot). */
  historyEntry: EpochHistoryEntry | null = null;
  focus: DashboardFocus | null = null;
  private lastSeq = -1;

  /**
   * Applies a guarded host message. Returns the section to redraw, or 'resync' when an append
   * does not follow the last message (the host then sends a new snapshot), or null to ignore.
   */
  receive(m: HostToDashboardMessage): Section | 'resync' | null {
    if (m.type === 'snapshot') {
      this.snapshot = { ...m.snapshot, batches: [...m.snapshot.batches], epochs: [...m.snapshot.epochs] };
      this.lastSeq = m.seq;
      return 'all';
    }
    if (this.snapshot === null) return null; // appends before the first snapshot are covered by it
    if (m.seq <= this.lastSeq) return null;
    if (m.seq !== this.lastSeq + 1) return 'resync';
    this.lastSeq = m.seq;
    return this.apply(this.snapshot, m.update);
  }

  get seq(): number { return this.lastSeq; }

  private apply(s: MutableSnapshot, u: DashboardUpdate): Section {
    switch (u.kind) {
      case 'info': s.info = u.info; return 'info';
      case 'modelSummary': s.modelSummary = u.modelSummary; return 'summary';
      case 'batch': appendBatchPoint(s.batches, u.batch); return 'batches';
      case 'epoch':
        s.epochs = s.epochs.filter((e) => e.epoch !== u.epoch.epoch);
        s.epochs.push(u.epoch);
        s.epochs.sort((a, b) => a.epoch - b.epoch);
        return 'epochs';
      case 'featureMaps': s.featureMaps = u.featureMaps; return 'featureMaps';
      case 'evaluation': s.evaluation = u.evaluation; return 'evaluation';
      case 'comparisons': s.comparisons = u.comparisons; return 'comparisons';
      case 'samplePick': s.samplePick = u.samplePick; return 'samplePick';
      case 'ownInput': s.ownInput = u.ownInput; return 'ownInput';
      case 'explanation': s.explanation = u.explanation; return 'explanation';
      case 'saliency': s.saliency = u.saliency; return 'saliency';
      case 'historyEpochs': s.historyEpochs = u.historyEpochs; return 'historyEpochs';
      case 'historyEntry': this.historyEntry = u.entry; return 'historyEntry';
      case 'inspect': s.inspect = u.inspect; return 'inspect';
      case 'focus': this.focus = u.focus; return 'focus';
    }
  }
}
