/** The colour legend of a value scale (ValueScale), shared by the dashboard's views. */
import * as l10n from '@vscode/l10n';
import { h, pixelCanvas } from './dom';
import { formatValue, scaleColour, type ValueScale } from './math';

/** A colour bar from the scale's low end to its high end, with the end values and zero marked. */
export function scaleLegend(scale: ValueScale, caption: string, id?: string): HTMLElement {
  const steps = 48;
  const lo = scale.kind === 'diverging' ? -scale.limit : scale.lo;
  const hi = scale.kind === 'diverging' ? scale.limit : scale.hi;
  const rgba = new Uint8ClampedArray(steps * 4);
  for (let i = 0; i < steps; i++) {
    const [r, g, b] = scaleColour(scale, lo + (i / (steps - 1)) * (hi - lo));
    rgba.set([r, g, b, 255], i * 4);
  }
  const described = scale.kind === 'diverging'
    ? l10n.t('Colour scale from {0} (blue) through 0 (white) to {1} (red)', formatValue(lo), formatValue(hi))
    : l10n.t('Colour scale from {0} (black) to {1} (white)', formatValue(lo), formatValue(hi));
  const bar = pixelCanvas(rgba, steps, 1, 3, described);
  bar.classList.add('legend-bar');
  return h('div', { class: 'scale-legend', ...(id !== undefined ? { id } : {}), 'data-lo': lo, 'data-hi': hi },
    h('span', { class: 'legend-caption' }, caption),
    h('span', { class: 'num' }, formatValue(lo)),
    bar,
    h('span', { class: 'num' }, formatValue(hi)));
}
