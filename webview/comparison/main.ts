/**
 * Comparison webview app (one panel per experiment): the variants' training and validation curves
 * (loss and accuracy per epoch) overlaid in uPlot, one colour per variant, training solid and
 * validation dashed; the results table (dropout: final accuracies, the train/validation gap,
 * test accuracy; colour: parameters, MACs, seconds per epoch, accuracies) and, for dropout, the
 * gap at each epoch per variant. Redrawn from each state the host sends; every host message is guarded.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import 'uplot/dist/uPlot.min.css';
import uPlot from 'uplot';
import * as l10n from '@vscode/l10n';
import {
  gapTable, isHostToComparisonMessage, variantResults, type ComparisonState, type ComparisonToHostMessage, type ComparisonVariant, type VariantResult,
} from '../../src/shared/comparison';
import type { VariantKey, VariantStatus } from '../../src/shared/experimentFiles';
import { compact, groupDigits } from '../../src/shared/format';
import { getWebviewState, onHostMessage, postToHost, setWebviewState } from '../common/vscodeApi';
import { h, reportErrors, themeColour } from '../common/dom';
import { formatPercent } from '../common/math';

const post = (m: ComparisonToHostMessage): void => postToHost(m);
reportErrors((m) => postToHost(m));

/** Kept by VS Code across reloads: the serializer reopens this experiment. */
interface ViewState { experimentDir?: string }
const view: ViewState = { ...((getWebviewState() as ViewState | undefined) ?? {}) };

const root = document.getElementById('app') as HTMLElement;
let l10nConfigured = false;
const CHART_HEIGHT = 220;

function variantName(key: VariantKey): string {
  const names: Record<VariantKey, string> = {
    none: l10n.t('No dropout'),
    afterFlatten: l10n.t('Dropout after flatten (recommended)'),
    afterEveryConvBlock: l10n.t('Dropout after every conv block'),
    rgb: l10n.t('RGB (3 channels)'),
    grayscale: l10n.t('Grayscale (1 channel)'),
  };
  return names[key];
}

function statusText(s: VariantStatus): string {
  const labels: Record<VariantStatus, string> = {
    pending: l10n.t('not started'), running: l10n.t('running'), completed: l10n.t('completed'), stopped: l10n.t('stopped'),
    failed: l10n.t('failed'), interrupted: l10n.t('interrupted'),
  };
  return labels[s];
}

/** One theme chart colour per variant, in order. */
function variantColours(): string[] {
  return [['--vscode-charts-blue', '#3794ff'], ['--vscode-charts-orange', '#d18616'], ['--vscode-charts-green', '#89d185'],
    ['--vscode-charts-purple', '#b180d7'], ['--vscode-charts-red', '#f14c4c']].map(([v, f]) => themeColour(v ?? '', f ?? '#888'));
}

/** Percentage points with a sign: 0.0312 → "+3.12 pp". */
function points(v: number | null | undefined): string {
  return v === null || v === undefined ? '–' : `${v >= 0 ? '+' : '−'}${Math.abs(v * 100).toFixed(2)} ${l10n.t('pp')}`;
}

function signed(v: number | null | undefined): string {
  return v === null || v === undefined ? '–' : `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(4)}`;
}

// ---------------------------------------------------------------- charts

interface Chart { plot: uPlot; box: HTMLElement; key: string }
const charts = new Map<string, Chart>();
const chartGrid = h('div', { class: 'charts' });
let lastWidth = 0;
let fitPending = false;
const resize = new ResizeObserver(() => {
  if (fitPending) return;
  fitPending = true;
  requestAnimationFrame(() => { fitPending = false; fit(); });
});
resize.observe(chartGrid);

function chartWidth(): number {
  const w = chartGrid.clientWidth || 800;
  return Math.max(240, Math.floor(w / (w > 900 ? 2 : 1)) - 16);
}

function fit(): void {
  const w = chartWidth();
  if (w === lastWidth) return;
  lastWidth = w;
  for (const c of charts.values()) c.plot.setSize({ width: w, height: CHART_HEIGHT });
}

