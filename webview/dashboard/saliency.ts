/**
 * "Why this class?": for the input on screen and a class (the predicted one by default), the
 * saliency map (how strongly each input pixel changes the class score: the largest |∂score/∂x|
 * over the pixel's channels) and Grad-CAM on the last conv layer (where the channels that raise
 * the score fire), upsampled to the input and laid over it. Both come from the trainer's
 * gradients (SaliencyMessage); this view only draws them.
 */
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import * as l10n from '@vscode/l10n';
import type { DashboardSaliency } from '../../src/shared/webviewProtocol';
import { decodeFloats } from '../common/convolution';
import { h, pixelCanvas } from '../common/dom';
import { decodeBase64, extent, formatPercent, formatValue, heatColour, overlayRgba, toRgba, upsample } from '../common/math';
import { imageCanvas } from './featureMaps';

const SCALE = 5;

/** Per pixel, the largest |gradient| over its channels (Simonyan et al., 2014). */
function saliencyOf(gradient: Float32Array, h0: number, w0: number, c: number): Float32Array {
  const out = new Float32Array(h0 * w0);
  for (let p = 0; p < out.length; p++) {
    let m = 0;
    for (let k = 0; k < c; k++) m = Math.max(m, Math.abs(gradient[p * c + k] as number));
    out[p] = m;
  }
  return out;
}

function heatRgba(values: ArrayLike<number>): Uint8ClampedArray {
  const [, hi] = extent(values);
  const out = new Uint8ClampedArray(values.length * 4);
  for (let i = 0; i < values.length; i++) {
    const [r, g, b] = heatColour(hi > 0 ? (values[i] as number) / hi : 0);
    out[i * 4] = r; out[i * 4 + 1] = g; out[i * 4 + 2] = b; out[i * 4 + 3] = 255;
  }
  return out;
}

function heatLegend(max: number, caption: string): HTMLElement {
  const steps = 32;
  const rgba = new Uint8ClampedArray(steps * 4);
  for (let i = 0; i < steps; i++) rgba.set([...heatColour(i / (steps - 1)), 255], i * 4);
  const bar = pixelCanvas(rgba, steps, 1, 3, l10n.t('Colour scale from 0 (black) to {0} (white)', formatValue(max)));
  bar.classList.add('legend-bar');
  return h('div', { class: 'scale-legend' }, h('span', { class: 'legend-caption' }, caption), h('span', { class: 'num' }, '0'), bar, h('span', { class: 'num' }, formatValue(max)));
}

export class SaliencyView {
  readonly element: HTMLElement;
  private readonly select: HTMLElement & { value: string };
  private readonly status: HTMLElement;
  private readonly body: HTMLElement;
  private classNames: readonly string[] = [];

  constructor(private readonly ask: (classIndex: number | null) => void) {
    this.select = h('vscode-single-select', { id: 'saliency-class', 'aria-label': l10n.t('Class') });
    const go = h('vscode-button', { id: 'saliency-run' }, l10n.t('Why?'));
    go.addEventListener('click', () => this.ask(this.select.value === '' || this.select.value === 'predicted' ? null : Number(this.select.value)));
    this.status = h('div', { id: 'saliency-status' });
    this.body = h('div', { id: 'saliency-body' });
    this.element = h('section', { id: 'saliency', 'aria-labelledby': 'saliency-title' },
      h('h2', { id: 'saliency-title' }, l10n.t('Why this class?')),
      h('p', { class: 'muted' }, l10n.t('The saliency map shows which input pixels change the class score most (the gradient of the score with respect to the input); Grad-CAM shows where the last conv layer\'s channels that raise the score fire.')),
      h('div', { class: 'toolbar' }, h('label', { for: 'saliency-class' }, l10n.t('Class')), this.select, go),
      this.status, this.body);
  }

  setClasses(classNames: readonly string[]): void {
    if (classNames.length === this.classNames.length && classNames.every((n, i) => n === this.classNames[i])) return;
    this.classNames = classNames;
    const keep = this.select.value;
    this.select.replaceChildren(
      h('vscode-option', { value: 'predicted', selected: keep === '' || keep === 'predicted' }, l10n.t('the predicted class')),
      ...classNames.map((n, i) => h('vscode-option', { value: String(i), selected: keep === String(i) }, `${i}: ${n}`)));
  }

