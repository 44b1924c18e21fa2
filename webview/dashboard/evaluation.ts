/** Test-set evaluation: accuracy, a confusion matrix (rows: actual) and the misclassified samples. */
import * as l10n from '@vscode/l10n';
import type { DashboardEvaluation } from '../../src/shared/webviewProtocol';
import { formatPercent, rowShare } from '../common/math';
import { h } from '../common/dom';
import { imageCanvas } from './featureMaps';

/** `canPick`: a trainer or an inspection process can show a sample's feature maps. */
export function renderEvaluation(ev: DashboardEvaluation | null, pick: (sampleIndex: number) => void, canPick: boolean): HTMLElement {
  const section = h('section', { id: 'evaluation', 'aria-labelledby': 'eval-title' }, h('h2', { id: 'eval-title' }, l10n.t('Evaluation on the test set')));
  if (ev === null) {
    section.append(h('p', { class: 'muted' }, l10n.t('The confusion matrix appears after the last epoch.')));
    return section;
  }
  section.append(h('p', { id: 'test-acc' }, l10n.t('Test accuracy {0}, test loss {1}', formatPercent(ev.testAcc), ev.testLoss.toFixed(4))));
  const head = h('tr', {}, h('th', { scope: 'col' }, l10n.t('actual \\ predicted')), ...ev.classNames.map((n) => h('th', { scope: 'col' }, n)));
  const rows = ev.confusion.map((row, i) => h('tr', {},
    h('th', { scope: 'row' }, ev.classNames[i] ?? String(i)),
    ...row.map((count, j) => {
      const td = h('td', { class: i === j ? 'num diag' : 'num', title: `${ev.classNames[i] ?? i} → ${ev.classNames[j] ?? j}: ${count}` }, String(count));
      // Heat relative to the row, through CSSOM (allowed by the CSP, unlike style attributes).
      td.style.setProperty('--share', rowShare(row, j).toFixed(3));
      return td;
    })));
  section.append(h('div', { class: 'table-wrap' }, h('table', { class: 'confusion', id: 'confusion' }, h('thead', {}, head), h('tbody', {}, ...rows))));

  // Every mistake is off the confusion matrix's diagonal; the gallery shows the most confident ones.
  const wrong = ev.confusion.reduce((sum, row, i) => sum + row.reduce((a, c, j) => a + (i === j ? 0 : c), 0), 0);
  section.append(h('h3', {}, wrong > ev.misclassified.length
    ? l10n.t('Misclassified samples: {0} (the {1} most confident shown)', wrong, ev.misclassified.length)
    : l10n.t('Misclassified samples: {0}', wrong)));
  const gallery = h('div', { class: 'gallery', id: 'misclassified' });
  for (const m of ev.misclassified) {
    const caption = l10n.t('#{0}: {1} taken for {2} ({3})', m.index, ev.classNames[m.label] ?? m.label, ev.classNames[m.predicted] ?? m.predicted, formatPercent(m.confidence, 0));
    const button = h('button', { class: 'sample', type: 'button', title: canPick ? l10n.t('Show its feature maps') : caption, disabled: !canPick, 'data-index': m.index },
      imageCanvas(m.image, 2, caption), h('span', {}, caption));
    button.addEventListener('click', () => pick(m.index));
    gallery.append(button);
  }
  section.append(gallery);
  return section;
}