/** A chart of one metric for every variant: training solid, validation dashed, one colour per variant. */
function drawChart(id: string, title: string, percent: boolean, variants: readonly ComparisonVariant[], train: (e: ComparisonVariant['epochs'][number]) => number | null, val: (e: ComparisonVariant['epochs'][number]) => number | null): HTMLElement {
  const maxEpoch = Math.max(0, ...variants.flatMap((v) => v.epochs.map((e) => e.epoch)));
  const xs = Array.from({ length: maxEpoch }, (_, i) => i + 1);
  const at = (v: ComparisonVariant, f: (e: ComparisonVariant['epochs'][number]) => number | null): (number | null)[] => {
    const byEpoch = new Map(v.epochs.map((e) => [e.epoch, e]));
    return xs.map((x) => { const e = byEpoch.get(x); return e === undefined ? null : f(e); });
  };
  const data = [xs, ...variants.flatMap((v) => [at(v, train), at(v, val)])] as uPlot.AlignedData;
  const key = variants.map((v) => v.key).join(',');
  let c = charts.get(id);
  if (c === undefined || c.key !== key) {
    c?.plot.destroy();
    const box = c?.box ?? h('figure', { class: 'chart', id });
    box.replaceChildren(h('figcaption', {}, title));
    const colours = variantColours();
    const grid = themeColour('--vscode-editorWidget-border', 'rgba(128,128,128,0.35)');
    const text = themeColour('--vscode-foreground', '#cccccc');
    const fmt = (_u: uPlot, v: number | null): string => (v === null ? '–' : percent ? formatPercent(v) : v.toFixed(4));
    const series: uPlot.Series[] = [{ label: l10n.t('Epoch') }];
    variants.forEach((v, i) => {
      const stroke = colours[i % colours.length] ?? '#888';
      series.push({ label: `${variantName(v.key)} · ${l10n.t('training')}`, stroke, width: 2, value: fmt, points: { show: true, size: 5 } });
      series.push({ label: `${variantName(v.key)} · ${l10n.t('validation')}`, stroke, width: 2, dash: [6, 4], value: fmt, points: { show: true, size: 5 } });
    });
    const base = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const plot = new uPlot({
      width: chartWidth(), height: CHART_HEIGHT, series, scales: { x: { time: false } },
      axes: [
        { ...base, label: l10n.t('epoch'), incrs: [1, 2, 5, 10, 20, 50, 100] },
        { ...base, label: percent ? l10n.t('accuracy') : l10n.t('loss'), values: (_u, splits) => splits.map((v) => (percent ? `${Math.round(v * 100)}%` : v.toPrecision(3))) },
      ],
      legend: { show: true, live: true },
      cursor: { drag: { x: true, y: false } },
    }, data, box);
    c = { plot, box, key };
    charts.set(id, c);
  } else {
    c.plot.setData(data);
  }
  c.box.setAttribute('data-points', String(xs.length));
  c.box.setAttribute('data-series', String(variants.length * 2));
  c.box.setAttribute('aria-label', `${title}: ${l10n.t('{0} variants, {1} epochs', variants.length, xs.length)}`);
  return c.box;
}

// ---------------------------------------------------------------- tables

interface Col { id: string; header: string; title?: string; value: (r: VariantResult) => string }

