/** Keras-style model summary: layer (type), output shape, parameters, MACs, and the totals. */
import * as l10n from '@vscode/l10n';
import type { ModelSummary } from '../../src/shared/modelSpec';
import { formatCompact, formatCount, formatShape } from '../common/math';
import { h } from '../common/dom';

export function renderSummary(summary: ModelSummary | null): HTMLElement {
  const section = h('section', { id: 'summary', 'aria-labelledby': 'summary-title' }, h('h2', { id: 'summary-title' }, l10n.t('Model summary')));
  if (summary === null) {
    section.append(h('p', { class: 'muted' }, l10n.t('The summary appears when the trainer has built the model.')));
    return section;
  }
  const head = h('tr', {},
    h('th', { scope: 'col' }, l10n.t('Layer (type)')),
    h('th', { scope: 'col' }, l10n.t('Output shape')),
    h('th', { scope: 'col', class: 'num' }, l10n.t('Param #')),
    h('th', { scope: 'col', class: 'num' }, l10n.t('MACs')),
  );
  const rows = summary.layers.map((l) => h('tr', { class: 'layer-row', 'data-layer': l.index },
    h('td', {}, `${l.name} (${l.type})`),
    h('td', { class: 'mono' }, formatShape(l.outputShape)),
    h('td', { class: 'num' }, formatCount(l.params)),
    h('td', { class: 'num', title: formatCount(l.macs) }, formatCompact(l.macs)),
  ));
  const table = h('table', { class: 'summary' },
    h('caption', { class: 'muted' }, l10n.t('Input {0}', formatShape(summary.inputShape))),
    h('thead', {}, head),
    h('tbody', {}, ...rows),
  );
  const totals = h('dl', { class: 'totals' },
    h('dt', {}, l10n.t('Total params')), h('dd', { id: 'total-params' }, formatCount(summary.totalParams)),
    h('dt', {}, l10n.t('Trainable params')), h('dd', {}, formatCount(summary.trainableParams)),
    h('dt', {}, l10n.t('Non-trainable params')), h('dd', {}, formatCount(summary.nonTrainableParams)),
    h('dt', {}, l10n.t('MACs per sample')), h('dd', { id: 'total-macs', title: formatCount(summary.totalMacs) }, formatCompact(summary.totalMacs)),
    h('dt', {}, l10n.t('Activation memory per batch')), h('dd', {}, `${(summary.activationBytesPerBatch / 2 ** 20).toFixed(1)} MiB`),
  );
  section.append(h('div', { class: 'table-wrap' }, table), totals);
  return section;
}
