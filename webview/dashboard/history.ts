/**
 * "Across epochs": the first conv layer's filters and the chosen sample's feature maps as they
 * were after each epoch (the run folder's history/, see src/shared/runFiles.ts), with a slider and
 * Play. While a run trains, a slider left at the latest epoch follows each new one, so the
 * filters are seen forming as it trains. Entries are asked for one at a time and cached.
 */
import * as l10n from '@vscode/l10n';
import type { EpochHistoryEntry } from '../../src/shared/runFiles';
import type { FilterLayer } from '../../src/shared/trainerProtocol';
import { h, pixelCanvas } from '../common/dom';
import { scaleLegend } from '../common/legend';
import { filterSwatchRgba, kernelRgba, kernelSlice, maxAbs } from '../common/math';
import { layerFigures } from './featureMaps';

/** Milliseconds per epoch while playing. */
const PLAY_STEP_MS = 700;
const CELL_PX = 8;

/** One layer's filters: an RGB swatch per filter for colour input, else each filter's kernel on input channel 1. */
function filtersRow(layer: FilterLayer, colour: boolean): HTMLElement {
  const [kh, kw] = layer.kernel;
  const limit = maxAbs(layer.weights);
  const cells = h('div', { class: 'history-filters', 'data-layer': layer.layerIndex });
  for (let f = 0; f < layer.outChannels; f++) {
    const rgba = colour ? filterSwatchRgba(layer, f) : kernelRgba(kernelSlice(layer, f, 0), limit);
    const c = pixelCanvas(rgba, kw, kh, CELL_PX, l10n.t('Filter {0}', f + 1));
    c.classList.add('swatch');
    cells.append(h('figure', { class: 'kernel-cell' }, c, h('figcaption', {}, String(f + 1))));
  }
  return h('figure', { class: 'history-layer' },
    h('figcaption', {}, colour
      ? l10n.t('{0}: each filter as an RGB image', layer.name)
      : l10n.t('{0}: each filter\'s kernel on input channel 1', layer.name)),
    colour ? '' : scaleLegend({ kind: 'diverging', limit: limit || 1 }, l10n.t('weights')),
    cells);
}

export class HistoryView {
  readonly element: HTMLElement;
  private readonly slider: HTMLInputElement;
  private readonly label: HTMLElement;
  private readonly play: HTMLElement;
  private readonly body: HTMLElement;
  private epochs: readonly number[] = [];
  private readonly cache = new Map<number, EpochHistoryEntry>();
  /** The slider follows new epochs while it sits on the latest one. */
  private following = true;
  private timer: ReturnType<typeof setInterval> | undefined;
  private live = false;
  private wanted: number | null = null;
  private classNames: readonly string[] = [];

  constructor(private readonly request: (epoch: number) => void) {
    this.slider = h('input', { type: 'range', id: 'history-slider', min: 0, max: 0, step: 1, value: 0, 'aria-label': l10n.t('Epoch') });
    this.label = h('span', { id: 'history-epoch', class: 'num' });
    this.play = h('vscode-button', { id: 'history-play', secondary: true }, l10n.t('Play'));
    this.body = h('div', { id: 'history-body' });
    this.slider.addEventListener('input', () => {
      this.stop();
      this.following = Number(this.slider.value) === this.epochs.length - 1;
      this.showIndex(Number(this.slider.value));
    });
    this.play.addEventListener('click', () => (this.timer !== undefined ? this.stop() : this.start()));
    this.element = h('section', { id: 'history', 'aria-labelledby': 'history-title' },
      h('h2', { id: 'history-title' }, l10n.t('Across epochs')),
      h('p', { class: 'muted' }, l10n.t('The filters and the chosen sample\'s feature maps after each epoch, as the run folder keeps them.')),
      h('div', { class: 'toolbar' }, this.play, this.slider, this.label),
      this.body);
  }

  /** The epochs there are pictures of, and whether the run still trains (new ones will come). */
  setEpochs(epochs: readonly number[], live: boolean, classNames: readonly string[]): void {
    this.live = live;
    this.classNames = classNames;
    const grew = epochs.length > this.epochs.length;
    this.epochs = [...epochs];
    this.element.hidden = epochs.length === 0;
    this.slider.max = String(Math.max(0, epochs.length - 1));
    if (epochs.length === 0) return;
    if (this.following && (grew || this.wanted === null)) {
      this.slider.value = String(epochs.length - 1);
      this.showIndex(epochs.length - 1);
    } else if (Number(this.slider.value) > epochs.length - 1) {
      this.slider.value = String(epochs.length - 1);
      this.showIndex(epochs.length - 1);
    }
  }

  /** A snapshot replaced everything: entries may belong to a retrained epoch. */
  reset(): void {
    this.cache.clear();
    this.wanted = null;
  }

  /** An entry asked for has come. */
  receive(entry: EpochHistoryEntry): void {
    this.cache.set(entry.epoch, entry);
    if (entry.epoch === this.wanted) this.render(entry);
  }

  private showIndex(i: number): void {
    const epoch = this.epochs[i];
    if (epoch === undefined) return;
    this.wanted = epoch;
    this.label.textContent = epoch === 0 ? l10n.t('before training') : l10n.t('after epoch {0}', epoch);
    const hit = this.cache.get(epoch);
    if (hit !== undefined) this.render(hit);
    else this.request(epoch);
  }

  private render(entry: EpochHistoryEntry): void {
    const fm = entry.featureMaps;
    const first = entry.filters.layers[0];
    const colour = first !== undefined && first.inChannels === 3 && fm.input.channels === 3;
    const label = fm.label !== null ? this.classNames[fm.label] ?? String(fm.label) : '';
    this.body.dataset.epoch = String(entry.epoch);
    this.body.replaceChildren(
      ...entry.filters.layers.slice(0, 2).map((l, i) => filtersRow(l, colour && i === 0)),
      h('p', { class: 'history-caption' }, fm.sampleIndex !== null
        ? l10n.t('Feature maps of test sample {0} (label: {1})', fm.sampleIndex, label)
        : l10n.t('Feature maps')),
      layerFigures(fm, null));
  }

  private start(): void {
    if (this.epochs.length === 0) return;
    this.play.textContent = l10n.t('Pause');
    let i = Number(this.slider.value);
    if (i >= this.epochs.length - 1) i = -1;
    this.timer = setInterval(() => {
      if (i >= this.epochs.length - 1) {
        // At the end: a live run's next epoch will come (the slider follows it); else stop.
        if (!this.live) this.stop();
        this.following = true;
        return;
      }
      i++;
      this.slider.value = String(i);
      this.following = i === this.epochs.length - 1;
      this.showIndex(i);
    }, PLAY_STEP_MS);
  }

  private stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.play.textContent = l10n.t('Play');
  }
}
