/**
 * Feature maps of one test sample or of the user's own image: the input (as RGB and, for colour
 * data, its R, G and B channels), the model's prediction with its top probabilities, and every
 * conv and pooling layer's activations as numbered channel tiles on one value scale per layer,
 * with its legend and the layer's output shape. A tile of a conv2d layer opens the explainer on
 * that filter.
 */
import * as l10n from '@vscode/l10n';
import type { DashboardFeatureMaps, SamplePickState, SamplePicking } from '../../src/shared/webviewProtocol';
import type { FeatureMapLayer, ImagePayload } from '../../src/shared/trainerProtocol';
import { channelPlane, channelValues, decodeBase64, formatPercent, formatValue, scaleFor, tintChannel, toRgba, topClasses, valuesRgba } from '../common/math';
import { h, pixelCanvas } from '../common/dom';
import { scaleLegend } from '../common/legend';

/** Largest displayed size of a channel tile, in CSS pixels (small maps are enlarged up to 3×, never below 16 px). */
const TILE_TARGET_PX = 64;

export function imageCanvas(img: ImagePayload, scale: number, label: string): HTMLCanvasElement {
  return pixelCanvas(toRgba(decodeBase64(img.pixelsBase64), img.height, img.width, img.channels), img.width, img.height, scale, label);
}

/** The input image and, for colour input, its R, G and B planes. */
function inputRow(img: ImagePayload, scale = 4): HTMLElement {
  const row = h('div', { class: 'fm-input' });
  row.append(h('figure', {}, imageCanvas(img, scale, l10n.t('Input image')), h('figcaption', {}, img.channels === 3 ? l10n.t('Input (RGB)') : l10n.t('Input'))));
  if (img.channels === 3) {
    const px = decodeBase64(img.pixelsBase64);
    (['R', 'G', 'B'] as const).forEach((name, c) => {
      const plane = channelPlane(px, img.height, img.width, 3, c);
      row.append(h('figure', { class: 'channel' },
        pixelCanvas(tintChannel(plane, c as 0 | 1 | 2), img.width, img.height, scale, l10n.t('Input channel {0}', name)),
        h('figcaption', {}, name)));
    });
  }
  return row;
}

/** How the layers' tiles react: a conv2d tile explains its filter. */
export interface TileHandlers {
  /** Layers whose tiles open the explainer (conv2d). */
  readonly explainable: ReadonlySet<number>;
  explain(layerIndex: number, channel: number): void;
}

/** One layer: its name, type and output shape, the value legend, and one numbered tile per channel. */
function layerFigure(layer: FeatureMapLayer, handlers: TileHandlers | null): HTMLElement {
  const [hh, ww, cc] = layer.shape;
  const bytes = decodeBase64(layer.valuesBase64);
  let lo = Infinity;
  let hi = -Infinity;
  for (const r of layer.ranges) { lo = Math.min(lo, r[0]); hi = Math.max(hi, r[1]); }
  if (!Number.isFinite(lo)) { lo = 0; hi = 0; }
  const scale = scaleFor(lo, hi);
  const side = Math.max(hh, ww, 1);
  const tileScale = Math.max(16, Math.min(TILE_TARGET_PX, side * 3)) / side;
  const explainable = handlers?.explainable.has(layer.layerIndex) === true;
  const tiles = h('div', { class: 'fm-tiles', role: 'list' });
  for (let ch = 0; ch < cc; ch++) {
    const range = layer.ranges[ch] ?? [0, 0];
    const values = channelValues(bytes, hh, ww, cc, ch, range);
    const canvas = pixelCanvas(valuesRgba(values, scale), ww, hh, tileScale,
      l10n.t('{0}, channel {1}: values from {2} to {3}', layer.name, ch + 1, formatValue(range[0]), formatValue(range[1])));
    const title = explainable
      ? l10n.t('Channel {0}: {1} to {2}. Click to see how filter {0} computes it.', ch + 1, formatValue(range[0]), formatValue(range[1]))
      : l10n.t('Channel {0}: {1} to {2}', ch + 1, formatValue(range[0]), formatValue(range[1]));
    const tile = explainable
      ? h('button', { type: 'button', class: 'fm-tile explainable', 'data-channel': ch, title, role: 'listitem' }, canvas, h('span', { class: 'fm-ch' }, String(ch + 1)))
      : h('div', { class: 'fm-tile', 'data-channel': ch, title, role: 'listitem' }, canvas, h('span', { class: 'fm-ch' }, String(ch + 1)));
    if (explainable) tile.addEventListener('click', () => handlers?.explain(layer.layerIndex, ch));
    tiles.append(tile);
  }
  return h('figure', { class: 'fm-layer', 'data-layer': layer.layerIndex, 'data-channels': cc },
    h('figcaption', { class: 'fm-layer-title' },
      h('strong', {}, layer.name), ` (${layer.type}) · `, l10n.t('output {0}×{1}×{2}', hh, ww, cc),
      ' · ', l10n.t('{0} channels, numbered 1 to {0}', cc)),
    scaleLegend(scale, l10n.t('values')),
    tiles);
}