  setStatus(pending: boolean, error: string | null): void {
    this.status.replaceChildren(
      pending ? h('p', { class: 'muted', role: 'status', id: 'saliency-pending' }, l10n.t('Computing the gradients…')) : '',
      error !== null ? h('p', { class: 'error', role: 'alert', id: 'saliency-error' }, error) : '');
  }

  show(s: DashboardSaliency | null, subjectText: string): void {
    if (s === null) {
      this.body.replaceChildren(h('p', { class: 'muted' }, l10n.t('Press Why? to see what the model looks at in the input on screen.')));
      return;
    }
    const [ih, iw, ic] = s.gradient.shape as [number, number, number];
    const sal = saliencyOf(decodeFloats(s.gradient), ih, iw, ic);
    const name = this.classNames[s.classIndex] ?? String(s.classIndex);
    const image = toRgba(decodeBase64(s.image.pixelsBase64), s.image.height, s.image.width, s.image.channels);
    const figures: HTMLElement[] = [
      h('figure', {}, imageCanvas(s.image, SCALE, l10n.t('Input image')), h('figcaption', {}, l10n.t('Input'))),
      h('figure', {}, (() => { const c = pixelCanvas(heatRgba(sal), iw, ih, SCALE, l10n.t('Saliency map')); c.id = 'saliency-map'; return c; })(),
        h('figcaption', {}, l10n.t('Saliency: |∂ score / ∂ pixel|'))),
      h('figure', {}, (() => { const c = pixelCanvas(overlayRgba(image, sal), iw, ih, SCALE, l10n.t('Saliency over the input')); c.id = 'saliency-overlay'; return c; })(),
        h('figcaption', {}, l10n.t('Saliency over the input'))),
    ];
    const legends: HTMLElement[] = [heatLegend(extent(sal)[1], l10n.t('saliency'))];
    let camText: HTMLElement | string = h('p', { class: 'muted' }, l10n.t('This model has no conv layer before its classifier, so there is no Grad-CAM.'));
    if (s.gradCam !== null) {
      const [ch, cw] = s.gradCam.map.shape as [number, number];
      const cam = decodeFloats(s.gradCam.map);
      const up = upsample(cam, ch, cw, ih, iw);
      const raw = pixelCanvas(heatRgba(cam), cw, ch, Math.max(1, (iw * SCALE) / Math.max(1, cw)), l10n.t('Grad-CAM at the resolution of {0}', s.gradCam.layerName));
      raw.id = 'gradcam-map';
      const over = pixelCanvas(overlayRgba(image, up), iw, ih, SCALE, l10n.t('Grad-CAM over the input'));
      over.id = 'gradcam-overlay';
      figures.push(
        h('figure', {}, raw, h('figcaption', {}, l10n.t('Grad-CAM on {0} ({1}×{2})', s.gradCam.layerName, ch, cw))),
        h('figure', {}, over, h('figcaption', {}, l10n.t('Grad-CAM over the input'))));
      legends.push(heatLegend(extent(cam)[1], l10n.t('Grad-CAM')));
      const top = s.gradCam.weights.map((w, k): [number, number] => [k, w]).sort((a, b) => b[1] - a[1]).slice(0, 3);
      camText = h('p', { class: 'muted', id: 'gradcam-weights' }, l10n.t('Channels of {0} that raise the score most (α, the mean gradient): {1}', s.gradCam.layerName,
        top.map(([k, w]) => l10n.t('channel {0} ({1})', k + 1, formatValue(w))).join(', ')));
    }
    this.body.replaceChildren(
      h('p', { id: 'saliency-caption', 'data-class': s.classIndex },
        l10n.t('Class {0}: {1} {2}, probability {3}, on {4}, after epoch {5}', name,
          s.scoreKind === 'logit' ? l10n.t('score (logit)') : l10n.t('log-probability'), formatValue(s.score, 4), formatPercent(s.probability, 1), subjectText, s.epoch)),
      h('div', { class: 'saliency-figures' }, ...figures),
      h('div', { class: 'legends' }, ...legends),
      camText);
  }
}
