/**
 * Filters view app (side bar webview view). For the first conv layer on colour input, each filter
 * is an RGB swatch plus its R, G and B kernels on a diverging scale; other layers show, for one
 * input channel chosen on demand, every filter's kernel. Each filter's Explain asks the host to
 * show its arithmetic in the run's dashboard. Redrawn whenever the host sends a state.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import * as l10n from '@vscode/l10n';
import { isHostToFiltersMessage, type FiltersState, type FiltersToHostMessage } from '../../src/shared/webviewProtocol';
import type { FilterLayer } from '../../src/shared/trainerProtocol';
import { getWebviewState, onHostMessage, postToHost, setWebviewState } from '../common/vscodeApi';
import { h, pixelCanvas, reportErrors } from '../common/dom';
import { divergingColour, filterSwatchRgba, kernelRgba, kernelSlice, maxAbs } from '../common/math';

const post = (m: FiltersToHostMessage): void => postToHost(m);
reportErrors((m) => postToHost(m));

/** Kernel cells are drawn this many CSS pixels wide (a 3×3 kernel → 36 px). */
const CELL_PX = 12;

interface ViewState { layerIndex: number | null; inChannel: number }
const saved = getWebviewState() as Partial<ViewState> | undefined;
const view: ViewState = {
  layerIndex: typeof saved?.layerIndex === 'number' ? saved.layerIndex : null,
  inChannel: typeof saved?.inChannel === 'number' ? saved.inChannel : 0,
};
const root = document.getElementById('app') as HTMLElement;
let l10nConfigured = false;
let current: FiltersState | null = null;

function kernelCanvas(layer: FilterLayer, out: number, inCh: number, limit: number, label: string): HTMLCanvasElement {
  const [kh, kw] = layer.kernel;
  const c = pixelCanvas(kernelRgba(kernelSlice(layer, out, inCh), limit), kw, kh, CELL_PX, label);
  c.classList.add('kernel');
  return c;
}

/** The Explain button of a filter: its arithmetic on the dashboard's sample. */
function explainButton(layer: FilterLayer, f: number): HTMLElement {
  const b = h('button', { type: 'button', class: 'explain-filter', 'data-filter': f, title: l10n.t('Show how filter {0} computes its map, in the dashboard', f + 1) }, l10n.t('Explain'));
  b.addEventListener('click', () => post({ type: 'explainFilter', layerIndex: layer.layerIndex, filter: f }));
  return b;
}

function legend(limit: number): HTMLElement {
  const steps = 11;
  const rgba = new Uint8ClampedArray(steps * 4);
  for (let i = 0; i < steps; i++) {
    const [r, g, b] = divergingColour(((i / (steps - 1)) * 2 - 1) * limit, limit);
    rgba.set([r, g, b, 255], i * 4);
  }
  return h('div', { class: 'legend', id: 'legend' },
    h('span', {}, (-limit).toPrecision(2)),
    pixelCanvas(rgba, steps, 1, 12, l10n.t('Colour scale from {0} (blue) through 0 (white) to {1} (red)', (-limit).toPrecision(2), limit.toPrecision(2))),
    h('span', {}, `+${limit.toPrecision(2)}`));
}

/** First conv on colour input: swatch + R, G, B kernels per filter. */
function colourRows(layer: FilterLayer, channels: readonly string[], limit: number): HTMLElement {
  const [kh, kw] = layer.kernel;
  const grid = h('div', { class: 'filter-rows', id: 'filter-grid', role: 'list' });
  for (let f = 0; f < layer.outChannels; f++) {
    const swatch = pixelCanvas(filterSwatchRgba(layer, f), kw, kh, CELL_PX, l10n.t('Filter {0} as an RGB image', f + 1));
    swatch.classList.add('swatch');
    const row = h('div', { class: 'filter-row', role: 'listitem', 'data-filter': f },
      h('span', { class: 'filter-index' }, String(f + 1)),
      h('figure', {}, swatch, h('figcaption', {}, 'RGB')),
      ...channels.map((name, c) => h('figure', { class: `ch ch-${name}` },
        kernelCanvas(layer, f, c, limit, l10n.t('Filter {0}, channel {1}', f + 1, name)), h('figcaption', {}, name))),
      explainButton(layer, f));
    grid.append(row);
  }
  return grid;
}

