/**
 * "How one filter computes its map": for a conv2d filter and the input on screen, each input
 * channel's plane ⊛ the filter's kernel slice for it = a partial map; the partial maps summed,
 * plus the bias, through the activation = the output map, which is checked against the layer's
 * output as the model computed it. The maps (partial, sum, output) share one diverging colour
 * scale; the input planes and the kernel slices are drawn in the same colours on their own
 * ranges, each with its legend. Hovering (or clicking) a pixel of any map lists the products
 * behind it (input × weight, per channel and kernel cell), their sum, the bias and the activation,
 * and frames the pixel's receptive field on the planes. The numbers are the trainer's (input,
 * kernel, bias, output); the arithmetic is webview/common/convolution.ts.
 */
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import * as l10n from '@vscode/l10n';
import type { DashboardExplanation } from '../../src/shared/webviewProtocol';
import { decodeFloats, filterArithmetic, maxAbsDiff, outputSize, productsAt, type FilterArithmetic } from '../common/convolution';
import { h, pixelCanvas } from '../common/dom';
import { scaleLegend } from '../common/legend';
import { formatValue, maxAbs, valuesRgba, type ValueScale } from '../common/math';

/** A conv2d layer the explainer can show. */
export interface ConvLayerChoice {
  readonly layerIndex: number;
  readonly name: string;
  readonly filters: number;
}

/** Displayed size a plane or map aims for, in CSS pixels. */
const MAP_TARGET_PX = 112;
/** Kernel cells are this many CSS pixels wide. */
const KERNEL_CELL_PX = 14;
/** Beyond this many input channels only the largest contributions get a full product table. */
const FULL_TABLE_CHANNELS = 4;

const diverging = (limit: number): ValueScale => ({ kind: 'diverging', limit: limit > 0 ? limit : 1 });

/** Names of the input channels: R, G, B for a colour image, gray for one channel, else numbered channels of the previous layer. */
function channelNames(ex: DashboardExplanation): string[] {
  const c = ex.input.shape[2] ?? 1;
  if (ex.inputIsImage) return c === 3 ? ['R', 'G', 'B'] : Array.from({ length: c }, (_, i) => (c === 1 ? l10n.t('gray') : String(i + 1)));
  return Array.from({ length: c }, (_, i) => l10n.t('channel {0}', i + 1));
}

function plane(values: ArrayLike<number>, h0: number, w0: number, c: number, ch: number): Float32Array {
  const out = new Float32Array(h0 * w0);
  for (let i = 0; i < out.length; i++) out[i] = values[i * c + ch] as number;
  return out;
}

function mapCanvas(values: ArrayLike<number>, hh: number, ww: number, scale: ValueScale, label: string, cls: string): HTMLCanvasElement {
  const px = Math.max(1, Math.min(8, MAP_TARGET_PX / Math.max(hh, ww, 1)));
  const c = pixelCanvas(valuesRgba(values, scale), ww, hh, px, label);
  c.classList.add(cls);
  c.dataset.scale = String(px);
  return c;
}

/** The explainer section: layer and filter choice, the arithmetic, the products under the pointer. */
export class ExplainerView {
  readonly element: HTMLElement;
  private readonly controls: HTMLElement;
  private readonly status: HTMLElement;
  private readonly body: HTMLElement;
  private layers: readonly ConvLayerChoice[] = [];
  private chosen: { layerIndex: number; filter: number } | null = null;
  private shown: { ex: DashboardExplanation; a: FilterArithmetic; input: Float32Array; kernel: Float32Array; output: Float32Array } | null = null;
  private products: HTMLElement = h('div');
  private overlays: HTMLElement[] = [];
  private pinned: { oy: number; ox: number } | null = null;