function resultColumns(kind: ComparisonState['kind']): Col[] {
  const test: Col = { id: 'testAcc', header: l10n.t('Test accuracy'), title: l10n.t('On the test set, after the last epoch'), value: (r) => formatPercent(r.testAcc) };
  const epochs: Col = { id: 'epochs', header: l10n.t('Epochs'), value: (r) => String(r.epochsCompleted) };
  if (kind === 'dropout') {
    return [
      epochs,
      { id: 'acc', header: l10n.t('Training accuracy'), title: l10n.t('Last epoch, dropout active'), value: (r) => formatPercent(r.last?.acc ?? null) },
      { id: 'valAcc', header: l10n.t('Validation accuracy'), title: l10n.t('Last epoch'), value: (r) => formatPercent(r.last?.valAcc ?? null) },
      { id: 'accGap', header: l10n.t('Accuracy gap (training − validation)'), title: l10n.t('Percentage points; large and growing: overfitting'), value: (r) => points(r.lastGap?.accGap) },
      { id: 'lossGap', header: l10n.t('Loss gap (validation − training)'), value: (r) => signed(r.lastGap?.lossGap) },
      test,
    ];
  }
  return [
    { id: 'params', header: l10n.t('Parameters'), value: (r) => groupDigits(r.totalParams) },
    { id: 'macs', header: l10n.t('MACs per image'), title: l10n.t('Multiply-accumulates of one forward pass'), value: (r) => `${compact(r.totalMacs)} (${groupDigits(r.totalMacs)})` },
    { id: 'secPerEpoch', header: l10n.t('Seconds per epoch (mean)'), value: (r) => (r.secPerEpoch === null ? '–' : r.secPerEpoch.toFixed(2)) },
    epochs,
    { id: 'valAcc', header: l10n.t('Validation accuracy'), title: l10n.t('Last epoch'), value: (r) => formatPercent(r.last?.valAcc ?? null) },
    test,
  ];
}

function resultsTable(s: ComparisonState): HTMLElement {
  const cols = resultColumns(s.kind);
  const colours = variantColours();
  const rows = variantResults(s.variants).map((r, i) => h('tr', { 'data-variant': r.key },
    h('th', { scope: 'row' }, swatch(colours[i % colours.length] ?? '#888'), variantName(r.key), h('span', { class: 'muted' }, ` · ${statusText(r.status)}`)),
    ...cols.map((c) => h('td', { class: 'num', 'data-col': c.id }, c.value(r)))));
  return h('div', { class: 'table-wrap' }, h('table', { id: 'results' },
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, l10n.t('Variant')), ...cols.map((c) => h('th', { scope: 'col', class: 'num', title: c.title }, c.header)))),
    h('tbody', {}, ...rows)));
}

/** The gap at each epoch: per variant, the accuracy gap and the loss gap. */
function gapsTable(s: ComparisonState): HTMLElement {
  const rows = gapTable(s.variants);
  const head1 = h('tr', {}, h('th', { scope: 'col', rowspan: 2 }, l10n.t('Epoch')),
    ...s.variants.map((v) => h('th', { scope: 'colgroup', colspan: 2, class: 'group' }, variantName(v.key))));
  const head2 = h('tr', {}, ...s.variants.flatMap(() => [
    h('th', { scope: 'col', class: 'num', title: l10n.t('Training accuracy − validation accuracy, in percentage points') }, l10n.t('accuracy gap')),
    h('th', { scope: 'col', class: 'num', title: l10n.t('Validation loss − training loss') }, l10n.t('loss gap')),
  ]));
  const body = rows.map((r) => h('tr', { 'data-epoch': r.epoch }, h('th', { scope: 'row', class: 'num' }, String(r.epoch)),
    ...r.gaps.flatMap((g, i) => [
      h('td', { class: 'num', 'data-variant': s.variants[i]?.key ?? '', 'data-col': 'accGap' }, points(g?.accGap)),
      h('td', { class: 'num', 'data-variant': s.variants[i]?.key ?? '', 'data-col': 'lossGap' }, signed(g?.lossGap)),
    ])));
  return h('div', { class: 'table-wrap' }, h('table', { id: 'gaps' }, h('thead', {}, head1, head2), h('tbody', {}, ...body)));
}

function swatch(colour: string): HTMLElement {
  const el = h('span', { class: 'swatch', 'aria-hidden': 'true' });
  el.style.background = colour;
  return el;
}

// ---------------------------------------------------------------- page

function lesson(s: ComparisonState): string {
  return s.kind === 'dropout'
    ? l10n.t('Course 3.5: dropout fights overfitting. Without dropout the training accuracy runs ahead of the validation accuracy (a growing gap); dropout keeps the two together, at the price of slower training accuracy.')
    : l10n.t('Course 3.6.2: a colour convolution has one kernel slice per input channel. Grayscale input gives the first conv layer a third of its kernel weights and multiply-accumulates; the accuracy says whether colour carried information.');
}