/** Any layer, one input channel: every filter's kernel for that channel in a grid. */
function channelGrid(layer: FilterLayer, inCh: number, limit: number): HTMLElement {
  const grid = h('div', { class: 'kernel-grid', id: 'filter-grid', role: 'list' });
  for (let f = 0; f < layer.outChannels; f++) {
    grid.append(h('figure', { class: 'kernel-cell', role: 'listitem', 'data-filter': f },
      kernelCanvas(layer, f, inCh, limit, l10n.t('Filter {0}, input channel {1}', f + 1, inCh + 1)),
      h('figcaption', {}, String(f + 1)), explainButton(layer, f)));
  }
  return grid;
}

function select(id: string, label: string, options: { value: string; text: string }[], value: string, onChange: (v: string) => void): HTMLElement {
  const sel = h('vscode-single-select', { id, 'aria-label': label });
  for (const o of options) {
    const opt = h('vscode-option', { value: o.value, selected: o.value === value }, o.text);
    sel.append(opt);
  }
  sel.addEventListener('change', () => onChange((sel as HTMLElement & { value: string }).value));
  return h('div', { class: 'field' }, h('label', { for: id }, label), sel);
}

function statusLabel(status: string): string {
  const labels: Record<string, string> = {
    running: l10n.t('running'), completed: l10n.t('completed'), stopped: l10n.t('stopped'),
    failed: l10n.t('failed'), interrupted: l10n.t('interrupted'),
  };
  return labels[status] ?? status;
}

function render(): void {
  const s = current;
  const chooser = h('vscode-button', { id: 'choose-run', secondary: true }, l10n.t('Choose run…'));
  chooser.addEventListener('click', () => post({ type: 'chooseRun' }));
  if (s === null) {
    root.replaceChildren(h('p', { class: 'muted', id: 'empty' }, emptyText), chooser);
    return;
  }
  const layer = s.layers.find((l) => l.layerIndex === view.layerIndex) ?? s.layers[0];
  if (layer === undefined) {
    root.replaceChildren(h('p', { class: 'muted', id: 'empty' }, l10n.t('This model has no conv layers.')), chooser);
    return;
  }
  const isFirst = layer === s.layers[0];
  const colourMode = isFirst && layer.inChannels === 3 && s.inputChannels.length === 3;
  const inCh = Math.min(view.inChannel, layer.inChannels - 1);
  const limit = maxAbs(layer.weights);
  const controls = h('div', { class: 'controls' },
    select('layer', l10n.t('Layer'), s.layers.map((l) => ({
      value: String(l.layerIndex),
      text: `${l.name} · ${l.kernel[0]}×${l.kernel[1]}×${l.inChannels} → ${l.outChannels}`,
    })), String(layer.layerIndex), (v) => { view.layerIndex = Number(v); view.inChannel = 0; setWebviewState(view); render(); }),
    colourMode ? null : select('in-channel', l10n.t('Input channel'), Array.from({ length: layer.inChannels }, (_, c) => ({
      value: String(c), text: isFirst ? s.inputChannels[c] ?? String(c + 1) : String(c + 1),
    })), String(inCh), (v) => { view.inChannel = Number(v); setWebviewState(view); render(); }),
  );
  const explain = colourMode
    ? l10n.t('Each row is one filter: the RGB image it responds to most, then its kernel on the R, G and B channels.')
    : l10n.t('Kernels of all {0} filters on input channel {1} of {2}.', layer.outChannels, inCh + 1, layer.inChannels);
  const explainNote = l10n.t('Explain shows, in the dashboard, how a filter turns the input into its feature map.');
  root.replaceChildren(
    h('header', {}, h('h2', { id: 'run-title' }, s.runName), h('p', { class: 'muted', id: 'run-epoch' }, l10n.t('after epoch {0} ({1})', s.epoch, statusLabel(s.status))), chooser),
    controls,
    h('p', { class: 'muted' }, explain),
    h('p', { class: 'muted' }, explainNote),
    legend(limit),
    colourMode ? colourRows(layer, s.inputChannels, limit) : channelGrid(layer, inCh, limit),
  );
}

let emptyText = '';
onHostMessage((data) => {
  if (!isHostToFiltersMessage(data)) {
    post({ type: 'webviewError', message: `filters view ignored a malformed message: ${JSON.stringify(data).slice(0, 200)}` });
    return;
  }
  if (!l10nConfigured) {
    if (data.l10n !== null) l10n.config({ contents: { ...data.l10n } });
    l10nConfigured = true;
  }
  if (data.state !== null && current !== null && data.state.runDir !== current.runDir) {
    view.layerIndex = null;
    view.inChannel = 0;
  }
  current = data.state;
  emptyText = data.emptyText;
  render();
  document.body.dataset.epoch = String(current?.epoch ?? '');
});

post({ type: 'ready' });