/** Every layer's figure (the main view and the epoch slider share it). */
export function layerFigures(fm: DashboardFeatureMaps, handlers: TileHandlers | null): HTMLElement {
  const layers = h('div', { class: 'fm-layers' });
  for (const layer of fm.layers) layers.append(layerFigure(layer, handlers));
  return layers;
}

/** "Prediction: circle-red (circle-red 96.1% · square-red 2.3% · …)", with whether it is right when the label is known. */
function predictionLine(fm: DashboardFeatureMaps, classNames: readonly string[]): HTMLElement | null {
  if (fm.probabilities === undefined || fm.probabilities.length === 0) return null;
  const top = topClasses(fm.probabilities, 3);
  const name = (c: number): string => classNames[c] ?? String(c);
  const best = top[0];
  if (best === undefined) return null;
  const verdict = fm.label === null ? null : best[0] === fm.label
    ? h('span', { class: 'verdict ok' }, l10n.t('correct'))
    : h('span', { class: 'verdict wrong' }, l10n.t('wrong: the label is {0}', name(fm.label)));
  return h('p', { id: 'fm-prediction', 'data-predicted': best[0] },
    // The top three set apart from the predicted class: a digit's name would run into them ("Prediction: 1 1 99.8% · …").
    h('strong', {}, l10n.t('Prediction: {0}', name(best[0]))), ' ',
    `(${top.map(([c, p]) => `${name(c)} ${formatPercent(p, 1)}`).join(' · ')})`,
    verdict !== null ? ' ' : '', verdict);
}

/** What the sample picker needs to know besides the feature maps themselves. */
export interface PickerState {
  readonly picking: SamplePicking;
  readonly state: SamplePickState;
  /** Valid picks are 0 … testCount − 1; null when unknown. */
  readonly testCount: number | null;
}

/** Which input the section shows: a test sample, or the user's own image. */
export type Subject = 'test' | 'own';

/**
 * The feature-map section. The picker (field and button) stays in the page across updates, so
 * keyboard focus and a half-typed number survive each epoch's redraw; only the status line and
 * the maps below it are replaced.
 */
export class FeatureMapsView {
  readonly element: HTMLElement;
  private readonly input: HTMLElement & { value: string };
  private readonly show: HTMLElement & { disabled: boolean };
  private readonly rangeLabel: HTMLElement;
  private readonly note: HTMLElement;
  private readonly status: HTMLElement;
  private readonly switcher: HTMLElement;
  private readonly body: HTMLElement;
  private shownSample: number | null = null;

  constructor(
    private readonly request: (sampleIndex: number) => void,
    private readonly chooseSubject: (subject: Subject) => void,
  ) {
    this.input = h('vscode-textfield', { type: 'number', min: 0, id: 'sample-index', 'aria-label': l10n.t('Test sample index'), value: 0 });
    this.show = h('vscode-button', { id: 'show-sample' }, l10n.t('Show sample'));
    this.rangeLabel = h('label', { for: 'sample-index', id: 'sample-range' }, l10n.t('Test sample'));
    this.note = h('span', { class: 'muted', id: 'pick-note' });
    this.status = h('div', { id: 'pick-status' });
    this.switcher = h('div', { class: 'toolbar', id: 'subject-switch' });
    this.body = h('div');
    const ask = (): void => {
      if (this.show.disabled) return;
      const v = Number(this.input.value);
      if (Number.isInteger(v) && v >= 0) this.request(v);
    };
    this.show.addEventListener('click', ask);
    this.input.addEventListener('keydown', (e) => { if ((e).key === 'Enter') ask(); });
    this.element = h('section', { id: 'feature-maps', 'aria-labelledby': 'fm-title' },
      h('h2', { id: 'fm-title' }, l10n.t('Feature maps')),
      h('div', { class: 'toolbar' }, this.rangeLabel, this.input, this.show, this.note),
      this.status,
      this.switcher,
      this.body);
  }