  constructor(
    private readonly ask: (layerIndex: number, filter: number) => void,
    /** Brings an element into view below the sticky header. */
    private readonly reveal: (el: HTMLElement) => void,
  ) {
    this.controls = h('div', { class: 'toolbar', id: 'explain-controls' });
    this.status = h('div', { id: 'explain-status' });
    this.body = h('div', { id: 'explain-body' });
    this.element = h('section', { id: 'explainer', 'aria-labelledby': 'explain-title' },
      h('h2', { id: 'explain-title' }, l10n.t('How a filter computes its map')),
      h('p', { class: 'muted' }, l10n.t('A convolution on several channels is one small convolution per channel, summed: each input channel is convolved with its own slice of the filter\'s kernel, the partial maps are added up with the bias, and the activation gives the output map.')),
      this.controls, this.status, this.body);
  }

  /** The conv2d layers of the model (from its summary). */
  setLayers(layers: readonly ConvLayerChoice[]): void {
    const same = layers.length === this.layers.length && layers.every((l, i) => l.layerIndex === this.layers[i]?.layerIndex && l.filters === this.layers[i]?.filters);
    this.layers = layers;
    if (this.chosen === null || !layers.some((l) => l.layerIndex === this.chosen?.layerIndex)) {
      const first = layers[0];
      this.chosen = first !== undefined ? { layerIndex: first.layerIndex, filter: 0 } : null;
    }
    if (!same || this.controls.childElementCount === 0) this.renderControls();
  }

  private renderControls(): void {
    const chosen = this.chosen;
    if (chosen === null) {
      this.controls.replaceChildren(h('p', { class: 'muted' }, l10n.t('This model has no conv2d layer to explain.')));
      return;
    }
    const layer = this.layers.find((l) => l.layerIndex === chosen.layerIndex);
    const layerSel = h('vscode-single-select', { id: 'explain-layer', 'aria-label': l10n.t('Layer') });
    for (const l of this.layers) layerSel.append(h('vscode-option', { value: String(l.layerIndex), selected: l.layerIndex === chosen.layerIndex }, `${l.name} (${l.filters})`));
    const filterSel = h('vscode-single-select', { id: 'explain-filter', 'aria-label': l10n.t('Filter') });
    for (let f = 0; f < (layer?.filters ?? 0); f++) filterSel.append(h('vscode-option', { value: String(f), selected: f === chosen.filter }, String(f + 1)));
    layerSel.addEventListener('change', () => {
      this.chosen = { layerIndex: Number((layerSel as HTMLElement & { value: string }).value), filter: 0 };
      this.renderControls();
    });
    filterSel.addEventListener('change', () => {
      if (this.chosen !== null) this.chosen = { ...this.chosen, filter: Number((filterSel as HTMLElement & { value: string }).value) };
    });
    const go = h('vscode-button', { id: 'explain-run' }, l10n.t('Explain'));
    go.addEventListener('click', () => { if (this.chosen !== null) this.ask(this.chosen.layerIndex, this.chosen.filter); });
    // A label stays on the line of its select when the toolbar wraps.
    this.controls.replaceChildren(
      h('span', { class: 'field' }, h('label', { for: 'explain-layer' }, l10n.t('Layer')), layerSel),
      h('span', { class: 'field' }, h('label', { for: 'explain-filter' }, l10n.t('Filter')), filterSel), go);
  }

  /** Chooses a filter (a click on a feature map, the Filters view's Explain) and asks for it. */
  focus(layerIndex: number, filter: number): void {
    this.chosen = { layerIndex, filter };
    this.renderControls();
    this.ask(layerIndex, filter);
    this.reveal(this.element);
  }

  setStatus(pending: boolean, error: string | null): void {
    this.status.replaceChildren(
      pending ? h('p', { class: 'muted', role: 'status', id: 'explain-pending' }, l10n.t('Computing the filter\'s arithmetic…')) : '',
      error !== null ? h('p', { class: 'error', role: 'alert', id: 'explain-error' }, error) : '');
  }