function render(s: ComparisonState): void {
  const colours = variantColours();
  const title = s.kind === 'dropout' ? l10n.t('Compare Dropout Placements') : l10n.t('Compare Colour and Grayscale');
  const actions = h('div', { class: 'toolbar' });
  if (s.status === 'running') {
    const stop = h('vscode-button', { id: 'stop', secondary: true }, l10n.t('Stop Experiment'));
    stop.addEventListener('click', () => post({ type: 'stopExperiment' }));
    actions.append(stop);
  }
  if (s.resumable) {
    const resume = h('vscode-button', { id: 'resume' }, l10n.t('Resume Experiment'));
    resume.addEventListener('click', () => post({ type: 'resumeExperiment' }));
    actions.append(resume);
  }
  const variants = h('ul', { class: 'variants', id: 'variants' }, ...s.variants.map((v, i) => {
    const epochs = v.totalEpochs !== null ? l10n.t('epoch {0} of {1}', v.epochs.length, v.totalEpochs) : l10n.t('not started');
    const li = h('li', { 'data-variant': v.key, 'data-status': v.status, class: i === s.current ? 'current' : undefined },
      swatch(colours[i % colours.length] ?? '#888'), h('span', { class: 'name' }, variantName(v.key)),
      h('span', { class: `badge status-${v.status}` }, statusText(v.status)), h('span', { class: 'muted' }, epochs));
    if (v.runDir !== null) {
      const open = h('button', { type: 'button', class: 'link', 'data-run': v.runDir, title: v.name }, l10n.t('Dashboard'));
      const dir = v.runDir;
      open.addEventListener('click', () => post({ type: 'openRun', runDir: dir }));
      li.append(open);
    }
    return li;
  }));
  chartGrid.replaceChildren(
    drawChart('chart-loss', l10n.t('Loss per epoch (solid: training, dashed: validation)'), false, s.variants, (e) => e.loss, (e) => e.valLoss),
    drawChart('chart-acc', l10n.t('Accuracy per epoch (solid: training, dashed: validation)'), true, s.variants, (e) => e.acc, (e) => e.valAcc),
  );
  const backends = [...new Set(s.variants.map((v) => v.backend).filter((b): b is string => b !== null))];
  root.replaceChildren(
    h('header', { id: 'header' }, h('h1', { id: 'title' }, `${title}: ${s.name}`),
      h('span', { class: `badge status-${s.status}`, id: 'status' }, statusText(s.status)), actions),
    h('p', { class: 'muted lesson' }, lesson(s)),
    variants,
    h('section', { id: 'curves' }, h('h2', {}, l10n.t('Training and validation curves')), chartGrid),
    h('section', { id: 'result-section' }, h('h2', {}, l10n.t('Results')), resultsTable(s),
      s.kind === 'colour' && backends.length > 0 ? h('p', { class: 'muted' }, l10n.t('Seconds per epoch on the {0} backend; they compare only on the same machine.', backends.join(', '))) : null),
    ...(s.kind === 'dropout' ? [h('section', { id: 'gap-section' }, h('h2', {}, l10n.t('Train/validation gap at each epoch')), gapsTable(s))] : []),
  );
  document.body.dataset.status = s.status;
  document.body.dataset.epochs = String(s.variants.reduce((n, v) => n + v.epochs.length, 0));
}

onHostMessage((data) => {
  if (!isHostToComparisonMessage(data)) {
    post({ type: 'webviewError', message: `comparison ignored a malformed message: ${JSON.stringify(data).slice(0, 200)}` });
    return;
  }
  if (!l10nConfigured) {
    if (data.l10n !== null) l10n.config({ contents: { ...data.l10n } });
    l10nConfigured = true;
  }
  if (view.experimentDir !== data.state.experimentDir) {
    view.experimentDir = data.state.experimentDir;
    setWebviewState(view);
  }
  render(data.state);
});

post({ type: 'ready' });