  /** The caption of the maps on screen, or null when none are shown. */
  get caption(): string | null {
    return this.body.querySelector('#fm-caption')?.textContent ?? null;
  }

  updatePicker(p: PickerState): void {
    this.show.disabled = p.picking === 'none';
    if (p.testCount !== null) {
      this.input.setAttribute('max', String(Math.max(0, p.testCount - 1)));
      this.rangeLabel.textContent = l10n.t('Test sample (0 to {0})', Math.max(0, p.testCount - 1));
    }
    this.note.textContent = p.picking === 'none'
      ? l10n.t('Samples can be picked once the run has trained weights (after its first epoch).')
      : p.picking === 'inspect' && !p.state.inspectorRunning
        ? l10n.t("The run has ended: the first pick loads its weights in a separate process, which takes a few seconds.")
        : '';
    const s = p.state;
    this.status.replaceChildren(
      s.pending !== null
        ? h('p', { class: 'muted', role: 'status', id: 'pick-pending' },
          l10n.t('Loading sample {0}…', s.pending), s.progress !== null ? ` ${s.progress}` : '')
        : '',
      s.error !== null ? h('p', { class: 'error', role: 'alert', id: 'pick-error' }, s.error) : '',
    );
  }

  update(fm: DashboardFeatureMaps | null, own: DashboardFeatureMaps | null, subject: Subject, classNames: readonly string[], handlers: TileHandlers): void {
    // Follow the sample on screen unless the user is typing another one.
    if (fm !== null && fm.sampleIndex !== this.shownSample && document.activeElement !== this.input) this.input.value = String(fm.sampleIndex);
    this.shownSample = fm?.sampleIndex ?? null;
    this.switcher.replaceChildren();
    if (own !== null) {
      const test = h('vscode-button', { id: 'subject-test', secondary: subject !== 'test' }, fm !== null ? l10n.t('Test sample {0}', fm.sampleIndex ?? 0) : l10n.t('Test sample'));
      const mine = h('vscode-button', { id: 'subject-own', secondary: subject !== 'own' }, l10n.t('Your image'));
      test.addEventListener('click', () => this.chooseSubject('test'));
      mine.addEventListener('click', () => this.chooseSubject('own'));
      this.switcher.append(h('span', { class: 'muted' }, l10n.t('Show:')), test, mine);
    }
    const shown = subject === 'own' && own !== null ? own : fm;
    this.body.replaceChildren(renderMaps(shown, classNames, handlers));
  }
}

function renderMaps(fm: DashboardFeatureMaps | null, classNames: readonly string[], handlers: TileHandlers): HTMLElement {
  const section = h('div');
  if (fm === null) {
    section.append(h('p', { class: 'muted' }, l10n.t('Feature maps appear at the end of the first epoch.')));
    return section;
  }
  if (fm.sampleIndex === null) {
    section.append(h('p', { id: 'fm-caption', 'data-subject': 'own' }, l10n.t('Your image, after epoch {0}', fm.epoch)));
  } else {
    const labelName = fm.label !== null ? classNames[fm.label] ?? String(fm.label) : '–';
    section.append(h('p', { id: 'fm-caption', 'data-subject': 'test' }, l10n.t('Sample {0} (label: {1}), after epoch {2}', fm.sampleIndex, labelName, fm.epoch)));
  }
  const prediction = predictionLine(fm, classNames);
  if (prediction !== null) section.append(prediction);
  section.append(inputRow(fm.input));
  if (handlers.explainable.size > 0) section.append(h('p', { class: 'muted' }, l10n.t('Click a channel of a conv2d layer to see how its filter computes it.')));
  section.append(layerFigures(fm, handlers));
  return section;
}