  /** Draws an explanation (null: invites a choice). `subjectText` says which input it is about. */
  show(ex: DashboardExplanation | null, subjectText: string): void {
    this.pinned = null;
    if (ex === null) {
      this.shown = null;
      this.body.replaceChildren(h('p', { class: 'muted' }, l10n.t('Choose a layer and a filter and press Explain, or click a channel of a conv2d layer in the feature maps.')));
      return;
    }
    const input = decodeFloats(ex.input);
    const kernel = decodeFloats(ex.kernel);
    const output = decodeFloats(ex.output);
    const a = filterArithmetic(input, ex.input.shape, kernel, ex.kernel.shape, ex.bias, ex.strides, ex.padding, ex.activation);
    this.shown = { ex, a, input, kernel, output };
    const [ih, iw, ic] = a.geometry.input;
    const [kh, kw] = a.geometry.kernel;
    const names = channelNames(ex);

    const mapsLimit = Math.max(...a.partials.map((p) => maxAbs(p)), maxAbs(a.sum), maxAbs(output));
    const mapsScale = diverging(mapsLimit);
    const inputScale = diverging(maxAbs(input));
    const kernelScale = diverging(maxAbs(kernel));
    const diff = a.activated !== null ? maxAbsDiff(a.activated, output) : maxAbsDiff(a.sum, decodeFloats(ex.preActivation));

    this.overlays = [];
    const rows = h('div', { class: 'explain-rows', id: 'explain-rows' });
    names.forEach((name, c) => {
      const planeCanvas = mapCanvas(plane(input, ih, iw, ic, c), ih, iw, inputScale, l10n.t('Input plane {0}', name), 'explain-plane');
      const rf = h('div', { class: 'rf', hidden: true });
      this.overlays.push(rf);
      const kernelCanvas = pixelCanvas(valuesRgba(plane(kernel, kh, kw, ic, c), kernelScale), kw, kh, KERNEL_CELL_PX, l10n.t('Kernel slice for {0}', name));
      kernelCanvas.classList.add('explain-kernel');
      const partial = mapCanvas(a.partials[c] ?? [], a.oh, a.ow, mapsScale, l10n.t('Partial map of {0}', name), 'explain-partial');
      partial.dataset.channel = String(c);
      this.hoverable(partial, c);
      rows.append(h('div', { class: 'explain-row', 'data-channel': c },
        h('span', { class: 'op' }, c === 0 ? '' : '+'),
        h('figure', { class: 'plane-box' }, h('div', { class: 'rf-wrap' }, planeCanvas, rf), h('figcaption', {}, ex.inputIsImage ? l10n.t('{0} plane', name) : name)),
        h('span', { class: 'op' }, '⊛'),
        h('figure', {}, kernelCanvas, h('figcaption', {}, l10n.t('{0} slice {1}×{2}', name, kh, kw))),
        h('span', { class: 'op' }, '='),
        h('figure', {}, partial, h('figcaption', {}, l10n.t('partial map {0}', name)))));
    });

    const sumCanvas = mapCanvas(a.sum, a.oh, a.ow, mapsScale, l10n.t('Sum of the partial maps plus the bias'), 'explain-sum');
    this.hoverable(sumCanvas, null);
    const outCanvas = mapCanvas(output, a.oh, a.ow, mapsScale, l10n.t('The layer\'s output for this filter, from the model'), 'explain-output');
    this.hoverable(outCanvas, null);
    // Each operator stays with the map after it, so a narrow panel wraps "= output map" together.
    const step = (op: string, figure: HTMLElement): HTMLElement => h('span', { class: 'op-step' }, h('span', { class: 'op' }, op), figure);
    const outFigure = h('figure', {}, outCanvas, h('figcaption', {}, l10n.t('output map {0} of {1}, from the model', ex.filter + 1, ex.layerName)));
    const result = h('div', { class: 'explain-row explain-result' },
      step('Σ', h('figure', {}, sumCanvas, h('figcaption', {}, l10n.t('Σ partial maps + bias ({0})', formatValue(ex.bias, 4))))),
      ...(a.activated !== null ? [
        step('→', h('figure', {}, (() => { const c = mapCanvas(a.activated, a.oh, a.ow, mapsScale, l10n.t('After the activation, computed here'), 'explain-activated'); this.hoverable(c, null); return c; })(),
          h('figcaption', {}, `${ex.activation}(Σ)`))),
        step('=', outFigure),
      ] : [step('→', outFigure)]));

    this.products = h('div', { class: 'explain-products', id: 'explain-products', 'aria-live': 'polite' },
      h('p', { class: 'muted' }, l10n.t('Point at (or click) a pixel of a map to see the products that make it.')));
    const check = h('p', { id: 'explain-check', 'data-max-diff': diff, class: diff <= 1e-4 ? 'check ok' : 'check wrong' },
      diff <= 1e-4
        ? l10n.t('Computed here from the input, the kernel and the bias, the map equals the model\'s own output (largest difference {0}).', formatValue(diff, 2))
        : l10n.t('Computed here, the map differs from the model\'s own output by up to {0}.', formatValue(diff, 2)));
    this.body.replaceChildren(
      h('p', { id: 'explain-caption' }, l10n.t('Filter {0} of {1} in {2} ({3}), on {4}, after epoch {5}', ex.filter + 1, ex.filters, ex.layerName,
        l10n.t('{0}×{1} kernel, strides {2}, padding {3}, activation {4}', kh, kw, ex.strides.join('×'), ex.padding, ex.activation), subjectText, ex.epoch)),
      h('p', { class: 'muted' }, ex.inputIsImage
        ? (ic === 3 ? l10n.t('The input is the colour image: three planes, so the filter has three kernel slices.') : l10n.t('The input is the grayscale image: one plane, so the filter has one kernel slice.'))
        : l10n.t('The input is the output of {0}: {1} channels, so the filter has {1} kernel slices.', ex.inputLayerName ?? '', ic)),
      h('div', { class: 'legends' },
        scaleLegend(mapsScale, l10n.t('maps'), 'explain-legend'),
        scaleLegend(inputScale, ex.inputIsImage ? l10n.t('input (pixels / 255)') : l10n.t('input')),
        scaleLegend(kernelScale, l10n.t('kernel weights'))),
      rows, result, check, this.products);
    this.element.dataset.layer = String(ex.layerIndex);
    this.element.dataset.filter = String(ex.filter);
  }

