/**
 * Feature maps of one test sample: the input (as RGB and, for colour data, its R, G and B
 * channels) and every conv and pooling layer's activations as a grid of channels on one canvas.
 */
import * as l10n from '@vscode/l10n';
import type { DashboardFeatureMaps, SamplePickState, SamplePicking } from '../../src/shared/webviewProtocol';
import type { ImagePayload } from '../../src/shared/trainerProtocol';
import { channelPlane, decodeBase64, gridLayout, tileOrigin, tintChannel, toRgba } from '../common/math';
import { h, pixelCanvas } from '../common/dom';

/** Displayed width a layer grid aims for, in CSS pixels. */
const GRID_TARGET_PX = 360;

export function imageCanvas(img: ImagePayload, scale: number, label: string): HTMLCanvasElement {
  return pixelCanvas(toRgba(decodeBase64(img.pixelsBase64), img.height, img.width, img.channels), img.width, img.height, scale, label);
}

/** All channels of a layer tiled into one RGBA image (grayscale tiles, gaps left dark). */
function layerGridRgba(values: Uint8Array, shape: readonly [number, number, number]): { rgba: Uint8ClampedArray; width: number; height: number; cols: number; rows: number } {
  const [hgt, w, c] = shape;
  const layout = gridLayout(c, w, hgt);
  const rgba = new Uint8ClampedArray(layout.width * layout.height * 4);
  for (let i = 0; i < rgba.length; i += 4) { rgba[i] = 40; rgba[i + 1] = 40; rgba[i + 2] = 40; rgba[i + 3] = 255; }
  for (let ch = 0; ch < c; ch++) {
    const plane = channelPlane(values, hgt, w, c, ch);
    const o = tileOrigin(layout, ch, w, hgt);
    for (let y = 0; y < hgt; y++) {
      for (let x = 0; x < w; x++) {
        const v = plane[y * w + x] ?? 0;
        const p = ((o.y + y) * layout.width + o.x + x) * 4;
        rgba[p] = v; rgba[p + 1] = v; rgba[p + 2] = v;
      }
    }
  }
  return { rgba, width: layout.width, height: layout.height, cols: layout.cols, rows: layout.rows };
}

/** What the sample picker needs to know besides the feature maps themselves. */
export interface PickerState {
  readonly picking: SamplePicking;
  readonly state: SamplePickState;
  /** Valid picks are 0 … testCount − 1; null when unknown. */
  readonly testCount: number | null;
}

/**
 * The feature-map section. The picker (field and button) stays in the page across updates, so
 * keyboard focus and a half-typed number survive each epoch's redraw; only the status line and
 * the maps below it are replaced.
 */
export class FeatureMapsView {
  readonly element: HTMLElement;
  private readonly input: HTMLElement & { value: string };
  private readonly show: HTMLElement & { disabled: boolean };
  private readonly note: HTMLElement;
  private readonly status: HTMLElement;
  private readonly body: HTMLElement;
  private shownSample: number | null = null;

  constructor(private readonly request: (sampleIndex: number) => void) {
    this.input = h('vscode-textfield', { type: 'number', min: 0, id: 'sample-index', 'aria-label': l10n.t('Test sample index'), value: 0 });
    this.show = h('vscode-button', { id: 'show-sample' }, l10n.t('Show sample'));
    this.note = h('span', { class: 'muted', id: 'pick-note' });
    this.status = h('div', { id: 'pick-status' });
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
      h('div', { class: 'toolbar' }, h('label', { for: 'sample-index' }, l10n.t('Test sample')), this.input, this.show, this.note),
      this.status,
      this.body);
  }

  /** The caption of the maps on screen, or null when none are shown. */
  get caption(): string | null {
    return this.body.querySelector('#fm-caption')?.textContent ?? null;
  }

  updatePicker(p: PickerState): void {
    this.show.disabled = p.picking === 'none';
    if (p.testCount !== null) this.input.setAttribute('max', String(Math.max(0, p.testCount - 1)));
    this.note.textContent = p.picking === 'none'
      ? l10n.t('Samples can be picked once the run has trained weights (after its first epoch).')
      : p.picking === 'inspect'
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

  update(fm: DashboardFeatureMaps | null, classNames: readonly string[]): void {
    // Follow the sample on screen unless the user is typing another one.
    if (fm !== null && fm.sampleIndex !== this.shownSample && document.activeElement !== this.input) this.input.value = String(fm.sampleIndex);
    this.shownSample = fm?.sampleIndex ?? null;
    this.body.replaceChildren(renderMaps(fm, classNames));
  }
}

function renderMaps(fm: DashboardFeatureMaps | null, classNames: readonly string[]): HTMLElement {
  const section = h('div');
  if (fm === null) {
    section.append(h('p', { class: 'muted' }, l10n.t('Feature maps appear at the end of the first epoch.')));
    return section;
  }
  const labelName = classNames[fm.label] ?? String(fm.label);
  section.append(h('p', { id: 'fm-caption' }, l10n.t('Sample {0} (label: {1}), after epoch {2}', fm.sampleIndex, labelName, fm.epoch)));

  const inputRow = h('div', { class: 'fm-input' });
  inputRow.append(h('figure', {}, imageCanvas(fm.input, 4, l10n.t('Input image')), h('figcaption', {}, fm.input.channels === 3 ? l10n.t('Input (RGB)') : l10n.t('Input'))));
  if (fm.input.channels === 3) {
    const px = decodeBase64(fm.input.pixelsBase64);
    (['R', 'G', 'B'] as const).forEach((name, c) => {
      const plane = channelPlane(px, fm.input.height, fm.input.width, 3, c);
      inputRow.append(h('figure', { class: 'channel' },
        pixelCanvas(tintChannel(plane, c as 0 | 1 | 2), fm.input.width, fm.input.height, 4, l10n.t('Input channel {0}', name)),
        h('figcaption', {}, name)));
    });
  }
  section.append(inputRow);

  const layers = h('div', { class: 'fm-layers' });
  for (const layer of fm.layers) {
    const grid = layerGridRgba(decodeBase64(layer.valuesBase64), layer.shape);
    const scale = Math.max(1, Math.min(8, GRID_TARGET_PX / Math.max(grid.width, 1)));
    const [hh, ww, cc] = layer.shape;
    const canvas = pixelCanvas(grid.rgba, grid.width, grid.height, scale,
      l10n.t('{0}: {1} channels of {2}×{3}', layer.name, cc, hh, ww));
    canvas.classList.add('fm-grid');
    canvas.dataset.layer = String(layer.layerIndex);
    canvas.dataset.channels = String(cc);
    layers.append(h('figure', { class: 'fm-layer' }, canvas,
      h('figcaption', {}, `${layer.name} (${layer.type}) · ${hh}×${ww}×${cc}`)));
  }
  section.append(layers);
  return section;
}