  private hoverable(canvas: HTMLCanvasElement, channel: number | null): void {
    const pixelOf = (e: MouseEvent): { oy: number; ox: number } | null => {
      const s = this.shown;
      if (s === null) return null;
      const r = canvas.getBoundingClientRect();
      const ox = Math.floor((e.clientX - r.left) / Math.max(1, r.width) * s.a.ow);
      const oy = Math.floor((e.clientY - r.top) / Math.max(1, r.height) * s.a.oh);
      return ox >= 0 && oy >= 0 && ox < s.a.ow && oy < s.a.oh ? { oy, ox } : null;
    };
    canvas.addEventListener('mousemove', (e) => { if (this.pinned === null) { const p = pixelOf(e); if (p !== null) this.explainPixel(p.oy, p.ox, channel); } });
    canvas.addEventListener('click', (e) => {
      const p = pixelOf(e);
      this.pinned = p;
      if (p !== null) this.explainPixel(p.oy, p.ox, channel);
    });
  }

  /** Lists the products behind output pixel (oy, ox) and frames its receptive field on the planes. */
  explainPixel(oy: number, ox: number, focusChannel: number | null): void {
    const s = this.shown;
    if (s === null) return;
    const { ex, a, input, kernel, output } = s;
    const [, , ic] = a.geometry.input;
    const [kh, kw] = a.geometry.kernel;
    const names = channelNames(ex);
    const perChannel = names.map((_, c) => productsAt(input, kernel, a.geometry, c, oy, ox));
    const subtotals = perChannel.map((ps) => ps.reduce((t, p) => t + p.product, 0));
    const total = subtotals.reduce((t, v) => t + v, 0);
    const pre = total + ex.bias;
    const i = oy * a.ow + ox;
    const activated = a.activated?.[i] ?? null;
    // Full tables: every channel of a small input, else the hovered one and the largest contributions.
    const order = subtotals.map((_v, c) => c).sort((x, y) => Math.abs(subtotals[y] as number) - Math.abs(subtotals[x] as number));
    const full = new Set(ic <= FULL_TABLE_CHANNELS ? order : [...(focusChannel !== null ? [focusChannel] : []), ...order].slice(0, FULL_TABLE_CHANNELS));
    const tables = h('div', { class: 'product-tables' });
    perChannel.forEach((ps, c) => {
      if (!full.has(c)) return;
      const rows = Array.from({ length: kh }, (_, r) => h('tr', {}, ...ps.slice(r * kw, (r + 1) * kw).map((p) => h('td', {
        class: 'product num', 'data-product': p.product,
        title: p.y === null ? l10n.t('outside the input (zero padding)') : l10n.t('input row {0}, column {1}', (p.y ?? 0) + 1, (p.x ?? 0) + 1),
      }, `${formatValue(p.value)} × ${formatValue(p.weight)} = ${formatValue(p.product)}`))));
      tables.append(h('figure', { class: 'product-table', 'data-channel': c },
        h('table', {}, h('tbody', {}, ...rows)),
        h('figcaption', {}, l10n.t('{0}: sum {1}', names[c] ?? '', formatValue(subtotals[c] as number, 4)))));
    });
    const others = ic - full.size;
    this.products.replaceChildren(
      h('p', {}, h('strong', {}, l10n.t('Output pixel: row {0}, column {1}', oy + 1, ox + 1)), ' · ',
        ic === 1 ? l10n.t('{0} products (1 channel × {1}×{2} kernel cells)', kh * kw, kh, kw)
          : l10n.t('{0} products ({1} channels × {2}×{3} kernel cells)', ic * kh * kw, ic, kh, kw)),
      tables,
      others > 0 ? h('p', { class: 'muted' }, l10n.t('Sums of the other {0} channels: {1}', others,
        names.map((n, c) => (full.has(c) ? null : `${n} ${formatValue(subtotals[c] as number)}`)).filter((x) => x !== null).join(' · '))) : '',
      h('p', { id: 'explain-sum-line', 'data-sum': total, 'data-pre': pre, 'data-output': output[i] ?? NaN, ...(activated !== null ? { 'data-activated': activated } : {}) },
        l10n.t('Sum of all products {0} + bias {1} = {2}', formatValue(total, 5), formatValue(ex.bias, 5), formatValue(pre, 5)),
        activated !== null ? ` → ${ex.activation} → ${formatValue(activated, 5)}` : '',
        ' · ', l10n.t('the model\'s output: {0}', formatValue(output[i] ?? NaN, 5))));
    // The receptive field on each plane: the k×k input pixels under the kernel.
    const pad = outputSize(a.geometry);
    const top = oy * ex.strides[0] - pad.top;
    const left = ox * ex.strides[1] - pad.left;
    const planeScale = Math.max(1, Math.min(8, MAP_TARGET_PX / Math.max(a.geometry.input[0], a.geometry.input[1], 1)));
    for (const rf of this.overlays) {
      rf.hidden = false;
      rf.style.left = `${left * planeScale}px`;
      rf.style.top = `${top * planeScale}px`;
      rf.style.width = `${kw * planeScale}px`;
      rf.style.height = `${kh * planeScale}px`;
    }
  }
}
